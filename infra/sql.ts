import type { QueryResultRow } from 'pg';
import type { Db } from './db.js';
import { poolOf } from './db.js';

/**
 * A named prepared statement for the order's routine path: PostgreSQL parses and plans it once per
 * connection, then each call only binds and executes (Prisma stays for the panel and rare paths).
 */
export interface Statement<Row, Args extends unknown[]> { readonly name: string; readonly text: string; readonly _types?: [Row, Args] }

export const statement = <Row, Args extends unknown[]>(name: string, text: string): Statement<Row, Args> => ({ name, text });

/** Runs a prepared statement on the pool under `db`; one round trip. */
export async function run<Row, Args extends unknown[]>(db: Db, st: Statement<Row, Args>, ...args: Args): Promise<Row[]> {
  const result = await poolOf(db).query<Row & QueryResultRow>({ name: st.name, text: st.text, values: args as unknown[] });
  return result.rows;
}

/** PostgreSQL error codes Kami raises or expects on purpose. */
export const PG_CODES = { outOfStock: 'KM001', insufficientBalance: 'KM002', uniqueViolation: '23505', checkViolation: '23514' } as const;

/** The SQLSTATE of a pg error, or of the one Prisma's driver adapter wraps (its own code is then P2010). */
export const pgErrorCode = (err: unknown): string | undefined => {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { code?: string } } } } | null;
  return e?.meta?.driverAdapterError?.cause?.code ?? e?.code;
};
