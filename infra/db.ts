import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

const pools = new WeakMap<Db, pg.Pool>();

/**
 * The one place that builds a PrismaClient: PostgreSQL through the pg driver adapter, no native
 * engine. The adapter runs on a pool Kami owns, so the hot path's prepared statements (infra/sql.ts)
 * share its connections; $disconnect() ends the pool.
 */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  // a request waits at most this long for a connection while PostgreSQL is away, then fails (503), never hangs
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5000 });
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
