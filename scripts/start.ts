/**
 * `npm start`: Kami on one machine with embedded defaults. Makes the Temporal CLI available and runs
 * its dev server (unless TEMPORAL_ADDRESS names a cluster), migrates PostgreSQL, seeds the demo
 * catalogue, runs a mail catcher when no SMTP_URL is set, then the worker and the HTTP server.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runApi } from '../api/main.js';
import { loadConfig } from '../infra/config.js';
import { createKeyVault } from '../infra/crypto.js';
import { createDb } from '../infra/db.js';
import { resolveMasterKey } from '../infra/master-key.js';
import { ensureDatabase, migrate } from '../infra/migrate.js';
import { ensureFirstOwner, firstOwnerNotice } from '../infra/operators.js';
import { runWorker } from '../worker/main.js';
import { ensurePanelBuilt, panelStale } from './lib/admin-build.js';
import { seedDemo } from './lib/demo.js';
import { startDevServer, type DevServer } from './lib/dev-server.js';
import { startMailCatcher, type MailCatcher } from './lib/mail-catcher.js';
import { startProgress } from './lib/progress.js';
import { ensureTemporalCli } from './lib/temporal-cli.js';

const config = loadConfig();
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
console.log(bold('Kami — automatic card-key delivery (自动发卡)'));
mkdirSync(config.KAMI_DATA_DIR, { recursive: true });
const stops: (() => Promise<void>)[] = [];

async function step<T>(label: string, fn: () => Promise<T>, done: (v: T) => string): Promise<T> {
  const p = startProgress(label);
  try {
    const v = await fn();
    p.done(done(v));
    return v;
  } catch (err) {
    p.fail(`${label}: ${(err as Error).message}`);
    throw err;
  }
}

try {
  const master = resolveMasterKey(config);
  if (master.source === 'generated') console.log(`⚠ Generated a master key for card-key encryption at ${master.path}. Production must set its own KAMI_MASTER_KEY.`);

  let devServer: DevServer | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    const cli = await ensureTemporalCli();
    devServer = await step('Starting the Temporal dev server', () => startDevServer({
      cli, dbFile: resolve(join(config.KAMI_DATA_DIR, 'temporal.db')), port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
    }), (s) => `Temporal dev server on ${s.address} (data: ${join(config.KAMI_DATA_DIR, 'temporal.db')})`);
    stops.push(() => devServer!.stop());
  }

  await step('Migrating PostgreSQL', async () => {
    const created = await ensureDatabase(config.DATABASE_URL);
    return { created, applied: await migrate(config.DATABASE_URL) };
  }, ({ created, applied }) => `PostgreSQL ${created ? 'database created, ' : ''}${applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date'}`);

  const admin = createDb(config.DATABASE_URL, 2);
  const owner = await ensureFirstOwner(admin, config).finally(() => admin.$disconnect());
  console.log(firstOwnerNotice(owner, { tty: Boolean(process.stdout.isTTY), dataDir: config.KAMI_DATA_DIR }) ?? `✔ Operator panel owner: ${owner.email}`);

  if (config.demo) {
    const db = createDb(config.DATABASE_URL, 2);
    const seeded = await seedDemo(db, createKeyVault(master.key));
    await db.$disconnect();
    if (seeded) console.log(`✔ Seeded ${seeded} [DEMO] products with random keys (KAMI_DEMO=0 turns this off)`);
  }

  let mail: MailCatcher | undefined;
  if (!config.SMTP_URL) {
    mail = await startMailCatcher({ smtpPort: config.KAMI_MAIL_CATCHER_PORT, httpPort: config.KAMI_MAIL_UI_PORT });
    stops.push(() => mail!.close());
  }

  if (panelStale()) {
    await step('Building the operator panel (first start, or its sources changed)', ensurePanelBuilt, () => 'Operator panel built into admin/dist');
  }

  const worker = runWorker(config);
  const api = await runApi(config);
  stops.unshift(() => api.stop());

  const base = config.publicUrl;
  console.log(`
${bold('Kami is running.')}
  Checkout API     ${base}/api/v1/products   (OpenAPI: ${base}/openapi.json)
  Operator panel   ${base}/admin
  Temporal UI      ${devServer ? config.temporalUiUrl : `(cluster at ${config.temporalAddress})`}
  Delivery emails  ${mail ? `http://localhost:${mail.httpPort}  (local mail catcher; set SMTP_URL to send real mail)` : `via ${config.SMTP_URL?.replace(/\/\/[^@]*@/, '//***@')}`}

Try it:
  curl -s ${base}/api/v1/products
  curl -s -X POST ${base}/api/v1/orders -H 'content-type: application/json' \\
       -d '{"sku":"DEMO-STEAM-10","quantity":1,"email":"buyer@example.com"}'
  then open the paymentUrl it returns and press Pay.

Press Ctrl-C to stop.`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Kami…');
    for (const stop of stops) await stop().catch((err) => console.error(err));
    console.log('Stopped.');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown());
  // the worker shuts itself down on SIGINT/SIGTERM; the rest follows
  await worker.catch((err) => { console.error('worker stopped:', err); });
  await shutdown();
} catch (err) {
  console.error(`\nKami could not start: ${(err as Error).message}`);
  for (const stop of stops) await stop().catch(() => {});
  process.exit(1);
}
