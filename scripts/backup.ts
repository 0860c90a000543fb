/**
 * `npm run backup -- [--out <dir>]`: a consistent backup of Kami's data while Kami keeps running.
 * Layout and format: scripts/lib/backup-format.ts. The master key is never written into it.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.js';
import {
  bold, findMasterKey, formatBytes, formatCounts, hashFile, kamiVersion, keyFingerprint, MANIFEST_FILE, MASTER_KEY_NOTE,
  noMasterKeyMessage, POSTGRES_PART, shown, step, TEMPORAL_PART, type Manifest, type Part,
} from './lib/backup-format.js';
import { dumpPostgres, libpqTarget } from './lib/backup-postgres.js';
import { backupSqlite } from './lib/backup-sqlite.js';

export const BACKUP_USAGE = `Usage: npm run backup -- [--out <dir>]

Writes a consistent backup of Kami's data into a new directory (default backups/kami-<UTC time>):
  temporal.db    the embedded Temporal dev server's store, $KAMI_DATA_DIR/temporal.db, copied online
                 with SQLite's backup API (skipped when TEMPORAL_ADDRESS names a cluster: backing up
                 an external Temporal cluster is its operator's job)
  postgres.dump  the PostgreSQL database at DATABASE_URL (pg_dump --format=custom)
  manifest.json  Kami version, time, applied migrations, the master key's fingerprint, each part's
                 size and sha256
Kami may keep running meanwhile. The master key is NOT included: keep it separately, restore needs it.

Options:
  -o, --out <dir>  where to write the backup (must not exist yet, or be empty)
  -h, --help       show this text

Reads DATABASE_URL, KAMI_DATA_DIR, KAMI_MASTER_KEY and TEMPORAL_ADDRESS like npm start does.
Needs pg_dump on PATH. Restore with: npm run restore -- <dir>`;

export interface BackupOptions {
  /** The backup directory; default backups/kami-<UTC time> under the current directory. */
  out?: string;
  /** The environment to read Kami's configuration from (default process.env). */
  env?: Record<string, string | undefined>;
}

function timestamp(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace(/:/g, '-') + 'Z';
}

function partOf(file: string, bytes: number, sha256: string): Part {
  return { file, bytes, sha256 };
}

export async function runBackup(opts: BackupOptions = {}): Promise<{ dir: string; manifest: Manifest }> {
  const config = loadConfig(opts.env ?? process.env);
  const master = findMasterKey(config);
  if (!master) throw new Error(`${noMasterKeyMessage(config)}. A backup records the key's fingerprint so that restore can check it: run Kami once, or set KAMI_MASTER_KEY`);
  const fingerprint = keyFingerprint(master.key);
  const database = libpqTarget(config.DATABASE_URL).database;

  const dir = resolve(opts.out ?? join('backups', `kami-${timestamp()}`));
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length)) throw new Error(`${shown(dir)} already exists and is not empty: choose another --out`);
  // written under a temporary name and renamed when complete: an interrupted backup never looks like one
  const work = `${dir}.partial-${process.pid}`;
  mkdirSync(work, { recursive: true });
  chmodSync(work, 0o700); // buyers' data and encrypted keys: for the operator's eyes only
  const interrupted = () => {
    rmSync(work, { recursive: true, force: true });
    console.error('\nBackup interrupted; nothing was kept.');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  console.log(bold(`Kami backup → ${shown(dir)}`));

  try {
    // The Temporal store is copied BEFORE PostgreSQL is dumped, so the restored database is never
    // behind the restored workflow histories: every step a history records (payment signal, key claim,
    // email sent) was committed to PostgreSQL first, hence is in the later dump. What PostgreSQL has
    // beyond the histories (an order or payment from the moments between the two snapshots) is what
    // the worker's reconciler already heals after any crash: it starts runs for orders without one and
    // re-signals stored payments no run applied. Activities are idempotent on the order id.
    let temporal: Manifest['temporal'];
    if (config.TEMPORAL_ADDRESS) {
      temporal = {
        mode: 'external', address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.KAMI_TASK_QUEUE,
        note: 'TEMPORAL_ADDRESS names an external Temporal cluster: its workflow histories are not in this backup; the cluster\'s operator backs it up.',
      };
      console.log(`ℹ Temporal: external cluster at ${config.TEMPORAL_ADDRESS}. Its workflow histories (in-flight orders) are NOT in this backup:`
        + ' back up the cluster\'s own store (its operator\'s job). Backing up PostgreSQL only.');
    } else {
      const src = join(config.KAMI_DATA_DIR, 'temporal.db');
      if (!existsSync(src)) {
        throw new Error(`no Temporal store at ${src}: start Kami once (npm start), or set TEMPORAL_ADDRESS if it uses an external cluster`);
      }
      const copy = await step(`Copying the Temporal store ${src} (online SQLite backup)`, async (p) => {
        const c = await backupSqlite(src, join(work, TEMPORAL_PART), (done, total) => p.update(`${formatBytes(done)} of ${formatBytes(total)}`));
        p.update('checksum');
        return { ...c, ...await hashFile(join(work, TEMPORAL_PART)) };
      }, (c) => `Temporal store copied: ${formatBytes(c.bytes)} (SQLite ${c.sqliteVersion}, quick_check ok${c.restarts ? `, restarted ${c.restarts}× while the server wrote` : ''})`);
      temporal = {
        mode: 'embedded', part: partOf(TEMPORAL_PART, copy.bytes, copy.sha256),
        namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.KAMI_TASK_QUEUE, sqliteVersion: copy.sqliteVersion,
      };
    }

    const dump = await step(`Dumping PostgreSQL database ${database} (pg_dump --format=custom)`, async (p) => {
      const d = await dumpPostgres(config.DATABASE_URL, join(work, POSTGRES_PART), (table, bytes) => p.update(`${formatBytes(bytes)}${table ? ` · ${table}` : ''}`));
      p.update('checksum');
      return { ...d, ...await hashFile(join(work, POSTGRES_PART)) };
    }, (d) => `PostgreSQL dumped: ${formatBytes(d.bytes)}, ${d.migrations.length} migrations, ${formatCounts(d.orders)} orders`);

    const manifest: Manifest = {
      format: 'kami-backup',
      formatVersion: 1,
      kamiVersion: kamiVersion(),
      createdAt: new Date().toISOString(),
      masterKey: { fingerprint, note: MASTER_KEY_NOTE },
      postgres: {
        part: partOf(POSTGRES_PART, dump.bytes, dump.sha256), database, serverVersion: dump.serverVersion, pgDump: dump.pgDump,
        migrations: dump.migrations, orders: dump.orders,
      },
      temporal,
    };
    writeFileSync(join(work, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { flag: 'wx' });
    if (existsSync(dir)) rmdirSync(dir); // an empty directory given as --out
    renameSync(work, dir);

    const parts = [manifest.postgres.part, ...(temporal.mode === 'embedded' ? [temporal.part] : [])];
    const total = parts.reduce((a, p) => a + p.bytes, 0);
    console.log(`
${bold('Backup complete:')} ${shown(dir)}
${parts.map((p) => `  ${p.file.padEnd(14)} ${formatBytes(p.bytes).padStart(9)}   sha256 ${p.sha256.slice(0, 16)}…`).join('\n')}
  ${'total'.padEnd(14)} ${formatBytes(total).padStart(9)}
  migrations     ${dump.migrations.length}${dump.migrations.length ? ` (latest ${dump.migrations.at(-1)})` : ''}
  orders         ${formatCounts(dump.orders)}
  Temporal       ${temporal.mode === 'embedded' ? `embedded store included (namespace ${temporal.namespace}, task queue ${temporal.taskQueue})` : `external cluster ${temporal.address}: NOT included`}

${bold(`⚠ ${MASTER_KEY_NOTE}`)}
  This backup was made with the key from ${master.source}, fingerprint ${fingerprint}; restore refuses any other.`);
    return { dir, manifest };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let out: string | undefined;
  try {
    const { values, positionals } = parseArgs({ options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help) {
      console.log(BACKUP_USAGE);
      process.exit(0);
    }
    if (positionals.length) throw new Error(`unexpected argument ${positionals[0]} (did you mean --out ${positionals[0]}?)`);
    out = values.out;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${BACKUP_USAGE}`);
    process.exit(2);
  }
  try {
    await runBackup({ out });
    process.exit(0);
  } catch (err) {
    console.error(`\nBackup failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
