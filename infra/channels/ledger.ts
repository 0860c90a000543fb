import type { Db, Prisma } from '../db.js';
import { PG_CODES, pgErrorCode } from '../sql.js';

type Tx = Prisma.TransactionClient | Db;

/**
 * A partner channel's prepaid balance: one row per (channel, currency) whose CHECK keeps it at zero
 * or above, and the append-only channel_ledger. Every change writes both in one statement, so the
 * ledger's entries always add up to the balance, and nothing (an order's debit, a negative
 * adjustment) can take it below zero. An order's debit is written by checkout itself
 * (kami_place_order), atomically with its stock hold.
 */

export interface LedgerEntry {
  id: bigint; channel_id: string; currency: string; amount_minor: bigint; balance_after: bigint; kind: string;
  order_id: string | null; refund_id: number | null; note: string; created_by: string; created_at: Date;
}

/** The change would take the balance below zero; nothing was written. */
export class InsufficientBalance extends Error {}

/**
 * Adds `amountMinor` (signed) to the balance and records it: the balance's update and the entry are
 * one statement (a currency's first entry creates its row at zero first: an insert of a negative
 * amount would fail the CHECK before any conflict). Throws InsufficientBalance below zero.
 */
export async function postEntry(tx: Tx, e: { channelId: string; currency: string; amountMinor: number; kind: 'deposit' | 'adjustment'; note: string; by: string }): Promise<LedgerEntry> {
  try {
    await tx.$executeRaw`INSERT INTO channel_balance (channel_id, currency) VALUES (${e.channelId}, ${e.currency}) ON CONFLICT DO NOTHING`;
    const [entry] = await tx.$queryRaw<LedgerEntry[]>`
      WITH bal AS (
        UPDATE channel_balance SET balance_minor = balance_minor + ${e.amountMinor}, updated_at = now()
        WHERE channel_id = ${e.channelId} AND currency = ${e.currency} RETURNING balance_minor)
      INSERT INTO channel_ledger (channel_id, currency, amount_minor, balance_after, kind, note, created_by)
      SELECT ${e.channelId}, ${e.currency}, ${e.amountMinor}, bal.balance_minor, ${e.kind}, ${e.note}, ${e.by} FROM bal
      RETURNING *`;
    return entry!;
  } catch (err) {
    if (pgErrorCode(err) === PG_CODES.checkViolation) throw new InsufficientBalance('the balance would go below zero');
    throw err;
  }
}

/**
 * Credits a refund of a balance-paid order back to its channel, once per refund: a retry (or a
 * concurrent copy, which the unique refund_id rolls back whole) finds the entry already there.
 * Returns the entry's id, or null when the refund is not a balance refund.
 */
export async function creditRefund(db: Db, refundId: number): Promise<bigint | null> {
  const [row] = await db.$queryRaw<{ entry_id: bigint | null }[]>`
    WITH r AS (
      SELECT rf.id, rf.amount_minor, rf.currency, rf.order_id, o.channel_id FROM refund rf JOIN "order" o ON o.id = rf.order_id
      WHERE rf.id = ${refundId} AND rf.provider = 'balance' AND rf.amount_minor > 0),
    prior AS (SELECT id FROM channel_ledger WHERE refund_id = ${refundId}),
    bal AS (
      INSERT INTO channel_balance (channel_id, currency, balance_minor)
      SELECT channel_id, currency, amount_minor FROM r WHERE NOT EXISTS (SELECT 1 FROM prior)
      ON CONFLICT (channel_id, currency) DO UPDATE SET balance_minor = channel_balance.balance_minor + EXCLUDED.balance_minor, updated_at = now()
      RETURNING balance_minor),
    ins AS (
      INSERT INTO channel_ledger (channel_id, currency, amount_minor, balance_after, kind, order_id, refund_id, note)
      SELECT r.channel_id, r.currency, r.amount_minor, bal.balance_minor, 'refund', r.order_id, r.id, 'refund of order ' || r.order_id FROM r, bal
      RETURNING id)
    SELECT COALESCE((SELECT id FROM ins), (SELECT id FROM prior)) AS entry_id`;
  return row?.entry_id ?? null;
}

/** A channel's balances, every currency it ever held. */
export async function balancesOf(db: Tx, channelId: string): Promise<{ currency: string; balanceMinor: number }[]> {
  const rows = await db.channelBalance.findMany({ where: { channelId }, orderBy: { currency: 'asc' } });
  return rows.map((r) => ({ currency: r.currency, balanceMinor: Number(r.balanceMinor) }));
}
