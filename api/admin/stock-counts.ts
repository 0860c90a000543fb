import { Prisma, type Db } from '../../infra/db.js';

export const KEY_STATUSES = ['available', 'reserved', 'sold', 'void'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];
export type StockCounts = Record<KeyStatus, number>;

const empty = (): StockCounts => ({ available: 0, reserved: 0, sold: 0, void: 0 });

/**
 * Live key counts by status for the given products or batches, counted by PostgreSQL in one query.
 * Ids without keys get all zeros.
 */
export async function stockCounts<Id extends string | number>(db: Db, by: 'product' | 'batch', ids: Id[]): Promise<Map<Id, StockCounts>> {
  const out = new Map<Id, StockCounts>(ids.map((id) => [id, empty()]));
  if (!ids.length) return out;
  const where = by === 'product'
    ? Prisma.sql`product_id = ANY(${ids as string[]}::uuid[])`
    : Prisma.sql`batch_id = ANY(${ids as number[]}::int[])`;
  const column = Prisma.raw(by === 'product' ? 'product_id::text' : 'batch_id');
  const rows = await db.$queryRaw<{ id: Id; status: KeyStatus; n: number }[]>`
    SELECT ${column} AS id, status, count(*)::int AS n FROM card_key WHERE ${where} GROUP BY 1, 2`;
  for (const r of rows) out.get(r.id)![r.status] = r.n;
  return out;
}
