import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

const pools = new WeakMap<Db, pg.Pool>();

/** 64-bit integers (money in minor units, counts) as numbers: every value Kami stores is a safe integer. */
const INT8 = 20;
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${text} is beyond what Kami handles`);
  return n;
}
const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/**
 * The one place that builds a PrismaClient: PostgreSQL through the pg driver adapter, no native
 * engine. The adapter runs on a pool Kami owns, so the hot path's prepared statements (infra/sql.ts)
 * share its connections; $disconnect() ends the pool.
 */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  // a request waits at most this long for a connection while PostgreSQL is away, then fails (503), never hangs
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5000, types: { getTypeParser } });
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/** The pg pool under a Db built by createDb. */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Db was not built by createDb');
  return pool;
}

/** A JSON.stringify replacer for rows read by Prisma: 64-bit money (bigint) as the safe integer it always is. */
export const bigintAsNumber = (_key: string, value: unknown) => (typeof value === 'bigint' ? Number(value) : value);

/** Prisma's Json columns cannot hold a bigint: 64-bit money read from a row goes in as a number. */
export function jsonSafe<T>(data: T): T {
  return JSON.parse(JSON.stringify(data, bigintAsNumber)) as T;
}
