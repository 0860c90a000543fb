import type { Db } from './db.js';
import { run, statement } from './sql.js';

/** What one delivery attempt needs, and whether it may send. */
export interface DeliveryLease {
  email: string;
  quantity: number;
  product_id: string;
  product_name: string;
  guide: string;
  /** `plain` or `pair` (domain/product-types.ts), the product's buyer fields and the order's values for them. */
  key_format: string;
  buyer_fields: unknown;
  buyer_input: unknown;
  /** This attempt's delivery row and attempt number; null when it must not send (already sent, or another attempt holds the lease). */
  lease_id: number | null;
  attempts: number | null;
  prior_status: string | null;
  prior_attempts: number | null;
  prior_message_id: string | null;
  /** Base64 ciphertexts of the order's sold keys, in claim order. */
  keys: string[];
}

/**
 * Takes the delivery's lease and reads what the email needs, in one statement. The lease is granted
 * only when the channel was not sent yet and no other attempt holds an unexpired lease: an attempt
 * retried while the first one is still handing the mail to SMTP waits instead of sending it twice.
 */
const LEASE = statement<DeliveryLease, [orderId: string, channel: string, leaseMs: number]>('kami_delivery_lease', `
WITH lease AS (
  INSERT INTO delivery (order_id, channel, recipient, status, attempts, lease_until, updated_at)
  SELECT id, $2, email, 'sending', 1, now() + $3::float8 * interval '1 millisecond', now() FROM "order" WHERE id = $1
  ON CONFLICT (order_id, channel) DO UPDATE
    SET attempts = delivery.attempts + 1, status = 'sending', lease_until = EXCLUDED.lease_until, updated_at = now()
    WHERE delivery.status <> 'sent' AND (delivery.lease_until IS NULL OR delivery.lease_until < now())
  RETURNING id, attempts)
SELECT o.email, COALESCE(o.approved_quantity, o.quantity) AS quantity, pr.id AS product_id, pr.name AS product_name, pr.guide,
  pr.key_format, pr.buyer_fields, o.buyer_input,
  (SELECT id FROM lease) AS lease_id, (SELECT attempts FROM lease) AS attempts,
  d.status AS prior_status, d.attempts AS prior_attempts, d.message_id AS prior_message_id,
  ARRAY(SELECT encode(ciphertext, 'base64') FROM card_key WHERE order_id = $1 AND status = 'sold' ORDER BY id) AS keys
FROM "order" o JOIN product pr ON pr.id = o.product_id
LEFT JOIN delivery d ON d.order_id = o.id AND d.channel = $2
WHERE o.id = $1`);

export async function takeDeliveryLease(db: Db, orderId: string, channel: string, leaseMs: number): Promise<DeliveryLease | undefined> {
  const [row] = await run(db, LEASE, orderId, channel, leaseMs);
  return row;
}

/**
 * The mail is with SMTP: the delivery is sent, the order delivered (from delivering, or from
 * needs_attention when a resend finally went out), and both events appended, in one statement.
 */
const SENT = statement<{ delivered: number }, [orderId: string, deliveryId: number, messageId: string, step: string, sentData: unknown]>('kami_delivery_sent', `
WITH d AS (
  UPDATE delivery SET status = 'sent', message_id = $3, sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
  WHERE id = $2 RETURNING id),
o AS (
  UPDATE "order" SET status = 'delivered', attention = NULL, closed_at = now(), updated_at = now()
  WHERE id = $1 AND status IN ('delivering', 'needs_attention') RETURNING id),
events AS (
  INSERT INTO order_event (order_id, type, step, data)
  SELECT $1, 'email_sent', $4, $5::jsonb FROM d
  UNION ALL SELECT $1, 'delivered', '', '{}'::jsonb FROM o
  ON CONFLICT DO NOTHING)
SELECT (SELECT count(*) FROM o)::int AS delivered`);

export async function recordDeliverySent(db: Db, orderId: string, deliveryId: number, messageId: string, step: string, data: Record<string, unknown>) {
  await run(db, SENT, orderId, deliveryId, messageId, step, data);
}

/**
 * The channel was sent already (a retry after the hand-off, or a replayed task): the order is
 * recorded delivered if something stepped it back in between. Idempotent.
 */
const ALREADY_SENT = statement<never, [orderId: string]>('kami_delivery_already_sent', `
WITH o AS (
  UPDATE "order" SET status = 'delivered', attention = NULL, closed_at = COALESCE(closed_at, now()), updated_at = now()
  WHERE id = $1 AND status IN ('delivering', 'needs_attention') RETURNING id)
INSERT INTO order_event (order_id, type, step, data) SELECT $1, 'delivered', '', '{}'::jsonb FROM o ON CONFLICT DO NOTHING`);

export async function recordAlreadySent(db: Db, orderId: string) {
  await run(db, ALREADY_SENT, orderId);
}

const FAILED = statement<never, [deliveryId: number, error: string]>('kami_delivery_failed', `
WITH d AS (
  UPDATE delivery SET status = 'retrying', last_error = $2, lease_until = NULL, updated_at = now() WHERE id = $1
  RETURNING order_id, channel, attempts)
INSERT INTO order_event (order_id, type, step, data)
SELECT order_id, 'delivery_failing', channel, jsonb_build_object('error', $2::text, 'attempt', attempts) FROM d
ON CONFLICT DO NOTHING`);

/**
 * The SMTP hand-off failed: the lease is given back at once so the retry need not wait for it. The
 * first failure of a channel is recorded on the order (delivery_failing), which tells the merchant.
 */
export async function recordDeliveryFailed(db: Db, deliveryId: number, error: string) {
  await run(db, FAILED, deliveryId, error.slice(0, 1000));
}
