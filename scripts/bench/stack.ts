import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig, type Config } from '../../infra/config.js';
import { createKeyVault, type KeyVault } from '../../infra/crypto.js';
import { ensureDatabase, migrate } from '../../infra/migrate.js';
import { createLogger, type Logger } from '../../infra/logger.js';
import { installTemporalRuntime } from '../../infra/temporal-runtime.js';
import { freePort } from '../../test/helpers/ports.js';
import { startDevServer, type DevServer } from '../lib/dev-server.js';
import { startMailCatcher, type MailCatcher } from '../lib/mail-catcher.js';
import { ensureTemporalCli } from '../lib/temporal-cli.js';
import type { BenchOptions } from './options.js';

/** What both the Kami run and the baseline run share: Temporal, a fresh database, an SMTP inbox, one master key. */
export interface Stack {
  config: Config;
  vault: KeyVault;
  log: Logger;
  mail: MailCatcher;
  databaseUrl: string;
  /** The Temporal server's process id when the bench started it (for CPU accounting). */
  temporalPid?: number;
  stop(): Promise<void>;
}

/**
 * Starts a headless Temporal dev server on a free port with its SQLite file in a temp folder (unless
 * TEMPORAL_ADDRESS is set), creates and migrates a database of its own, and runs the SMTP catcher.
 * stop() undoes all of it, including DROP DATABASE, whatever state the run ended in.
 */
export async function startStack(o: BenchOptions, say: (line: string) => void): Promise<Stack> {
  const log = createLogger('warn', 'bench');
  installTemporalRuntime(log);
  const undo: (() => Promise<void>)[] = [];
  const janitor = startJanitor();
  const stop = async () => {
    for (const fn of undo.splice(0).reverse()) await fn().catch((err) => console.error('cleanup:', (err as Error).message));
    janitor.done();
  };
  try {
    let temporalAddress = o.temporalAddress;
    let server: DevServer | undefined;
    if (!temporalAddress) {
      const cli = await ensureTemporalCli();
      const dir = mkdtempSync(join(tmpdir(), 'kami-bench-'));
      janitor.tell(`dir ${dir}`);
      undo.push(async () => rmSync(dir, { recursive: true, force: true }));
      // SQLite's own name for a private in-memory database; the dev server keeps one connection to it
      const dbFile = o.temporalDb === 'memory' ? ':memory:' : join(dir, 'temporal.db');
      server = await startWithRetry(async () => startDevServer({ cli, dbFile, port: await freePort(), logLevel: 'error' }));
      janitor.tell(`pid ${server.process.pid}`);
      undo.push(() => server!.stop());
      temporalAddress = server.address;
      say(`Temporal dev server on ${temporalAddress} (SQLite ${o.temporalDb === 'memory' ? 'in memory' : `file in ${dir}`})`);
    } else {
      say(`Temporal at ${temporalAddress} (TEMPORAL_ADDRESS)`);
    }

    const dbName = `kami_bench_${randomBytes(4).toString('hex')}`;
    const url = new URL(o.adminUrl);
    url.pathname = `/${dbName}`;
    const databaseUrl = url.toString();
    janitor.tell(`db ${o.adminUrl} ${dbName}`);
    await ensureDatabase(databaseUrl);
    undo.push(() => dropDatabase(o.adminUrl, dbName));
    await migrate(databaseUrl);
    say(`PostgreSQL database ${dbName} created and migrated (dropped at the end)`);

    const mail = await startMailCatcher();
    undo.push(() => mail.close());

    const masterKey = randomBytes(32).toString('hex');
    const config = loadConfig({
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      KAMI_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
      KAMI_MASTER_KEY: masterKey,
      SMTP_URL: mail.url,
      KAMI_CHECKOUT_RATE_LIMIT: '0',
      KAMI_PAYMENT_HOLD: '30m',
      KAMI_DEMO: '0',
      LOG_LEVEL: 'warn',
      PORT: '0',
    });
    return {
      config, log, mail, databaseUrl, temporalPid: server?.process.pid,
      vault: createKeyVault(Buffer.from(masterKey, 'hex')),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** See janitor.ts: removes what the bench created if the bench is killed before it can. */
function startJanitor() {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./janitor.ts', import.meta.url))], {
    stdio: ['pipe', 'ignore', 'inherit'], detached: true,
  });
  child.unref();
  (child.stdin as unknown as Socket).unref(); // the pipe must not keep the bench alive
  child.stdin!.on('error', () => {}); // a janitor that died early only means no safety net
  return {
    tell: (line: string) => void (child.stdin!.writableEnded || child.stdin!.write(`${line}\n`)),
    done: () => void (child.stdin!.writableEnded || child.stdin!.end('done\n')),
  };
}

/** A port found free can be taken by another process before the server binds it (the machine is shared): try again on a new one. */
async function startWithRetry(start: () => Promise<DevServer>, attempts = 3): Promise<DevServer> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts) throw err;
    }
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
