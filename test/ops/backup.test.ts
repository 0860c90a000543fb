import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { createKeyVault } from '../../infra/crypto.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import { localMigrations, type Manifest } from '../../scripts/lib/backup-format.js';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { freePort } from '../helpers/ports.js';
import { killSpawnedWorkers, spawnWorker, type ChildWorker } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DELIVERED_EVENTS = ['created', 'paid', 'rules_checked', 'delivering', 'email_sent', 'delivered'];

/**
 * `npm run <script> -- <args>` exactly as an operator types it, in a minimal environment: nothing from
 * the test process (a TEMPORAL_ADDRESS, say) decides what the command does.
 */
function npmRun(script: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** A database name next to the run's own, not created yet. */
function newDatabaseUrl(label: string): { url: string; name: string } {
  const url = new URL(inject('databaseUrl'));
  const name = `${url.pathname.slice(1)}_${label}_${randomBytes(3).toString('hex')}`;
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: new URL('/postgres', inject('databaseUrl')).toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
const databaseExists = (name: string) => admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
const dropDatabase = (name: string) => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

const fingerprint = (hexKey: string) => createHash('sha256').update(Buffer.from(hexKey, 'hex')).digest('hex').slice(0, 8);
const readManifestJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

const dir = mkdtempSync(join(tmpdir(), 'kami-backup-'));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await killSpawnedWorkers();
  for (const c of cleanups.reverse()) await c().catch((err) => console.error(err));
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run backup → everything lost → npm run restore', () => {
  it('an order paid before the backup (its workflow in flight, no worker) is delivered after the restore, exactly once', async () => {
    const cli = inject('temporalCli');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    let server: DevServer | undefined = await startDevServer({ cli, dbFile: join(dataDir, 'temporal.db'), port: await freePort() });
    cleanups.push(() => server?.stop() ?? Promise.resolve());
    const db = await freshDatabase('backup');
    cleanups.push(() => db.drop());
    let kami: Kami | undefined = await startKami({ worker: false, env: { TEMPORAL_ADDRESS: server.address, DATABASE_URL: db.url, KAMI_PAYMENT_HOLD: '10m' } });
    cleanups.push(() => kami?.stop() ?? Promise.resolve());
    const masterKey = kami.config.KAMI_MASTER_KEY!;
    const taskQueue = kami.config.KAMI_TASK_QUEUE;

    // 1. paid, not delivered: the payment is stored and signalled, but no worker runs the workflow
    const product = await kami.product(3);
    const created = await kami.checkout({ sku: product.sku, quantity: 2, email: 'restored@example.com' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { orderId, accessToken } = created.body as { orderId: string; accessToken: string };
    const reservedIds = (await kami.db.cardKey.findMany({ where: { orderId, status: 'reserved' }, orderBy: { id: 'asc' }, select: { id: true } })).map((k) => k.id);
    expect(reservedIds).toHaveLength(2);
    const paid = await kami.pay(orderId, accessToken);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const before = await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(before.status.name).toBe('RUNNING');
    expect((await kami.db.payment.findFirstOrThrow({ where: { orderId } })).appliedAt).toBeNull();
    expect(await kami.db.cardKey.count({ where: { orderId, status: 'sold' } })).toBe(0);
    expect(kami.mail.messages).toHaveLength(0);

    // 2. the backup, taken while the dev server and the API run
    const backupDir = join(dir, 'backup');
    // the operator's configuration: the same database, data directory, key and task queue as the running Kami
    const made = await npmRun('backup', ['--out', backupDir], { DATABASE_URL: db.url, KAMI_DATA_DIR: dataDir, KAMI_MASTER_KEY: masterKey, KAMI_TASK_QUEUE: taskQueue });
    expect(made.code, made.out).toBe(0);
    expect(made.out).toContain('Temporal store copied');
    expect(made.out).toContain('PostgreSQL dumped');
    expect(made.out).toContain('The master key is NOT in this backup');
    expect(made.out).toContain(`fingerprint ${fingerprint(masterKey)}`);
    expect(readdirSync(backupDir).sort()).toEqual(['manifest.json', 'postgres.dump', 'temporal.db']);
    const manifest = readManifestJson(backupDir);
    expect(manifest).toMatchObject({
      format: 'kami-backup', formatVersion: 1,
      masterKey: { fingerprint: fingerprint(masterKey) },
      postgres: { migrations: localMigrations(), part: { file: 'postgres.dump' } },
      temporal: { mode: 'embedded', taskQueue, part: { file: 'temporal.db' } },
    });
    expect(Object.values(manifest.postgres.orders).reduce((a, b) => a + b, 0)).toBe(1);
    // the key is nowhere in the backup, neither as bytes nor as text
    for (const f of readdirSync(backupDir)) {
      const bytes = readFileSync(join(backupDir, f));
      expect(bytes.includes(Buffer.from(masterKey, 'hex')), f).toBe(false);
      expect(bytes.includes(Buffer.from(masterKey)), f).toBe(false);
    }

    // 3. restore refuses to replace a store a running dev server holds open, even with --force, and writes nothing
    const restoredDb = newDatabaseUrl('restored');
    cleanups.push(() => dropDatabase(restoredDb.name));
    const busy = await npmRun('restore', [backupDir, '--force'], { DATABASE_URL: restoredDb.url, KAMI_DATA_DIR: dataDir, KAMI_MASTER_KEY: masterKey });
    expect(busy.code, busy.out).toBe(1);
    expect(busy.out).toMatch(/temporal\.db is open in a running process \(pid \d+: .*temporal server start-dev/);
    expect(await databaseExists(restoredDb.name)).toBe(false);

    // 4. everything is lost: processes, the database, the Temporal store
    await kami.stop();
    kami = undefined;
    await server.stop();
    server = undefined;
    await db.drop();
    rmSync(dataDir, { recursive: true });

    // 5. restore on a "fresh machine": another database name, another data directory
    const restoredDir = join(dir, 'restored');
    const restored = await npmRun('restore', [backupDir], { DATABASE_URL: restoredDb.url, KAMI_DATA_DIR: restoredDir, KAMI_MASTER_KEY: masterKey, KAMI_TASK_QUEUE: taskQueue });
    expect(restored.code, restored.out).toBe(0);
    expect(restored.out).toContain('Checksums match');
    expect(restored.out).toContain(`(created)`);
    expect(restored.out).toContain('Restore complete');
    expect(restored.out).not.toContain('⚠');
    expect(readdirSync(restoredDir)).toEqual(['temporal.db']);

    // 6. Kami again, on the restored store and database: the same run is there, still waiting for a worker
    server = await startDevServer({ cli, dbFile: join(restoredDir, 'temporal.db'), port: await freePort() });
    const after = await startKami({ worker: false, env: { TEMPORAL_ADDRESS: server.address, DATABASE_URL: restoredDb.url, KAMI_TASK_QUEUE: taskQueue } });
    cleanups.push(() => after.stop());
    const handle = after.temporal.workflow.getHandle(orderWorkflowId(orderId));
    const resumed = await handle.describe();
    expect(resumed.runId).toBe(before.runId);
    expect(resumed.status.name).toBe('RUNNING');

    // the worker process, with the master key kept apart from the backup
    let worker: ChildWorker | undefined = spawnWorker(after, { KAMI_MASTER_KEY: masterKey });
    onTestFailed(() => console.error(`backup:\n${made.out}\nrestore:\n${restored.out}\nworker:\n${worker?.output().slice(-4000)}`));
    const result = await handle.result();
    expect(result.status).toBe('delivered');
    expect([...result.keyIds].sort((a, b) => a - b)).toEqual(reservedIds);

    // exactly once: the keys reserved at checkout sold to this order, one email holding them
    const sold = await after.db.cardKey.findMany({ where: { productId: product.id, status: 'sold' }, orderBy: { id: 'asc' } });
    expect(sold.map((k) => k.id)).toEqual(reservedIds);
    expect(sold.every((k) => k.orderId === orderId)).toBe(true);
    expect(await after.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(1);
    expect(await after.db.cardKey.count({ where: { productId: product.id, status: 'reserved' } })).toBe(0);
    const secrets = (await readOrderSecrets(after.db, createKeyVault(Buffer.from(masterKey, 'hex')), orderId)).map((k) => k.secret);
    expect(secrets).toHaveLength(2);
    for (const s of secrets) expect(product.secrets).toContain(s);
    await new Promise((r) => setTimeout(r, 1000)); // room for a second email, if one were coming
    const mails = after.mail.messages.filter((m) => m.subject.includes(orderId));
    expect(mails).toHaveLength(1);
    for (const s of secrets) expect(mails[0]!.text).toContain(s);
    const events = await after.db.orderEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(DELIVERED_EVENTS);
    expect((await after.db.delivery.findUniqueOrThrow({ where: { orderId_channel: { orderId, channel: 'email' } } })).status).toBe('sent');
    expect((await after.db.payment.findFirstOrThrow({ where: { orderId } })).appliedAt).not.toBeNull();
    expect((await after.db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('delivered');

    await worker.kill('SIGTERM');
    worker = undefined;
  }, 240_000);
});

describe('npm run restore refuses, changing nothing', () => {
  it('a tampered backup, a wrong or missing master key, a non-empty database without --force', async () => {
    // a PostgreSQL-only backup, as with an external Temporal cluster
    const source = await freshDatabase('bk_source');
    cleanups.push(() => source.drop());
    const key = randomBytes(32).toString('hex');
    const out = join(dir, 'external');
    const made = await npmRun('backup', ['--out', out], {
      DATABASE_URL: source.url, TEMPORAL_ADDRESS: '127.0.0.1:1', KAMI_MASTER_KEY: key, KAMI_DATA_DIR: join(dir, 'external-data'),
    });
    expect(made.code, made.out).toBe(0);
    expect(made.out).toMatch(/external cluster at 127\.0\.0\.1:1\. Its workflow histories \(in-flight orders\) are NOT in this backup/);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'postgres.dump']);
    expect(readManifestJson(out).temporal).toMatchObject({ mode: 'external', address: '127.0.0.1:1' });

    const target = newDatabaseUrl('refused');
    cleanups.push(() => dropDatabase(target.name));
    const dataDir = join(dir, 'refused-data');
    const env = { DATABASE_URL: target.url, KAMI_DATA_DIR: dataDir, KAMI_MASTER_KEY: key };
    const nothingChanged = async () => {
      expect(await databaseExists(target.name)).toBe(false);
      expect(existsSync(dataDir)).toBe(false);
    };

    // one byte changed in the dump
    const tampered = join(dir, 'tampered');
    cpSync(out, tampered, { recursive: true });
    const dump = readFileSync(join(tampered, 'postgres.dump'));
    dump[Math.floor(dump.length / 2)]! ^= 0xff;
    writeFileSync(join(tampered, 'postgres.dump'), dump);
    let r = await npmRun('restore', [tampered, '--force'], env);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('Restore failed: postgres.dump does not match the manifest (sha256 differs)');
    await nothingChanged();

    // another master key
    const other = randomBytes(32).toString('hex');
    r = await npmRun('restore', [out, '--force'], { ...env, KAMI_MASTER_KEY: other });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`(fingerprint ${fingerprint(other)}) is not the one this backup was made with (fingerprint ${fingerprint(key)})`);
    await nothingChanged();

    // no master key at all: restore never generates one
    const { KAMI_MASTER_KEY: _, ...keyless } = env;
    r = await npmRun('restore', [out], keyless);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`Restore needs the key this backup was made with (fingerprint ${fingerprint(key)})`);
    await nothingChanged();

    // a database that holds something, without --force: left as it was
    const rows = async () => {
      const c = new pg.Client({ connectionString: source.url });
      await c.connect();
      try {
        return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows[0]!.n;
      } finally {
        await c.end();
      }
    };
    const migrationsBefore = await rows();
    r = await npmRun('restore', [out], { ...env, DATABASE_URL: source.url });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/database \S+ is not empty \(\d+ objects\).*--force to drop and recreate it/);
    expect(await rows()).toBe(migrationsBefore);

    // the intact backup with the right key restores (PostgreSQL only: no Temporal part in it)
    r = await npmRun('restore', [out], env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('holds no workflow histories');
    expect(await databaseExists(target.name)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
    // and --force replaces a non-empty database
    r = await npmRun('restore', [out, '--force'], env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('(dropped and recreated: --force)');
  }, 120_000);
});
