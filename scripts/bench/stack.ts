import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startJanitor } from '../lib/safety-net.js';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { createKeyVault, type KeyVault } from '../../infra/crypto.js';
import { createDb, type Db } from '../../infra/db.js';
import { ensureDatabase, migrate } from '../../infra/migrate.js';
import { freePort } from '../../test/helpers/ports.js';
import { startDevServer, THROUGHPUT_CONFIG, type DevServer } from '../lib/dev-server.js';
import { ensureTemporalCli } from '../lib/temporal-cli.js';
import type { SinkMessage, SinkRequest, SunkMail } from './mail-sink.js';
import type { BenchOptions } from './options.js';
import { forkHelper, type Child } from './procs.js';

/** application_name of the bench's own connections, so their backends are charged to the harness. */
export const HARNESS_APP = 'kami-bench-harness';

export interface MailSink { url: string; child: Child; collect(): Promise<SunkMail[]>; }

/**
 * A database of the bench's own, migrated like Kami's: one per shop (same tables), so neither shop's
 * background work (Kami's reconciler sweeping stored payments, say) ever touches the other's rows.
 */
export interface BenchDatabase {
  name: string;
  /** Its URL with an application_name, for one client of it (optionally through a proxy). */
  url(app: string, via?: { host: string; port: number }): string;
  /** The harness's own connections: Prisma for setup (products, key import), pg for polling and checks. */
  db: Db;
  pg: pg.Client;
}

/** What both shops share: Temporal, an SMTP sink, one master key, the prebuilt workflow bundle. */
export interface Stack {
  dir: string;
  /** Kept after the run when a process warned or the run failed (the report says where). */
  logDir: string;
  adminUrl: string;
  /** The database of `name` (kami, baseline, claims), created and migrated on first use, dropped at the end. */
  database(name: string): Promise<BenchDatabase>;
  temporalAddress: string;
  temporalPid: number;
  /** Dynamic config the dev server runs with (THROUGHPUT_CONFIG less what --dynamic-config-off dropped). */
  dynamicConfig: Record<string, string | number | boolean>;
  temporal: Client;
  masterKey: string;
  vault: KeyVault;
  bundlePath: string;
  mail: MailSink;
  /** Tell the janitor about a process to stop should the bench be killed. */
  track(pid: number): void;
  /** `failed` keeps the processes' logs whatever they hold. */
  stop(failed?: boolean): Promise<void>;
}

const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/**
 * Starts a headless Temporal dev server on a free port (SQLite file in a temp folder, or in memory),
 * creates and migrates databases of its own on demand, builds the workflow bundle once, and starts the SMTP
 * sink child. stop() undoes all of it, including DROP DATABASE, whatever state the run ended in.
 */
export async function startStack(o: BenchOptions, say: (line: string) => void): Promise<Stack> {
  const undo: (() => Promise<void>)[] = [];
  const janitor = startJanitor();
  const dir = mkdtempSync(join(tmpdir(), 'kami-bench-'));
  const logDir = join(tmpdir(), `kami-bench-logs-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(logDir, { recursive: true });
  janitor.tell(`dir ${dir}`);
  let keepLogs = false;
  const stop = async (failed = false) => {
    keepLogs ||= failed;
    for (const fn of undo.splice(0).reverse()) await fn().catch((err) => console.error('cleanup:', (err as Error).message));
    rmSync(dir, { recursive: true, force: true });
    // keep the logs only when a process warned or failed (or the run did)
    if (!keepLogs && logSummary(logDir).every((l) => l.warnings === 0)) rmSync(logDir, { recursive: true, force: true });
    janitor.done();
  };
  try {
    const cli = await ensureTemporalCli();
    const dbFile = o.temporalDb === 'memory' ? ':memory:' : join(dir, 'temporal.db');
    const server = await startWithRetry(async () => startDevServer({ cli, dbFile, port: await freePort(), logLevel: 'error', dynamicConfig: o.dynamicConfig }));
    janitor.tell(`pid ${server.process.pid}`);
    undo.push(() => server.stop());
    const dynamicConfig = Object.fromEntries(Object.entries({ ...THROUGHPUT_CONFIG, ...o.dynamicConfig }).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
    say(`Temporal dev server on ${server.address} (SQLite ${o.temporalDb === 'memory' ? 'in memory' : 'file'}; dynamic config: ${Object.entries(dynamicConfig).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'})`);
    const connection = await Connection.connect({ address: server.address });
    undo.push(() => connection.close());
    const temporal = new Client({ connection });

    const runId = randomBytes(4).toString('hex');
    const databases = new Map<string, Promise<BenchDatabase>>();
    const database = (name: string) => {
      if (!databases.has(name)) databases.set(name, createDatabase(`kami_bench_${runId}_${name}`));
      return databases.get(name)!;
    };
    const createDatabase = async (dbName: string): Promise<BenchDatabase> => {
      const url = (app: string, via?: { host: string; port: number }) => {
        const u = new URL(o.adminUrl);
        u.pathname = `/${dbName}`;
        if (via) { u.hostname = via.host; u.port = String(via.port); }
        u.searchParams.set('application_name', app);
        return u.toString();
      };
      const databaseUrl = url(HARNESS_APP);
      janitor.tell(`db ${o.adminUrl} ${dbName}`);
      await ensureDatabase(databaseUrl);
      undo.push(() => dropDatabase(o.adminUrl, dbName));
      await migrate(databaseUrl);
      const db = createDb(databaseUrl, 4);
      undo.push(() => db.$disconnect());
      const client = new pg.Client({ connectionString: databaseUrl });
      client.on('error', () => {}); // a lost connection fails the query in flight; without a listener it would crash the bench
      await client.connect();
      undo.push(() => client.end());
      say(`PostgreSQL database ${dbName} created and migrated (dropped at the end)`);
      return { name: dbName, url, db, pg: client };
    };

    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const bundlePath = join(dir, 'workflow-bundle.js');
    const started = Date.now();
    writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundler })).code);
    say(`Workflow bundle built once for this run (${((Date.now() - started) / 1000).toFixed(1)} s); the worker loads it through KAMI_WORKFLOW_BUNDLE`);

    const mail = await startMailSink(logDir);
    janitor.tell(`pid ${mail.child.pid}`);
    undo.push(async () => {
      if (mail.child.running()) mail.child.process.send({ type: 'stop' } satisfies SinkRequest);
      await mail.child.stop(3000);
    });

    const masterKey = randomBytes(32).toString('hex');
    return {
      dir, logDir, adminUrl: o.adminUrl, database, temporalAddress: server.address, temporalPid: server.process.pid!,
      dynamicConfig, temporal, masterKey, vault: createKeyVault(Buffer.from(masterKey, 'hex')), bundlePath, mail,
      track: (pid) => janitor.tell(`pid ${pid}`),
      stop,
    };
  } catch (err) {
    await stop(true);
    throw err;
  }
}

/** Lines each process wrote to its log, and how many of them are warnings or errors (pino level ≥ 40, or the words). */
export function logSummary(logDir: string): { name: string; lines: number; warnings: number; first?: string }[] {
  return readdirSync(logDir).filter((f) => f.endsWith('.log')).sort().map((f) => {
    const lines = readFileSync(join(logDir, f), 'utf8').split('\n').filter((l) => l.trim());
    const warnings = lines.filter((l) => /"level":\s*(4|5|6)\d/.test(l) || /\b(WARN|ERROR|FATAL|Warning|Error)\b/i.test(l));
    return { name: f.replace(/\.log$/, ''), lines: lines.length, warnings: warnings.length, first: warnings[0]?.slice(0, 200) };
  });
}

async function startMailSink(logDir: string): Promise<MailSink> {
  const child = forkHelper('mail-sink', fileURLToPath(new URL('./mail-sink.ts', import.meta.url)), logDir);
  const pending = new Map<number, (m: Extract<SinkMessage, { type: 'mails' }>) => void>();
  let seq = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.process.on('message', (m: SinkMessage) => {
      if (m.type === 'ready') resolve(m.url);
      else pending.get(m.id)?.(m);
    });
    void child.exited.then(() => reject(new Error(`the mail sink exited:\n${child.tail()}`)));
  });
  const all: SunkMail[] = [];
  return {
    url,
    child,
    /** Every mail received so far (fetched incrementally from the child). */
    async collect() {
      for (;;) {
        const id = ++seq;
        const answer = await new Promise<Extract<SinkMessage, { type: 'mails' }>>((resolve) => {
          pending.set(id, resolve);
          child.process.send({ type: 'mails', id, after: all.length } satisfies SinkRequest);
        });
        pending.delete(id);
        all.push(...answer.mails);
        if (all.length >= answer.total) return all;
      }
    },
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
