import type { Db } from './db.js';
import { Prisma } from './db.js';
import { run, statement } from './sql.js';

/** A notification (or query answer, or operator's confirmation) as Kami keeps it: raw, for disputes. */
export interface KeptNotification {
  provider: string;
  kind: 'notify' | 'query' | 'manual';
  method?: string;
  path?: string;
  /** Without authorization or cookies. */
  headers: Record<string, string>;
  body: string;
  sourceIp?: string;
}

/** What a verified payment says, in the gateway's currency and exponent. */
export interface VerifiedPayment {
  gatewayOrderNo: string;
  txnId: string;
  amountMinor: number;
  currency: string;
  account?: string;
  /** The gateway's id for the attempt, when the notification names one (see NotificationFacts). */
  gatewayRef?: string;
  verifiedBy: 'signature' | 'query' | 'operator';
  confirmedBy?: string;
}

export interface RecordedPayment {
  order_id: string;
  product_id: string;
  sku: string;
  expires_at: Date;
  attempt_id: number;
  /** The stored row: the one just inserted, or the one an earlier notification of this transaction stored. */
  payment_id: number | null;
  inserted: number;
  /** For a repeated transaction: which order the stored row pays, and whether its workflow applied it. */
  prev_order_id: string | null;
  prev_applied_at: Date | null;
}

/**
 * Keeps the notification and stores the verified payment it reports, in one statement: the attempt
 * is found by its gateway order number (and must be this provider's), the payment is unique per
 * (provider, transaction; a gateway id named must be the attempt's own), and it credits the order's amount in the order's currency only when it
 * matches its attempt exactly (otherwise the gateway's own figures are kept and a person looks).
 * No row: the reference names no attempt of this provider (the notification is still kept).
 */
const RECORD = statement<RecordedPayment, [provider: string, kind: string, method: string | null, path: string | null, headers: unknown,
  body: string, sourceIp: string | null, gatewayOrderNo: string, txnId: string, amountMinor: number, currency: string, account: string | null,
  verifiedBy: string, confirmedBy: string | null, gatewayRef: string | null]>('kami_record_payment', `
WITH a AS (
  SELECT pa.id, pa.order_id, pa.amount_minor, pa.currency, pa.gateway_amount_minor, pa.gateway_currency, o.product_id, o.expires_at, pr.sku
  FROM payment_attempt pa JOIN "order" o ON o.id = pa.order_id JOIN product pr ON pr.id = o.product_id
  WHERE pa.gateway_order_no = $8 AND pa.provider = $1 AND ($15::text IS NULL OR pa.gateway_ref IS NULL OR pa.gateway_ref = $15)),
n AS (
  INSERT INTO payment_notification (provider, kind, attempt_id, order_id, method, path, headers, body, source_ip, verified, outcome, txn_id)
  SELECT $1, $2, (SELECT id FROM a), (SELECT order_id FROM a), $3, $4, $5, $6, $7, true,
    CASE WHEN EXISTS (SELECT 1 FROM a) THEN 'paid' ELSE 'unknown_reference' END, $9
  RETURNING id),
ins AS (
  INSERT INTO payment (order_id, provider, txn_id, amount_cents, currency, gateway_amount_minor, gateway_currency, account, attempt_id,
    notification_id, verified_by, confirmed_by)
  SELECT a.order_id, $1, $9,
    CASE WHEN a.gateway_amount_minor = $10 AND a.gateway_currency = $11 THEN a.amount_minor ELSE $10 END,
    CASE WHEN a.gateway_amount_minor = $10 AND a.gateway_currency = $11 THEN a.currency ELSE $11 END,
    $10, $11, $12, a.id, (SELECT id FROM n), $13, $14
  FROM a
  ON CONFLICT (provider, txn_id) DO NOTHING
  RETURNING id),
paid AS (UPDATE payment_attempt SET status = 'paid', updated_at = now() WHERE id = (SELECT id FROM a) AND EXISTS (SELECT 1 FROM ins))
SELECT a.order_id, a.product_id, a.sku, a.expires_at, a.id AS attempt_id,
  COALESCE((SELECT id FROM ins), prev.id) AS payment_id, (SELECT count(*) FROM ins)::int AS inserted,
  prev.order_id AS prev_order_id, prev.applied_at AS prev_applied_at
FROM a LEFT JOIN payment prev ON prev.provider = $1 AND prev.txn_id = $9`);

const STORED_PAYMENT = statement<{ id: number; order_id: string; applied_at: Date | null }, [provider: string, txnId: string]>(
  'kami_stored_payment', 'SELECT id, order_id, applied_at FROM payment WHERE provider = $1 AND txn_id = $2');

export async function recordPayment(db: Db, n: KeptNotification, p: VerifiedPayment): Promise<RecordedPayment | undefined> {
  const args = [n.provider, n.kind, n.method ?? null, n.path ?? null, n.headers, n.body, n.sourceIp ?? null, p.gatewayOrderNo, p.txnId,
    p.amountMinor, p.currency, p.account ?? null, p.verifiedBy, p.confirmedBy ?? null, p.gatewayRef ?? null] as const;
  const [row] = await run(db, RECORD, ...args);
  if (row && row.payment_id === null) {
    // a concurrent copy of this notification committed its payment after this statement's snapshot:
    // read that payment now (running RECORD again would keep the notification a second time)
    const [prev] = await run(db, STORED_PAYMENT, n.provider, p.txnId);
    if (prev) return { ...row, payment_id: prev.id, prev_order_id: prev.order_id, prev_applied_at: prev.applied_at };
  }
  return row;
}

/** Keeps a notification that records no payment: refused, not a payment, or a duplicate seen elsewhere. */
export async function keepNotification(db: Db, n: KeptNotification, r: {
  verified: boolean; outcome: string; detail?: string; txnId?: string; gatewayOrderNo?: string;
}): Promise<void> {
  const attempt = r.gatewayOrderNo
    ? await db.paymentAttempt.findUnique({ where: { gatewayOrderNo: r.gatewayOrderNo }, select: { id: true, orderId: true, provider: true } })
    : null;
  const own = attempt?.provider === n.provider ? attempt : null;
  await db.paymentNotification.create({
    data: {
      provider: n.provider, kind: n.kind, attemptId: own?.id, orderId: own?.orderId, method: n.method, path: n.path?.slice(0, 300),
      headers: n.headers as Prisma.InputJsonValue, body: n.body, sourceIp: n.sourceIp, verified: r.verified, outcome: r.outcome.slice(0, 40),
      detail: r.detail?.slice(0, 2000), txnId: r.txnId?.slice(0, 128),
    },
  });
}
