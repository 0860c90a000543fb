import { NOT_COUNTED, type OrderStatus } from '../domain/order-status.js';
import type { RuleSettings } from '../domain/rules.js';
import { durationMs } from './config.js';
import type { Db } from './db.js';
import { ORDER_CHANNEL } from './order-notices.js';
import { run, statement } from './sql.js';

/** One paid order as the settle step sees it: the order, the payment it names, the buyer's history. */
export interface SettleFacts {
  status: OrderStatus;
  product_id: string;
  quantity: number;
  amount_cents: number;
  currency: string;
  payment_id: number | null;
  rule_decision: { action?: 'deliver' | 'review' | 'reject'; reasons?: unknown[] } | null;
  global_rules_version: number;
  product_rules_version: number;
  /** The order's channel, its layer's version (0 for retail) and the delivery terms it was placed with. */
  channel_id: string;
  channel_rules_version: number;
  split_delivery: boolean;
  email_keys: boolean;
  /** The buyer is texted too: a retail order with a phone, for a product with SMS delivery on. */
  sms: boolean;
  /** A device-bound product delivered from stock: its first delivery binds the device (infra/device-binding.ts). */
  device: boolean;
  pay_order_id: string | null;
  pay_provider: string | null;
  pay_txn_id: string | null;
  pay_amount_cents: number | null;
  pay_currency: string | null;
  pay_account: string | null;
  pay_received_at: Date | null;
  pay_applied_at: Date | null;
  quantity_due: number;
  held_key_ids: number[];
  sold_key_ids: number[];
  /** The order names a buyer (an email, phone or device); a partner's order without one does not. */
  identified: boolean;
  prior: number;
  recent: number;
  unpaid: number;
  dup: number;
  bought: number;
  from_ip: number;
  blacklist: string[];
}

const ms = `::float8 * interval '1 millisecond'`;

/**
 * Everything the rules and the settle step need, in one statement: the order, the named payment,
 * the held and sold keys, the rule-settings versions, and the buyer's history. The history is the
 * union of one index lookup per identity the order carries (email, phone, device, payment account,
 * and the IP when a purchase limit counts it), each row tagged with whether it is the same *person*
 * (velocity, first order, duplicates) and whether the purchase limit counts it.
 */
const FACTS = statement<SettleFacts, [orderId: string, paymentId: number, velocityMs: number, duplicateMs: number, limitMs: number,
  limitBy: string[], notCounted: readonly string[], perIpCounted: boolean, countIn: string | null]>('kami_settle_facts', `
SELECT o.status, o.product_id, o.quantity, o.amount_cents, o.currency, o.payment_id, o.rule_decision,
  COALESCE((SELECT version FROM rule_settings WHERE id = 'global'), 0) AS global_rules_version,
  pr.rules_version AS product_rules_version,
  o.channel_id, o.split_delivery, o.email_keys,
  (pr.sms_enabled AND o.phone IS NOT NULL AND o.channel_id = 'retail') AS sms,
  (pr.device_bound AND pr.delivery_mode <> 'manual') AS device,
  CASE WHEN o.channel_id = 'retail' THEN 0 ELSE (SELECT rules_version FROM channel WHERE id = o.channel_id) END AS channel_rules_version,
  pay.order_id AS pay_order_id, pay.provider AS pay_provider, pay.txn_id AS pay_txn_id, pay.amount_cents AS pay_amount_cents,
  pay.currency AS pay_currency, pay.account AS pay_account, pay.received_at AS pay_received_at, pay.applied_at AS pay_applied_at,
  COALESCE(o.approved_quantity, o.quantity) AS quantity_due,
  ARRAY(SELECT id FROM card_key WHERE order_id = o.id AND status = 'reserved' ORDER BY id) AS held_key_ids,
  ARRAY(SELECT id FROM card_key WHERE order_id = o.id AND status = 'sold' ORDER BY id) AS sold_key_ids,
  (o.email_normalized <> '' OR o.phone IS NOT NULL OR o.device_id IS NOT NULL) AS identified,
  f.prior, f.recent, f.unpaid, f.dup, f.bought,
  CASE WHEN $8 AND o.buyer_ip IS NOT NULL THEN (SELECT count(*) FROM "order" x
    WHERE x.buyer_ip = o.buyer_ip AND x.created_at > now() - $3${ms} AND ($9::text IS NULL OR x.channel_id = $9)) ELSE 0 END::int AS from_ip,
  ARRAY(SELECT b.kind || ' ' || b.value FROM blacklist_entry b WHERE (b.kind, b.value) IN (
    ('email', o.email_normalized), ('phone', o.phone), ('ip', o.buyer_ip), ('device', o.device_id),
    ('payment_account', COALESCE(pay.account, o.payment_account)))) AS blacklist
FROM "order" o
JOIN product pr ON pr.id = o.product_id
LEFT JOIN payment pay ON pay.id = $2
LEFT JOIN LATERAL (
  SELECT
    count(*) FILTER (WHERE h.person AND h.paid_at IS NOT NULL AND h.created_at < o.created_at)::int AS prior,
    count(*) FILTER (WHERE h.person AND h.created_at > now() - $3${ms} AND h.counted)::int AS recent,
    count(*) FILTER (WHERE h.person AND h.created_at > now() - $3${ms} AND h.counted AND h.status IN ('expired', 'cancelled'))::int AS unpaid,
    count(*) FILTER (WHERE h.id <> o.id AND h.product_id = o.product_id AND h.quantity = o.quantity
      AND o.email_normalized <> '' AND h.email_normalized = o.email_normalized AND h.paid_at > now() - $4${ms} AND h.status <> ALL($7))::int AS dup,
    COALESCE(SUM(COALESCE(h.approved_quantity, h.quantity)) FILTER (WHERE h.limited AND h.counted AND h.id <> o.id AND h.product_id = o.product_id
      AND h.created_at > now() - $5${ms} AND h.status <> ALL($7)), 0)::int AS bought
  FROM (
    SELECT x.id, x.product_id, x.quantity, x.approved_quantity, x.status, x.created_at, x.paid_at, x.email_normalized,
      ($9::text IS NULL OR x.channel_id = $9) AS counted, bool_or(m.person) AS person, bool_or(m.limited) AS limited
    FROM (
      -- '' is no identity (a partner's order without a buyer): nobody to count
      SELECT id, true AS person, 'email' = ANY($6) AS limited FROM "order" WHERE o.email_normalized <> '' AND email_normalized = o.email_normalized
      UNION ALL SELECT id, true, 'phone' = ANY($6) FROM "order" WHERE o.phone IS NOT NULL AND phone = o.phone
      UNION ALL SELECT id, true, 'device' = ANY($6) FROM "order" WHERE o.device_id IS NOT NULL AND device_id = o.device_id
      UNION ALL SELECT id, true, 'payment_account' = ANY($6) FROM "order"
        WHERE COALESCE(pay.account, o.payment_account) IS NOT NULL AND payment_account = COALESCE(pay.account, o.payment_account)
      UNION ALL SELECT id, false, true FROM "order" WHERE 'ip' = ANY($6) AND o.buyer_ip IS NOT NULL AND buyer_ip = o.buyer_ip
    ) m JOIN "order" x ON x.id = m.id
    GROUP BY x.id
  ) h
) f ON true
WHERE o.id = $1`);

/** `countIn`: a partner channel whose limits and velocity count its own orders only (null: every order counts). */
export async function settleFacts(db: Db, orderId: string, paymentId: number, s: RuleSettings, countIn: string | null = null): Promise<SettleFacts | undefined> {
  const [row] = await run(db, FACTS, orderId, paymentId, durationMs(s.velocityWindow), durationMs(s.duplicateWindow),
    durationMs(s.purchaseLimitWindow), s.purchaseLimit === null ? [] : s.purchaseLimitBy, NOT_COUNTED, s.velocityMaxOrdersPerIp !== null, countIn);
  return row;
}

/**
 * Applies a verified payment to its order in one statement, as a compare-and-set: the order must
 * still be in one of `from` and unpaid, the payment must be this order's and not yet applied, and
 * to deliver, the order must hold exactly `held` reserved keys and the payment must match its amount
 * and currency. Then the payment is applied, the held keys are sold (to deliver), the events are
 * appended in order and buyers waiting on the order page are woken (NOTIFY). `won` 0 means the
 * order moved on meanwhile: read the facts again.
 */
const SETTLE = statement<{ won: number; key_ids: number[] }, [orderId: string, paymentId: number, status: OrderStatus, from: OrderStatus[],
  held: number, account: string | null, decision: unknown, eventTypes: string[], eventData: unknown[]]>('kami_settle', `
WITH o AS (
  UPDATE "order" SET status = $3, paid_at = COALESCE(paid_at, p.received_at), payment_id = $2,
    delivered_at = CASE WHEN $3 = 'delivering' THEN now() ELSE delivered_at END,
    payment_account = COALESCE("order".payment_account, $6), rule_decision = $7, updated_at = now()
  FROM payment p
  WHERE "order".id = $1 AND "order".status = ANY($4) AND "order".payment_id IS NULL
    AND p.id = $2 AND p.order_id = $1 AND p.applied_at IS NULL
    AND ($3 <> 'delivering' OR (p.amount_cents = "order".amount_cents AND p.currency = "order".currency
      AND (SELECT count(*) FROM card_key WHERE order_id = $1 AND status = 'reserved') = $5))
  RETURNING "order".id),
applied AS (UPDATE payment SET applied_at = now() WHERE id = $2 AND EXISTS (SELECT 1 FROM o) RETURNING id),
sold AS (
  UPDATE card_key SET status = 'sold', sold_at = now(), reserved_until = NULL
  WHERE order_id = $1 AND status = 'reserved' AND $3 = 'delivering' AND EXISTS (SELECT 1 FROM o) RETURNING id),
events AS (
  INSERT INTO order_event (order_id, type, data)
  SELECT $1, e.type, e.data FROM o, unnest($8::text[], $9::jsonb[]) WITH ORDINALITY AS e(type, data, n) ORDER BY e.n
  ON CONFLICT DO NOTHING RETURNING 1),
woken AS (SELECT pg_notify('${ORDER_CHANNEL}', $1) FROM o WHERE $3 = 'delivering')
SELECT (SELECT count(*) FROM o)::int AS won, ARRAY(SELECT id FROM sold ORDER BY id) AS key_ids, (SELECT count(*) FROM woken) AS woken`);

export async function settle(db: Db, orderId: string, paymentId: number, status: 'delivering' | 'paid', from: OrderStatus[], held: number,
  account: string | null, decision: unknown, events: [type: string, data: Record<string, unknown>][]) {
  const [row] = await run(db, SETTLE, orderId, paymentId, status, from, held, account, decision,
    events.map(([t]) => t), events.map(([, d]) => d));
  return { won: row!.won === 1, keyIds: row!.key_ids };
}
