import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { KeyVault } from '../../infra/crypto.js';
import type { Db } from '../../infra/db.js';
import { freePort } from '../../test/helpers/ports.js';
import { childEnv } from '../bench/procs.js';
import { startDevServer, type DevServer } from '../lib/dev-server.js';
import { ensureTemporalCli } from '../lib/temporal-cli.js';
import type { ChildMessage, ChildRequest, SunkMail } from './children.js';
import type { GateStats } from './tcp-gate.js';
import type { ChaosOptions } from './options.js';
import { loadKami, snapshotSources, type KamiModules } from './snapshot.js';
import { startJanitor } from '../lib/safety-net.js';

const CHILDREN = fileURLToPath(new URL('./children.ts', import.meta.url));

/** A helper child (gate or sink) driven over IPC. */
export interface Helper {
  name: string;
  pid: number;
  port: number;
  cut(): Promise<GateStats>;
  open(): Promise<GateStats>;
  stats(): Promise<GateStats>;
  stop(): Promise<void>;
}

export interface MailSink extends Helper {
  /** Every mail the sink received so far. */
  collect(): Promise<SunkMail[]>;
}

/** One of Kami's processes, started as `npm run api` / `npm run worker` would, under a small supervisor. */
export interface KamiProcess {
  name: 'api' | 'worker';
  pid(): number;
  /** Starts (again). */
  start(): void;
  /** Sends `signal` and waits for the exit; the supervisor does not restart it. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resolves with the time the process logged that it is up (after the latest start), or undefined after timeoutMs or once it exited. */
  readySince(timeoutMs?: number): Promise<number | undefined>;
  /** Exits the harness did not cause (the supervisor restarted the process after each). */
  unexpectedExits: { at: number; code: number | null; tail: string }[];
  starts: number;
  logPath: string;
  stop(): Promise<void>;
}

export interface ChaosStack {
  dir: string;
  /** Kami's modules from the run's source snapshot (the processes run the same files). */
  kami: KamiModules;
  logDir: string;
  dbName: string;
  /** Direct connections of the harness (never through the gate). */
  db: Db;
  pg: pg.Client;
  vault: KeyVault;
  masterKey: string;
  baseUrl: string;
  admin: { email: string; password: string };
  pgGate: Helper;
  mail: MailSink;
  api: KamiProcess;
  worker: KamiProcess;
  temporal: {
    address: string;
    pid(): number;
    /** Kills the server with `signal`, waits `downMs`, starts it again on the same file and port; resolves once it answers. */
    restart(signal: NodeJS.Signals, downMs: number, onDead?: () => void, onStarting?: () => void): Promise<void>;
  };
  /** `failed` keeps the logs. */
  stop(failed: boolean): Promise<void>;
}

const KAMI_READY: Record<KamiProcess['name'], RegExp> = { api: /"msg":"api listening"/, worker: /"msg":"worker started"/ };

/**
 * Everything the run needs, each part removed again by stop() (and by the bench's janitor should the
 * harness be killed outright): a temp folder, a database `kami_chaos_<random>`, a Temporal dev server on a
 * SQLite file in the folder, the PostgreSQL gate and the mail sink as children, and Kami's API and worker.
 */
export async function startStack(o: ChaosOptions, say: (line: string) => void): Promise<ChaosStack> {
  const undo: (() => Promise<void>)[] = [];
  const janitor = startJanitor();
  const dir = mkdtempSync(join(tmpdir(), 'kami-chaos-'));
  janitor.tell(`dir ${dir}`);
  const logDir = join(tmpdir(), `kami-chaos-logs-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(logDir, { recursive: true });
  let stopped = false;
  const stop = async (failed: boolean) => {
    if (stopped) return;
    stopped = true;
    for (const fn of undo.splice(0).reverse()) await fn().catch((err) => console.error('cleanup:', (err as Error).message));
    rmSync(dir, { recursive: true, force: true });
    if (!failed && !o.keepLogs) rmSync(logDir, { recursive: true, force: true });
    janitor.done();
  };
  try {
    const src = snapshotSources(join(dir, 'src'));
    const kami = await loadKami(src);
    say(`Kami's sources copied to ${src} (uncommitted edits included): every start and restart runs this code`);
    const runId = randomBytes(4).toString('hex');
    const dbName = `kami_chaos_${runId}`;
    const admin = new URL(o.adminUrl);
    const dbUrl = (app: string, via?: number) => {
      const u = new URL(o.adminUrl);
      u.pathname = `/${dbName}`;
      if (via) { u.hostname = '127.0.0.1'; u.port = String(via); }
      u.searchParams.set('application_name', app);
      return u.toString();
    };
    janitor.tell(`db ${o.adminUrl} ${dbName}`);
    await kami.ensureDatabase(dbUrl('kami-chaos-harness'));
    undo.push(() => dropDatabase(o.adminUrl, dbName));
    await kami.migrate(dbUrl('kami-chaos-harness'));
    const db = kami.createDb(dbUrl('kami-chaos-harness'), 4);
    undo.push(() => db.$disconnect());
    const client = new pg.Client({ connectionString: dbUrl('kami-chaos-harness') });
    client.on('error', () => {}); // the harness's own connection is direct; a lost one only fails the query in flight
    await client.connect();
    undo.push(() => client.end());
    say(`PostgreSQL database ${dbName} created and migrated (dropped at the end)`);

    let bundlePath = o.bundle;
    if (!bundlePath) {
      const started = Date.now();
      bundlePath = join(dir, 'workflow-bundle.js');
      await kami.writeBundle(bundlePath);
      say(`Workflow bundle built (${((Date.now() - started) / 1000).toFixed(1)} s); the worker loads it through KAMI_WORKFLOW_BUNDLE`);
    }

    const cli = await ensureTemporalCli();
    const temporalOpts = { cli, dbFile: join(dir, 'temporal.db'), port: 0 };
    let server: DevServer | undefined;
    for (let attempt = 1; !server; attempt++) {
      temporalOpts.port = await freePort();
      try { server = await startDevServer(temporalOpts); } catch (err) { if (attempt >= 3) throw err; }
    }
    janitor.tell(`pid ${server.process.pid}`);
    undo.push(() => server!.stop());
    say(`Temporal dev server on ${server.address} (SQLite file ${temporalOpts.dbFile})`);
    const temporal: ChaosStack['temporal'] = {
      address: server.address,
      pid: () => server!.process.pid!,
      async restart(signal, downMs, onDead, onStarting) {
        await server!.stop(signal);
        onDead?.();
        if (downMs) await new Promise((r) => setTimeout(r, downMs));
        onStarting?.();
        for (let attempt = 1; ; attempt++) {
          try {
            server = await startDevServer(temporalOpts);
            break;
          } catch (err) {
            // the same port is the point; if something else took it meanwhile there is nothing to do but say so
            if (attempt >= 3) throw err;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        janitor.tell(`pid ${server.process.pid}`);
      },
    };

    const pgGate = await forkHelper('pg-gate', [admin.hostname, admin.port || '5432'], logDir);
    janitor.tell(`pid ${pgGate.pid}`);
    undo.push(() => pgGate.stop());
    const mail = await forkHelper('mail-sink', [], logDir) as MailSink;
    janitor.tell(`pid ${mail.pid}`);
    undo.push(() => mail.stop());
    say(`PostgreSQL gate on 127.0.0.1:${pgGate.port} → ${admin.hostname}:${admin.port || 5432}; SMTP sink behind a gate on 127.0.0.1:${mail.port}`);

    const masterKey = randomBytes(32).toString('hex');
    const vault = kami.createKeyVault(Buffer.from(masterKey, 'hex'));
    const adminAccount = { email: 'chaos-owner@chaos.example', password: `chaos-${randomBytes(12).toString('hex')}` };
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const common = {
      NODE_ENV: 'production',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      KAMI_TASK_QUEUE: `chaos-${runId}`,
      KAMI_MASTER_KEY: masterKey,
      SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
      KAMI_CHECKOUT_RATE_LIMIT: '0',
      KAMI_DEMO: '0',
      KAMI_SANDBOX_PAYMENTS: '1',
      // production with the sandbox provider: a staging shop, which Kami allows only when told so
      KAMI_ALLOW_UNSAFE_PRODUCTION: '1',
      KAMI_ADMIN_EMAIL: adminAccount.email,
      KAMI_ADMIN_PASSWORD: adminAccount.password,
      KAMI_PAYMENT_HOLD: o.hold,
      // the short hold also where stock runs low, so every unpaid order closes within the run
      KAMI_PAYMENT_HOLD_SCARCE: o.hold,
      // each buyer is a person at an address of its own (X-Forwarded-For from the harness on loopback)
      KAMI_TRUST_PROXY: 'loopback',
      // longer than any SMTP outage of the run: no order gives up on its email
      KAMI_EMAIL_GIVE_UP_AFTER: `${Math.max(600, o.smtpDown * 5)}s`,
      KAMI_EMAIL_RETRY_MAX_INTERVAL: '5s',
      KAMI_DATA_DIR: join(dir, 'kami-data'),
      KAMI_WORKFLOW_BUNDLE: bundlePath,
      LOG_LEVEL: 'info',
    };
    const api = kamiProcess('api', src, 'api/main.ts', childEnv({ ...common, DATABASE_URL: dbUrl('kami-api', pgGate.port) }), logDir, (pid) => janitor.tell(`pid ${pid}`));
    const worker = kamiProcess('worker', src, 'worker/main.ts', childEnv({ ...common, DATABASE_URL: dbUrl('kami-worker', pgGate.port) }), logDir, (pid) => janitor.tell(`pid ${pid}`));
    undo.push(() => api.stop());
    undo.push(() => worker.stop());
    api.start();
    worker.start();
    const [apiUp, workerUp] = await Promise.all([api.readySince(90_000), worker.readySince(90_000)]);
    if (!apiUp) throw new Error(`the API did not start; its log ends with:\n${tail(api.logPath)}`);
    if (!workerUp) throw new Error(`the worker did not start; its log ends with:\n${tail(worker.logPath)}`);
    say(`Kami: node --import tsx api/main.ts (pid ${api.pid()}) on ${baseUrl} and worker/main.ts (pid ${worker.pid()}), NODE_ENV=production, KAMI_PAYMENT_HOLD=${o.hold}`);

    return {
      dir, kami, logDir, dbName, db, pg: client, vault, masterKey, baseUrl, admin: adminAccount, pgGate, mail, api, worker, temporal,
      stop,
    };
  } catch (err) {
    await stop(true);
    throw err;
  }
}

const tail = (path: string, lines = 30) => {
  try { return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
};

/** `node --import tsx <script>` in the snapshot, as `npm run api` / `npm run worker` start Kami; detached, so Ctrl-C reaches only the harness. */
function spawnKami(cwd: string, script: string, env: Record<string, string>, logPath: string) {
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', script], { cwd, env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => { done = true; resolve(code ?? (signal ? -1 : null)); }));
  return {
    pid: child.pid!, process: child, exited, running: () => !done,
    async stop(graceMs: number) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function kamiProcess(name: KamiProcess['name'], cwd: string, script: string, env: Record<string, string>, logDir: string, track: (pid: number) => void): KamiProcess {
  let child: ReturnType<typeof spawnKami> | undefined;
  let expected = false;
  let stopping = false;
  let logOffset = 0;
  const logPath = join(logDir, `${name}.log`);
  const p: KamiProcess = {
    name,
    logPath,
    starts: 0,
    unexpectedExits: [],
    pid: () => child?.pid ?? 0,
    start() {
      expected = false;
      try { logOffset = statSync(logPath).size; } catch { logOffset = 0; }
      const c = spawnKami(cwd, script, env, logPath);
      child = c;
      p.starts++;
      track(c.pid);
      void c.exited.then((code) => {
        if (expected || stopping || child !== c) return;
        // a process that quits by itself is a finding; a supervisor (systemd, compose) would start it again
        p.unexpectedExits.push({ at: Date.now(), code, tail: tail(logPath) });
        setTimeout(() => { if (!stopping && child === c) p.start(); }, 1000);
      });
    },
    async kill(signal) {
      if (!child?.running()) return;
      expected = true;
      child.process.kill(signal);
      await child.exited;
    },
    async readySince(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      const watched = child;
      while (Date.now() < deadline && watched?.running()) {
        try {
          const text = readFileSync(logPath).subarray(logOffset).toString('utf8');
          const line = text.split('\n').find((l) => KAMI_READY[name].test(l));
          if (line) return (JSON.parse(line) as { time: number }).time;
        } catch { /* not written yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    },
    async stop() {
      stopping = true;
      await child?.stop(15_000);
    },
  };
  return p;
}

async function forkHelper(role: 'pg-gate' | 'mail-sink', args: string[], logDir: string): Promise<Helper> {
  const logPath = join(logDir, `${role}.log`);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = fork(CHILDREN, [role, ...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', fd, fd, 'ipc'], detached: true });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const pending = new Map<number, (m: ChildMessage) => void>();
  let seq = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve(m.port);
      else pending.get(m.id)?.(m);
    });
    void exited.then(() => reject(new Error(`${role} exited:\n${tail(logPath)}`)));
  });
  const ask = <T extends ChildMessage>(req: Omit<ChildRequest, 'id'>) => new Promise<T>((resolve, reject) => {
    const id = ++seq;
    pending.set(id, (m) => { pending.delete(id); resolve(m as T); });
    child.send({ ...req, id } as ChildRequest, (err) => { if (err) { pending.delete(id); reject(err); } });
  });
  const gateCall = async (type: 'cut' | 'open' | 'stats') => (await ask<Extract<ChildMessage, { type: 'ack' }>>({ type })).stats;
  const mails: SunkMail[] = [];
  return {
    name: role,
    pid: child.pid!,
    port,
    cut: () => gateCall('cut'),
    open: () => gateCall('open'),
    stats: () => gateCall('stats'),
    async collect() {
      for (;;) {
        const answer = await ask<Extract<ChildMessage, { type: 'mails' }>>({ type: 'mails', after: mails.length });
        mails.push(...answer.mails);
        if (mails.length >= answer.total) return mails;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  } as MailSink;
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
