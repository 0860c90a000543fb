/**
 * What `npm run backup` writes and `npm run restore` reads: one directory holding
 *
 *   manifest.json   what is in it (Kami version, time, migrations, key fingerprint, each part's size and sha256)
 *   postgres.dump   pg_dump --format=custom of DATABASE_URL
 *   temporal.db     an online SQLite backup of the embedded dev server's store (absent with an external cluster)
 *
 * A directory rather than one .tar: each part is written once, in place, hashed as it goes, and
 * pg_restore reads the dump directly (it seeks in custom-format archives); `tar -cf` it to move it.
 * The master key is never part of a backup.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Config } from '../../infra/config.js';
import { MIGRATIONS_DIR } from '../../infra/migrate.js';
import { startProgress } from './progress.js';

export const MANIFEST_FILE = 'manifest.json';
export const POSTGRES_PART = 'postgres.dump';
export const TEMPORAL_PART = 'temporal.db';

const Part = z.object({ file: z.string().regex(/^[\w.-]+$/), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type Part = z.infer<typeof Part>;

export const Manifest = z.object({
  format: z.literal('kami-backup'),
  formatVersion: z.literal(1),
  kamiVersion: z.string(),
  createdAt: z.string(),
  masterKey: z.object({
    /** First 8 hex characters of sha256 over the key's 32 bytes: enough to tell keys apart, nothing to attack. */
    fingerprint: z.string().regex(/^[0-9a-f]{8}$/),
    note: z.string(),
  }),
  postgres: z.object({
    part: Part,
    database: z.string(),
    serverVersion: z.string(),
    pgDump: z.string(),
    /** `_prisma_migrations` rows applied (finished, not rolled back), in the dump's own snapshot. */
    migrations: z.array(z.string()),
    /** Orders per status, in the dump's own snapshot. */
    orders: z.record(z.string(), z.number()),
  }),
  temporal: z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('embedded'), part: Part, namespace: z.string(), taskQueue: z.string(), sqliteVersion: z.string() }),
    z.object({ mode: z.literal('external'), address: z.string(), namespace: z.string(), taskQueue: z.string(), note: z.string() }),
  ]),
});
export type Manifest = z.infer<typeof Manifest>;

/** The sentence both commands print: the key is kept apart from the data it protects. */
export const MASTER_KEY_NOTE =
  'The master key is NOT in this backup. Keep it separately (a password manager, a secrets store): restore needs the same key, '
  + 'and without it the card keys in the backup cannot be decrypted.';

export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * The master key as the API and worker would use it (KAMI_MASTER_KEY, else `$KAMI_DATA_DIR/master.key`),
 * but never generated: a backup or restore that invented a key would only hide the missing one.
 */
export function findMasterKey(config: Config): { key: Buffer; source: string } | undefined {
  if (config.KAMI_MASTER_KEY) return { key: Buffer.from(config.KAMI_MASTER_KEY, 'hex'), source: 'KAMI_MASTER_KEY' };
  const path = join(config.KAMI_DATA_DIR, 'master.key');
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${path} does not hold a master key (expected 64 hex characters)`);
  return { key: Buffer.from(text, 'hex'), source: path };
}

export function noMasterKeyMessage(config: Config): string {
  return `no master key: KAMI_MASTER_KEY is not set and ${join(config.KAMI_DATA_DIR, 'master.key')} does not exist`;
}

export function kamiVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Migrations this checkout of Kami ships (prisma/migrations/<name>/migration.sql), in order. */
export function localMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(MIGRATIONS_DIR, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

/** sha256 and size of a file, streamed; `onBytes` hears the running total. */
export async function hashFile(path: string, onBytes?: (done: number) => void): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Copies `src` to `dest` (created; must not exist), hashing what it writes. */
export async function copyWithHash(src: string, dest: string, onBytes?: (done: number) => void): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      callback(null, chunk);
    },
  });
  await pipeline(createReadStream(src, { highWaterMark: 1 << 20 }), tap, createWriteStream(dest, { flags: 'wx', flush: true }));
  return { sha256: hash.digest('hex'), bytes };
}

/** Reads and checks manifest.json; a missing or malformed one is a plain error. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a backup directory`);
  if (!existsSync(path)) throw new Error(`${path} is missing: not a Kami backup, or an unfinished one`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a Kami backup manifest this version understands:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function manifestParts(m: Manifest): Part[] {
  return m.temporal.mode === 'embedded' ? [m.postgres.part, m.temporal.part] : [m.postgres.part];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatCounts(counts: Record<string, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${v} ${k}`);
  return `${total}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Processes that hold `file` (or its -wal/-shm companions) open, read from /proc: a Temporal dev
 * server keeps its SQLite store open for as long as it runs. Linux only; elsewhere `undefined` (unknown).
 */
export function processesHolding(file: string): { pid: number; command: string }[] | undefined {
  if (process.platform !== 'linux' || !existsSync('/proc/self/fd')) return undefined;
  const dir = existsSync(dirname(file)) ? realpathSync(dirname(file)) : resolve(dirname(file));
  const base = join(dir, basename(file));
  const targets = new Set([base, `${base}-wal`, `${base}-shm`]);
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!targets.has(link)) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch { /* gone meanwhile */ }
      found.push({ pid: Number(entry), command });
      break;
    }
  }
  return found;
}

/** A path as the operator typed it when it is inside the current directory, else absolute. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : resolve(path);
}

export const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

/** One step on the progress display: its label with a live detail line, then ✔ with what it did (or ✖). */
export async function step<T>(label: string, fn: (progress: { update(text: string): void }) => Promise<T>, done: (v: T) => string): Promise<T> {
  const p = startProgress(label);
  try {
    const v = await fn(p);
    p.done(done(v));
    return v;
  } catch (err) {
    p.fail(`${label}: failed`);
    throw err;
  }
}
