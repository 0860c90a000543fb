import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadConfig, warnIfUnsafe } from '../infra/config.js';
import { createKeyVault } from '../infra/crypto.js';
import { createDb } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { resolveMasterKey } from '../infra/master-key.js';
import { ensureFirstOwner, firstOwnerNotice } from '../infra/operators.js';
import { createTemporalClient } from '../infra/temporal.js';
import { createApp } from './app.js';
import { createApiDeps } from './deps.js';
import { registerTelegramWebhook } from './telegram.js';
import { withPanel } from './panel.js';

const ADMIN_DIST = fileURLToPath(new URL('../admin/dist/', import.meta.url));

/** Runs the HTTP server; also serves the built operator panel at /admin when it exists. */
export async function runApi(config = loadConfig()) {
  const log = createLogger(config.LOG_LEVEL, 'api');
  warnIfUnsafe(config, log);
  const db = createDb(config.DATABASE_URL, 20);
  const temporal = createTemporalClient(config.temporalAddress, config.TEMPORAL_NAMESPACE, config.temporalTls);
  const vault = createKeyVault(resolveMasterKey(config).key);
  // for the person starting Kami: a generated password goes to a terminal, or else to a 0600 file in KAMI_DATA_DIR
  const owner = firstOwnerNotice(await ensureFirstOwner(db, config), { tty: Boolean(process.stdout.isTTY), dataDir: config.KAMI_DATA_DIR });
  if (owner) console.log(owner); // the structured logger never sees the password
  let port = config.PORT;
  const deps = createApiDeps({ config, db, temporal, vault, log, selfUrl: () => `http://127.0.0.1:${port}` });
  const app = createApp(deps);
  const root = withPanel(app, existsSync(ADMIN_DIST) ? ADMIN_DIST : null);
  const server = root.listen(config.PORT);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  port = (server.address() as AddressInfo).port;
  log.info({ port }, 'api listening');
  await registerTelegramWebhook(deps.telegram, config.publicUrl, log);

  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await deps.close();
    await temporal.connection.close();
    await db.$disconnect();
  };
  return { server, port, stop };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { stop } = await runApi();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
}
