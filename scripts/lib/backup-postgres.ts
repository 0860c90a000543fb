/** PostgreSQL's half of backup and restore: pg_dump / pg_restore from PATH, driven with progress. */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import pg from 'pg';

/** A connection for libpq tools: the URL without its password (which would show in `ps`), the password in PGPASSWORD. */
export function libpqTarget(databaseUrl: string): { url: string; env: Record<string, string>; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  if (!database) throw new Error(`DATABASE_URL names no database: ${url.origin}`);
  const env: Record<string, string> = {};
  if (url.password) {
    env.PGPASSWORD = decodeURIComponent(url.password);
    url.password = '';
  }
  return { url: url.toString(), env, database };
}

/** The same server's maintenance database, for CREATE / DROP DATABASE. */
function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Runs a PostgreSQL client tool; each stderr line goes to `onLine` (the tools' --verbose progress).
 * A failure carries the tool's last words; a missing tool says what to install.
 */
export function runPgTool(tool: string, args: string[], env: Record<string, string>, onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail: string[] = [];
    let partial = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail = [...tail, line].slice(-12);
        onLine?.(line);
      }
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT'
        ? new Error(`${tool} not found on PATH: install the PostgreSQL client tools (the same major version as the server or newer)`)
        : err);
    });
    child.once('close', (code, signal) => {
      if (partial) tail = [...tail, partial].slice(-12);
      if (code === 0) return resolvePromise(stdout);
      const said = tail.filter((l) => !/^\S+: (dumping|processing|creating|executing|reading|saving|last built-in|identifying|finding|flagging|implied|dropping|setting|connecting)/.test(l));
      reject(new Error(`${tool} failed (${signal ?? `exit code ${code}`})${said.length ? `:\n${said.join('\n')}` : ''}`));
    });
  });
}

export async function toolVersion(tool: string): Promise<string> {
  return (await runPgTool(tool, ['--version'], {})).trim();
}

export interface DumpResult {
  serverVersion: string;
  pgDump: string;
  migrations: string[];
  orders: Record<string, number>;
}

/**
 * pg_dump --format=custom into `file`. The dump runs in a snapshot this function exports, and the
 * migration list and order counts for the manifest are read in that same snapshot, so the manifest
 * describes exactly what the dump holds.
 */
export async function dumpPostgres(databaseUrl: string, file: string, onProgress: (detail: string, bytes: number) => void): Promise<DumpResult> {
  const target = libpqTarget(databaseUrl);
  const pgDump = await toolVersion('pg_dump');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
    const serverVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    const hasSchema = (await client.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname = '_prisma_migrations'`)).rowCount;
    if (!hasSchema) throw new Error(`database ${target.database} has no Kami schema (no _prisma_migrations table): is DATABASE_URL right?`);
    const migrations = (await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
    )).rows.map((r) => r.migration_name);
    const orders: Record<string, number> = {};
    for (const r of (await client.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM "order" GROUP BY status')).rows) {
      orders[r.status] = r.n;
    }

    let table = '';
    const sizeOf = () => { try { return statSync(file).size; } catch { return 0; } };
    const timer = setInterval(() => onProgress(table, sizeOf()), 200);
    try {
      await runPgTool('pg_dump', ['--format=custom', `--snapshot=${snapshot}`, '--verbose', `--file=${file}`, `--dbname=${target.url}`], target.env, (line) => {
        const m = /dumping contents of table "?([^"]+)"?/.exec(line);
        if (m) { table = m[1]!; onProgress(table, sizeOf()); }
      });
    } finally {
      clearInterval(timer);
    }
    await client.query('COMMIT');
    return { serverVersion, pgDump, migrations, orders };
  } finally {
    await client.end().catch(() => {});
  }
}

export type TargetState = { exists: false } | { exists: true; objects: number };

/** Whether the target database exists and how many objects (tables, sequences, types, functions…) it holds outside the system schemas. */
export async function inspectTarget(databaseUrl: string): Promise<TargetState> {
  const { database } = libpqTarget(databaseUrl);
  const admin = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await admin.connect();
  try {
    if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount) return { exists: false };
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const user = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;
    const { rows } = await client.query<{ n: number }>(`SELECT
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${user})
      + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${user} AND t.typtype IN ('e', 'd', 'r', 'm'))
      + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${user}) AS n`);
    return { exists: true, objects: Number(rows[0]!.n) };
  } finally {
    await client.end();
  }
}

/** Creates the target database; `recreate` drops it first, closing its sessions. */
export async function prepareTarget(databaseUrl: string, action: 'create' | 'recreate'): Promise<void> {
  const { database } = libpqTarget(databaseUrl);
  const admin = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await admin.connect();
  try {
    if (action === 'recreate') await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  } finally {
    await admin.end();
  }
}

/**
 * pg_restore into an empty database in one transaction (a failure leaves it empty), without the
 * dump's owners and grants: the restoring role owns what it restores, as on a fresh machine.
 */
export async function restorePostgres(databaseUrl: string, file: string, onProgress: (done: number, total: number, item: string) => void): Promise<void> {
  const target = libpqTarget(databaseUrl);
  const list = await runPgTool('pg_restore', ['--list', file], target.env);
  const total = list.split('\n').filter((l) => l.trim() && !l.startsWith(';')).length;
  let done = 0;
  await runPgTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--verbose', `--dbname=${target.url}`, file], target.env, (line) => {
    const m = /^pg_restore: (creating|processing data for table|executing|processing item) (.*)$/.exec(line);
    if (m) onProgress(Math.min(++done, total), total, `${m[1] === 'processing data for table' ? 'data' : m[1]} ${m[2]}`);
  });
}

/** The migrations recorded in the restored database. */
export async function appliedMigrations(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
    )).rows.map((r) => r.migration_name);
  } finally {
    await client.end();
  }
}
