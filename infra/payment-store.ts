import type { PaymentFacts } from '../domain/order.js';
import type { Db } from './db.js';
import { run, statement } from './sql.js';

export interface RecordedPayment {
  order_id: string;
  product_id: string;
  sku: string;
  expires_at: Date;
  /** The stored row: the one just inserted, or the one an earlier notification of this transaction stored. */
  payment_id: number | null;
  inserted: number;
  /** For a repeated transaction: which order the stored row pays, and whether its workflow applied it. */
  prev_order_id: string | null;
  prev_applied_at: Date | null;
}

/**
 * Stores a verified notification, unique per (provider, transaction), and reads what the order's
 * run needs to be woken, in one statement. No row: the order does not exist.
 */
const RECORD = statement<RecordedPayment, [orderId: string, provider: string, txnId: string, amountCents: number, currency: string, account: string | null]>(
  'kami_record_payment', `
WITH ins AS (
  INSERT INTO payment (order_id, provider, txn_id, amount_cents, currency, account)
  SELECT id, $2, $3, $4, $5, $6 FROM "order" WHERE id = $1
  ON CONFLICT (provider, txn_id) DO NOTHING
  RETURNING id)
SELECT o.id AS order_id, o.product_id, pr.sku, o.expires_at,
  COALESCE((SELECT id FROM ins), prev.id) AS payment_id, (SELECT count(*) FROM ins)::int AS inserted,
  prev.order_id AS prev_order_id, prev.applied_at AS prev_applied_at
FROM "order" o JOIN product pr ON pr.id = o.product_id
LEFT JOIN payment prev ON prev.provider = $2 AND prev.txn_id = $3
WHERE o.id = $1`);

export async function recordPayment(db: Db, orderId: string, p: PaymentFacts): Promise<RecordedPayment | undefined> {
  const args = [orderId, p.provider, p.txnId, p.amountCents, p.currency, p.account ?? null] as const;
  const [row] = await run(db, RECORD, ...args);
  // a concurrent copy of this notification committed after this statement's snapshot: read it now
  if (row && row.payment_id === null) return (await run(db, RECORD, ...args))[0];
  return row;
}
