/**
 * The embedded Temporal dev server's SQLite store, copied while the server runs: SQLite's online
 * backup API (through better-sqlite3) reads a consistent snapshot under SQLite's own locking, which a
 * plain file copy of a WAL database being written does not.
 */
import { createRequire } from 'node:module';

interface BackupProgress { totalPages: number; remainingPages: number }
interface SqliteDatabase {
  backup(destination: string, options?: { progress?: (p: BackupProgress) => number | undefined }): Promise<BackupProgress>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): { pluck(): { get(): unknown } };
  close(): void;
}
type SqliteOpen = new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => SqliteDatabase;

/** Loaded on first use: the API and worker never need it, and an install where its native build failed still runs Kami. */
function loadSqlite(): SqliteOpen {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as SqliteOpen;
  } catch (err) {
    throw new Error(`better-sqlite3 could not be loaded (${(err as Error).message.split('\n')[0]}). It is an optional dependency `
      + 'with a native addon: run `npm rebuild better-sqlite3` (without a prebuilt binary it compiles, which needs python3, make and a C++ compiler)');
  }
}

/** Pages copied per step while the copy shows progress. */
const STEP_PAGES = 512;
/** One step copying everything: a single read lock, so writes by the server cannot restart it. */
const ALL_PAGES = 0x7fffffff;

export interface SqliteCopy { bytes: number; sqliteVersion: string; restarts: number }

/**
 * Copies the live database `src` to `dest` (which must not exist) with SQLite's online backup, then
 * turns the copy into a plain rollback-journal database (one self-contained file; the dev server
 * switches it back to WAL when it opens it) and checks it with `PRAGMA quick_check`.
 *
 * Each step copies STEP_PAGES pages under a read lock of its own; if the server commits between two
 * steps SQLite starts the copy over, and after the first such restart the rest goes in one step.
 */
export async function backupSqlite(src: string, dest: string, onProgress: (copied: number, total: number) => void): Promise<SqliteCopy> {
  const Database = loadSqlite();
  const source = new Database(src, { readonly: true, fileMustExist: true, timeout: 10_000 });
  let restarts = 0;
  try {
    const pageSize = Number(source.pragma('page_size', { simple: true }));
    let lastRemaining = Number.POSITIVE_INFINITY;
    let steps = 0;
    await source.backup(dest, {
      progress: ({ totalPages, remainingPages }) => {
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        onProgress((totalPages - remainingPages) * pageSize, totalPages * pageSize);
        return restarts > 0 || ++steps > 2 * Math.ceil(totalPages / STEP_PAGES) + 4 ? ALL_PAGES : STEP_PAGES;
      },
    });
  } finally {
    source.close();
  }

  const copy = new Database(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy of ${src} failed SQLite's quick_check: ${String(check)}`);
    const sqliteVersion = String(copy.prepare('SELECT sqlite_version()').pluck().get());
    const bytes = Number(copy.pragma('page_count', { simple: true })) * Number(copy.pragma('page_size', { simple: true }));
    return { bytes, sqliteVersion, restarts };
  } finally {
    copy.close();
  }
}
