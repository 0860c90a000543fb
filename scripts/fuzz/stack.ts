import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startJanitor } from '../lib/safety-net.js';
import { Worker } from '@temporalio/worker';
import type express from 'express';
import pg from 'pg';
import { pino } from 'pino';
import { createActivityDeps } from '../../activities/deps.js';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { createApiDeps } from '../../api/deps.js';
import { loadConfig, type Config } from '../../infra/config.js';
import { createKeyVault, type KeyVault } from '../../infra/crypto.js';
import { createDb, type Db } from '../../infra/db.js';
import { ensureDatabase, migrate } from '../../infra/migrate.js';
import { createMailer } from '../../infra/mailer.js';
import { createRulesCache } from '../../infra/rules-cache.js';
import { createTemporalClient, createWorkerConnection } from '../../infra/temporal.js';
import { freePort } from '../../test/helpers/ports.js';
import { writeWorkflowBundle } from '../bundle-workflows.js';
import { startDevServer } from '../lib/dev-server.js';
import { startMailCatcher } from '../lib/mail-catcher.js';
import { ensureTemporalCli } from '../lib/temporal-cli.js';

/** What Kami's logger said about a request that ended in an unexpected error. */
export interface LoggedError { reqId?: string; msg: string; type?: string; message?: string; code?: string; stack?: string }

/**
 * Kami's error log, in memory: a 500 answer says only "quote request id …", the log says why. The
 * fuzzer looks a failing request up by its id to name the cause in the report.
 */
export function logTap() {
  const entries: LoggedError[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as { reqId?: string; msg: string; err?: { type?: string; message?: string; code?: string; stack?: string } };
          entries.push({ reqId: e.reqId, msg: e.msg, type: e.err?.type, message: e.err?.message, code: e.err?.code, stack: e.err?.stack });
          if (entries.length > 2000) entries.splice(0, 1000);
        } catch { /* not JSON: ignore */ }
      }
      done();
    },
  });
  return {
    logger: pino({ name: 'api', level: 'error' }, stream),
    /** The logged error of this request, if Kami logged one. */
    find: (reqId: string) => entries.findLast((e) => e.reqId === reqId),
    entries,
  };
}

export interface TargetOptions {
  databaseUrl: string;
  temporalAddress: string;
  /** A prebuilt workflow bundle (tests share the run's); unset, one is built into a temp folder. */
  workflowBundle: string;
  env?: Record<string, string>;
}

/**
 * One Kami in this process, as test/helpers/kami.ts builds it: the real API on a free port, a real
 * worker on its own task queue, a mail catcher as every buyer's inbox. Long payment holds and no
 * checkout rate limit: nothing may change the database on a timer while the fuzzer watches it.
 */
export async function startTarget(o: TargetOptions) {
  const mail = await startMailCatcher();
  const masterKey = randomBytes(32).toString('hex');
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: o.databaseUrl,
    TEMPORAL_ADDRESS: o.temporalAddress,
    KAMI_TASK_QUEUE: `fuzz-${randomUUID()}`,
    KAMI_MASTER_KEY: masterKey,
    SMTP_URL: mail.url,
    KAMI_CHECKOUT_RATE_LIMIT: '0',
    KAMI_PAYMENT_HOLD: '6h',
    KAMI_PAYMENT_HOLD_SCARCE: '6h',
    // every request comes from 127.0.0.1: per-address hold caps would soon refuse every checkout
    KAMI_MAX_UNPAID_PER_ADDRESS: '0',
    KAMI_MAX_UNPAID_PER_BUYER: '0',
    KAMI_EMAIL_GIVE_UP_AFTER: '6h',
    KAMI_EMAIL_RETRY_MAX_INTERVAL: '1s',
    LOG_LEVEL: 'error',
    PORT: '0',
    ...o.env,
  });
  const tap = logTap();
  const log = tap.logger;
  const db: Db = createDb(config.DATABASE_URL, 20);
  const vault: KeyVault = createKeyVault(Buffer.from(masterKey, 'hex'));
  const temporal = createTemporalClient(config.temporalAddress, config.TEMPORAL_NAMESPACE, config.temporalTls);
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  config.publicUrl = baseUrl;
  const deps = createApiDeps({ config, db, temporal, vault, log, selfUrl: () => baseUrl });
  const app: express.Express = createApp(deps);
  server.on('request', app);

  const mailer = createMailer(config.smtpUrl, config.MAIL_FROM);
  const connection = await createWorkerConnection(config.temporalAddress);
  const worker = await Worker.create({
    connection, taskQueue: config.KAMI_TASK_QUEUE, workflowBundle: { codePath: o.workflowBundle },
    activities: createActivities(createActivityDeps({ config, db, vault, mailer, log, temporal, merchantEmail: 'merchant@fuzz.kami' })),
  });
  const running = worker.run().finally(() => connection.close());

  return {
    config, db, vault, app, baseUrl, host: '127.0.0.1', port, tap, mail, databaseUrl: o.databaseUrl,
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      mailer.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await deps.close();
      await temporal.connection.close();
      await db.$disconnect();
      await mail.close();
    },
  };
}
export type Target = Awaited<ReturnType<typeof startTarget>>;

const ADMIN_URL = process.env.KAMI_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Creates and migrates a database of its own; `drop()` removes it whatever state it is in. */
export async function freshDatabase(prefix: string) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  return {
    name,
    url: url.toString(),
    async drop() {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      try { await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); } finally { await admin.end(); }
    },
  };
}


/**
 * `npm run fuzz`'s own stack: a Temporal dev server on a temp SQLite file, a fresh database migrated
 * like production, the workflow bundle, and the target. `stop()` undoes all of it (and a janitor
 * process does, should the fuzzer be killed before it can).
 */
export async function startFuzzStack(say: (line: string) => void) {
  const undo: (() => Promise<void>)[] = [];
  const janitor = startJanitor();
  const stop = async () => {
    for (const fn of undo.splice(0).reverse()) await fn().catch((err) => console.error('cleanup:', (err as Error).message));
    janitor.done();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'kami-fuzz-'));
    janitor.tell(`dir ${dir}`);
    undo.push(async () => rmSync(dir, { recursive: true, force: true }));
    const cli = await ensureTemporalCli();
    const server = await startDevServer({ cli, dbFile: join(dir, 'temporal.db'), port: await freePort() });
    if (server.process.pid) janitor.tell(`pid ${server.process.pid}`);
    undo.push(() => server.stop());
    say(`Temporal dev server on ${server.address}`);
    const database = await freshDatabase('kami_fuzz');
    janitor.tell(`db ${ADMIN_URL} ${database.name}`);
    undo.push(() => database.drop());
    say(`database ${new URL(database.url).pathname.slice(1)} migrated`);
    const bundle = join(dir, 'workflow-bundle.js');
    await writeWorkflowBundle(bundle);
    const target = await startTarget({ databaseUrl: database.url, temporalAddress: server.address, workflowBundle: bundle });
    undo.push(() => target.stop());
    say(`Kami on ${target.baseUrl}`);
    return { target, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
