/**
 * `npm run restore -- <backup-dir> [--force]`: puts a backup made by `npm run backup` back, on this
 * machine's configuration (DATABASE_URL, KAMI_DATA_DIR), after checking everything it can first:
 * checksums, the master key's fingerprint, the migrations, the targets. Nothing is written until all
 * of that passed.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.js';
import {
  bold, copyWithHash, findMasterKey, formatBytes, formatCounts, hashFile, keyFingerprint, localMigrations, manifestParts,
  MASTER_KEY_NOTE, noMasterKeyMessage, processesHolding, readManifest, shown, step, type Manifest,
} from './lib/backup-format.js';
import { appliedMigrations, inspectTarget, libpqTarget, prepareTarget, restorePostgres } from './lib/backup-postgres.js';

export const RESTORE_USAGE = `Usage: npm run restore -- <backup-dir> [--force]

Restores a backup made by npm run backup into this machine's configuration:
  PostgreSQL  into the database named by DATABASE_URL: created when missing, used when empty; a
              database that holds anything is refused unless --force, which drops and recreates it
  Temporal    the embedded dev server's store into $KAMI_DATA_DIR/temporal.db, while no dev server
              has it open; an existing store is replaced only with --force. Skipped when
              TEMPORAL_ADDRESS names a cluster (restoring that is the cluster operator's job)
Before anything is written, every part's sha256 and the master key are checked: set KAMI_MASTER_KEY
(or put the key in $KAMI_DATA_DIR/master.key) to the key the backup was made with.
Afterwards, npm start (or the API and workers) resumes the orders that were in flight.

Options:
  --force     replace a non-empty database and an existing Temporal store
  -h, --help  show this text

Needs pg_restore on PATH.`;

export interface RestoreOptions {
  dir: string;
  force?: boolean;
  env?: Record<string, string | undefined>;
}

const nothingWritten = 'nothing was restored';

export async function runRestore(opts: RestoreOptions): Promise<{ manifest: Manifest; database: string; temporalFile?: string }> {
  const config = loadConfig(opts.env ?? process.env);
  const dir = resolve(opts.dir);
  const manifest = readManifest(dir);
  console.log(bold(`Kami restore ← ${shown(dir)}`));
  console.log(`  made ${manifest.createdAt} by Kami ${manifest.kamiVersion}; master key fingerprint ${manifest.masterKey.fingerprint}`);

  // 1. the backup is whole and unaltered
  const parts = manifestParts(manifest);
  const totalBytes = parts.reduce((a, p) => a + p.bytes, 0);
  await step('Verifying checksums', async (p) => {
    let before = 0;
    for (const part of parts) {
      const path = join(dir, part.file);
      if (!existsSync(path)) throw new Error(`${part.file} is missing from the backup; ${nothingWritten}`);
      const got = await hashFile(path, (n) => p.update(`${part.file} · ${formatBytes(before + n)} of ${formatBytes(totalBytes)}`));
      if (got.bytes !== part.bytes || got.sha256 !== part.sha256) {
        throw new Error(`${part.file} does not match the manifest (${got.bytes === part.bytes ? 'sha256 differs' : `${got.bytes} bytes, expected ${part.bytes}`}): `
          + `the backup is damaged or was altered; ${nothingWritten}`);
      }
      before += part.bytes;
    }
  }, () => `Checksums match: ${parts.map((p) => `${p.file} ${formatBytes(p.bytes)}`).join(', ')}`);

  // 2. the same master key: otherwise every card key in the dump is unreadable ciphertext
  const master = findMasterKey(config);
  if (!master) {
    throw new Error(`${noMasterKeyMessage(config)}. Restore needs the key this backup was made with (fingerprint ${manifest.masterKey.fingerprint}): `
      + `set KAMI_MASTER_KEY or put it into ${join(config.KAMI_DATA_DIR, 'master.key')}; ${nothingWritten}`);
  }
  const fingerprint = keyFingerprint(master.key);
  if (fingerprint !== manifest.masterKey.fingerprint) {
    throw new Error(`the master key from ${master.source} (fingerprint ${fingerprint}) is not the one this backup was made with `
      + `(fingerprint ${manifest.masterKey.fingerprint}): set KAMI_MASTER_KEY to that key; ${nothingWritten}`);
  }
  console.log(`✔ Master key from ${master.source} matches (fingerprint ${fingerprint})`);

  // 3. this Kami understands the schema in the dump
  const known = new Set(localMigrations());
  const unknown = manifest.postgres.migrations.filter((m) => !known.has(m));
  if (unknown.length) {
    throw new Error(`the backup's database has migrations this Kami does not have (${unknown.join(', ')}): restore with Kami ${manifest.kamiVersion} `
      + `or newer; ${nothingWritten}`);
  }
  const pending = [...known].filter((m) => !manifest.postgres.migrations.includes(m));

  // 4. the targets: decided now, written only after every check passed
  let temporalFile: string | undefined;
  if (manifest.temporal.mode === 'external') {
    console.log(`ℹ Temporal: this backup was made against an external cluster (${manifest.temporal.address}) and holds no workflow histories; `
      + 'restoring the cluster is its operator\'s job.');
  } else if (config.TEMPORAL_ADDRESS) {
    console.log(`ℹ Temporal: TEMPORAL_ADDRESS is set (${config.TEMPORAL_ADDRESS}), so the backup's embedded Temporal store is NOT restored `
      + '(unset TEMPORAL_ADDRESS to restore it for npm start\'s dev server).');
  } else {
    temporalFile = resolve(config.KAMI_DATA_DIR, 'temporal.db');
    const holders = processesHolding(temporalFile);
    if (holders?.length) {
      throw new Error(`${shown(temporalFile)} is open in a running process (${holders.map((h) => `pid ${h.pid}: ${h.command.slice(0, 120)}`).join('; ')}): `
        + `stop Kami and its Temporal dev server first; ${nothingWritten}`);
    }
    if (!holders) console.log(`⚠ Could not check whether a Temporal dev server has ${shown(temporalFile)} open (no /proc here): make sure Kami is stopped.`);
    const existing = [temporalFile, `${temporalFile}-wal`].filter((f) => existsSync(f) && statSync(f).size > 0);
    if (existing.length && !opts.force) {
      throw new Error(`${shown(temporalFile)} already exists: pass --force to replace it (and its -wal/-shm files), or point KAMI_DATA_DIR elsewhere; ${nothingWritten}`);
    }
    for (const [what, was, here] of [['namespace', manifest.temporal.namespace, config.TEMPORAL_NAMESPACE], ['task queue', manifest.temporal.taskQueue, config.KAMI_TASK_QUEUE]] as const) {
      if (was !== here) console.log(`⚠ The backup's orders run in Temporal ${what} "${was}", this configuration uses "${here}": set it back for them to resume.`);
    }
  }

  const { database } = libpqTarget(config.DATABASE_URL);
  const target = await inspectTarget(config.DATABASE_URL).catch((err: Error) => {
    throw new Error(`cannot reach PostgreSQL for DATABASE_URL: ${err.message}; ${nothingWritten}`);
  });
  if (target.exists && target.objects > 0 && !opts.force) {
    throw new Error(`database ${database} is not empty (${target.objects} objects): restore into a new or empty database (DATABASE_URL), `
      + `or pass --force to drop and recreate it; ${nothingWritten}`);
  }
  const action = !target.exists ? 'create' : target.objects > 0 ? 'recreate' : 'use';

  // 5. write: PostgreSQL in one transaction, then the Temporal store by rename
  await step(`Restoring PostgreSQL into ${database}`, async (p) => {
    if (action !== 'use') {
      p.update(action === 'create' ? 'creating the database' : `dropping the database (${target.exists ? target.objects : 0} objects) and creating it anew`);
      await prepareTarget(config.DATABASE_URL, action);
    }
    await restorePostgres(config.DATABASE_URL, join(dir, manifest.postgres.part.file), (done, total, item) => p.update(`${done}/${total} ${item}`));
    const applied = await appliedMigrations(config.DATABASE_URL);
    if (applied.join() !== manifest.postgres.migrations.join()) throw new Error(`the restored database records migrations ${applied.join(', ')}, the manifest ${manifest.postgres.migrations.join(', ')}`);
  }, () => `PostgreSQL restored into ${database}${action === 'create' ? ' (created)' : action === 'recreate' ? ' (dropped and recreated: --force)' : ''}: `
    + `${formatBytes(manifest.postgres.part.bytes)} dump, ${manifest.postgres.migrations.length} migrations, ${formatCounts(manifest.postgres.orders)} orders`);

  if (temporalFile && manifest.temporal.mode === 'embedded') {
    const part = manifest.temporal.part;
    const file = temporalFile;
    await step(`Restoring the Temporal store to ${shown(file)}`, async (p) => {
      mkdirSync(config.KAMI_DATA_DIR, { recursive: true });
      const tmp = `${file}.restoring-${process.pid}`;
      try {
        const copied = await copyWithHash(join(dir, part.file), tmp, (n) => p.update(`${formatBytes(n)} of ${formatBytes(part.bytes)}`));
        if (copied.sha256 !== part.sha256) throw new Error(`${part.file} changed while it was being restored`);
        // a stale -wal beside the new file would be replayed into it: the old store's companions go first,
        // then the rename replaces the file itself in one step
        for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
        renameSync(tmp, file);
      } finally {
        rmSync(tmp, { force: true });
      }
    }, () => `Temporal store restored: ${shown(file)} (${formatBytes(part.bytes)})`);
  }

  console.log(`
${bold('Restore complete.')}
  PostgreSQL     ${database}: ${formatCounts(manifest.postgres.orders)} orders as of ${manifest.createdAt}
  Temporal       ${temporalFile ? `${shown(temporalFile)} (namespace ${manifest.temporal.namespace}, task queue ${manifest.temporal.taskQueue})` : 'not restored (see above)'}${
  pending.length ? `\n  Migrations     this Kami has newer ones (${pending.join(', ')}): npm start or npm run migrate applies them` : ''}

Next: start Kami (npm start, or npm run api and npm run worker) with the same master key (fingerprint ${fingerprint}).
Orders that were in flight resume where the backup caught them; the worker re-sends stored payments their runs had not applied.
${MASTER_KEY_NOTE}`);
  return { manifest, database, ...(temporalFile ? { temporalFile } : {}) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let options: RestoreOptions;
  try {
    const { values, positionals } = parseArgs({ options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help) {
      console.log(RESTORE_USAGE);
      process.exit(0);
    }
    if (positionals.length !== 1) throw new Error(positionals.length ? `one backup directory, not ${positionals.length}` : 'which backup? name its directory');
    options = { dir: positionals[0]!, force: values.force ?? false };
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${RESTORE_USAGE}`);
    process.exit(2);
  }
  try {
    await runRestore(options);
    process.exit(0);
  } catch (err) {
    console.error(`\nRestore failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
