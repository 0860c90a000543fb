import type { Db } from './db.js';
import { run, statement } from './sql.js';

/**
 * The SMS side of the delivery table (one row per order and channel, as for email: see
 * delivery-store.ts). Email may hand a mail over again after a crash (the Message-ID makes it the same
 * mail); an SMS is sent at most once: an attempt that took the lease and never recorded the
 * provider's answer may have sent it, so nothing sends it again by itself.
 *
 * Statuses: sending (an attempt holds the lease) → sent; retrying (the provider said it did not send
 * it); failed (refused for good, or given up); unknown (it may have been sent: a person decides).
 */

/** What one SMS attempt needs, and whether it may send. */
export interface SmsLease {
  /** The buyer's number (E.164); null when the order has none (then no row is written). */
  phone: string | null;
  quantity: number;
  product_id: string;
  product_name: string;
  sms_enabled: boolean;
  sms_keys_allowed: boolean;
  sms_text: string | null;
  sms_template_code: string | null;
  sms_template_params: { name: string; value: string }[] | null;
  /** This attempt's delivery row and attempt number; null when it must not send. */
  lease_id: number | null;
  attempts: number | null;
  /** `unknown` when this call found an attempt that stopped mid-send and recorded it so. */
  lease_status: 'sending' | 'unknown' | null;
  prior_status: string | null;
  prior_attempts: number | null;
  prior_message_id: string | null;
  /** Base64 ciphertexts of the order's sold keys, in claim order. */
  keys: string[];
}

/**
 * Takes the SMS's lease and reads what the message needs, in one statement. Granted for a new
 * channel, or after the provider said it did not send it (`retrying`). A lease that ran out while
 * `sending` is an attempt that never recorded an answer (its worker died mid-send): the row becomes
 * `unknown`, the merchant is told (delivery_failing), and it is not sent again.
 */
const LEASE = statement<SmsLease, [orderId: string, channel: string, leaseMs: number, provider: string | null, lostError: string]>('kami_sms_lease', `
WITH lease AS (
  INSERT INTO delivery (order_id, channel, recipient, status, attempts, lease_until, provider, updated_at)
  SELECT id, $2, phone, 'sending', 1, now() + $3::float8 * interval '1 millisecond', $4, now() FROM "order" WHERE id = $1 AND phone IS NOT NULL
  ON CONFLICT (order_id, channel) DO UPDATE SET
    attempts = delivery.attempts + CASE WHEN delivery.status = 'retrying' THEN 1 ELSE 0 END,
    status = CASE WHEN delivery.status = 'retrying' THEN 'sending' ELSE 'unknown' END,
    lease_until = CASE WHEN delivery.status = 'retrying' THEN EXCLUDED.lease_until END,
    provider = CASE WHEN delivery.status = 'retrying' THEN EXCLUDED.provider ELSE delivery.provider END,
    last_error = CASE WHEN delivery.status = 'retrying' THEN delivery.last_error ELSE $5 END,
    updated_at = now()
  WHERE delivery.status = 'retrying' OR (delivery.status = 'sending' AND delivery.lease_until < now())
  RETURNING id, attempts, status, last_error, channel),
lost AS (
  INSERT INTO order_event (order_id, type, step, data)
  SELECT $1, 'delivery_failing', channel || ':failed', jsonb_build_object('channel', channel, 'outcome', 'unknown', 'error', last_error, 'attempt', attempts)
  FROM lease WHERE status = 'unknown'
  ON CONFLICT DO NOTHING)
SELECT o.phone, COALESCE(o.approved_quantity, o.quantity) AS quantity, pr.id AS product_id, pr.name AS product_name,
  pr.sms_enabled, pr.sms_keys_allowed, pr.sms_text, pr.sms_template_code, pr.sms_template_params,
  (SELECT id FROM lease WHERE status = 'sending') AS lease_id, (SELECT attempts FROM lease) AS attempts, (SELECT status FROM lease) AS lease_status,
  d.status AS prior_status, d.attempts AS prior_attempts, d.message_id AS prior_message_id,
  ARRAY(SELECT encode(ciphertext, 'base64') FROM card_key WHERE order_id = $1 AND status = 'sold' ORDER BY id) AS keys
FROM "order" o JOIN product pr ON pr.id = o.product_id
LEFT JOIN delivery d ON d.order_id = o.id AND d.channel = $2
WHERE o.id = $1`);

const LOST = 'the attempt that was sending it stopped without recording the provider\'s answer: it may have been sent, so Kami does not send it again by itself';

export async function takeSmsLease(db: Db, orderId: string, channel: string, leaseMs: number, provider: string | null): Promise<SmsLease | undefined> {
  const [row] = await run(db, LEASE, orderId, channel, leaseMs, provider, LOST);
  return row;
}

/** The provider took it: the row is sent with the provider's id, and what was sent (never the text) is recorded on the order. */
const SENT = statement<never, [deliveryId: number, messageId: string, data: unknown]>('kami_sms_sent', `
WITH d AS (
  UPDATE delivery SET status = 'sent', message_id = $2, sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
  WHERE id = $1 RETURNING order_id, channel, attempts)
INSERT INTO order_event (order_id, type, step, data)
SELECT order_id, 'sms_sent', channel, $3::jsonb || jsonb_build_object('attempts', attempts) FROM d
ON CONFLICT DO NOTHING`);

export async function recordSmsSent(db: Db, deliveryId: number, messageId: string, data: Record<string, unknown>) {
  await run(db, SENT, deliveryId, messageId, data);
}

/** How a failed attempt ends: tried again, refused for good, or perhaps sent. */
export type SmsFailure = 'retrying' | 'failed' | 'unknown';

/**
 * The attempt failed: the lease is given back and the error kept. The merchant is told through the
 * order's delivery_failing event: once at the first failure that is retried (step = channel), and once
 * when it ends unsent or unsure (step = `<channel>:failed`, with the outcome).
 */
const FAILED = statement<never, [deliveryId: number, error: string, status: SmsFailure, outcome: string]>('kami_sms_failed', `
WITH d AS (
  UPDATE delivery SET status = $3, last_error = $2, lease_until = NULL, updated_at = now() WHERE id = $1
  RETURNING order_id, channel, attempts)
INSERT INTO order_event (order_id, type, step, data)
SELECT order_id, 'delivery_failing', CASE WHEN $3 = 'retrying' THEN channel ELSE channel || ':failed' END,
  jsonb_build_object('channel', channel, 'error', $2::text, 'attempt', attempts) || CASE WHEN $3 = 'retrying' THEN '{}'::jsonb ELSE jsonb_build_object('outcome', $4::text) END
FROM d
ON CONFLICT DO NOTHING`);

export async function recordSmsFailed(db: Db, deliveryId: number, error: string, status: SmsFailure, outcome: 'retrying' | 'permanent' | 'unknown') {
  await run(db, FAILED, deliveryId, error.slice(0, 1000), status, outcome);
}

/**
 * The order's run stopped retrying (the give-up period ran out): a row still waiting for a retry is
 * failed, one caught mid-send is unknown; either way the merchant is told. Rows already final stay.
 */
const GAVE_UP = statement<never, [orderId: string, channel: string, lostError: string]>('kami_sms_gave_up', `
WITH d AS (
  UPDATE delivery SET status = CASE WHEN status = 'sending' THEN 'unknown' ELSE 'failed' END,
    last_error = CASE WHEN status = 'sending' THEN $3 ELSE last_error END, lease_until = NULL, updated_at = now()
  WHERE order_id = $1 AND channel = $2 AND status IN ('retrying', 'sending')
  RETURNING order_id, channel, attempts, status, last_error)
INSERT INTO order_event (order_id, type, step, data)
SELECT order_id, 'delivery_failing', channel || ':failed',
  jsonb_build_object('channel', channel, 'outcome', CASE WHEN status = 'unknown' THEN 'unknown' ELSE 'gave_up' END, 'error', last_error, 'attempt', attempts)
FROM d
ON CONFLICT DO NOTHING`);

export async function recordSmsGaveUp(db: Db, orderId: string, channel: string) {
  await run(db, GAVE_UP, orderId, channel, LOST);
}
