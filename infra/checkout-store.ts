import { NOT_COUNTED, type OrderStatus } from '../domain/order-status.js';
import type { Identities } from '../domain/identity.js';
import type { PriceBreakdown } from '../domain/pricing.js';
import type { RuleSettings } from '../domain/rules.js';
import { durationMs } from './config.js';
import type { Db } from './db.js';
import type { EffectiveRules } from './rules-store.js';
import { ORDER_CHANNEL } from './order-notices.js';
import { PG_CODES, pgErrorCode, run, statement } from './sql.js';

/** The payment hold of an order: opened at checkout, closed by expiry or cancellation (or paid). */

export type PlaceOrderResult =
  /** `paymentId`: a partner's order is paid as it is placed (null for retail). */
  | { outcome: 'created'; orderId: string; status: OrderStatus; amountCents: number; currency: string; expiresAt: string; paymentId: number | null; heldKeys: number }
  /** A retried Idempotency-Key (or a partner's external order id): the order it made first, and the address that made it. */
  | {
    outcome: 'existing'; orderId: string; status: OrderStatus; amountCents: number; currency: string; expiresAt: string; buyerIp: string | null; paymentId: number | null;
    quantity: number; priceBreakdown: PriceBreakdown | null;
  }
  | { outcome: 'idempotency_key_reused' | 'product_not_found' | 'channel_disabled' | 'stale_price' | 'payment_reference_reused' }
  | { outcome: 'insufficient_balance'; balance: number }
  | { outcome: 'stale_rules'; productId: string }
  | { outcome: 'limit_exceeded'; bought: number }
  | { outcome: 'too_many_unpaid'; unpaid: number; perAddress: boolean }
  | { outcome: 'hold_too_large'; allowed: number }
  | { outcome: 'out_of_stock'; available: number }
  /** The coupon's uses ran out (overall, or for this buyer), or by the database's clock it is not valid now. */
  | { outcome: 'coupon_used_up'; byBuyer: boolean }
  | { outcome: 'coupon_expired' };

export interface PlaceOrderRequest {
  orderId: string;
  sku: string;
  quantity: number;
  email: string;
  identities: Identities;
  /** Whose key space an Idempotency-Key lives in (`public` for anonymous buyers, a channel's id for its calls). */
  idempotencyScope: string;
  /** sha256 of the Idempotency-Key: the key itself is never stored. */
  idempotencyKeyHash?: string;
  requestHash: string;
  /** The gateway chosen at checkout (its first attempt opens with the order), or null while the buyer has still to pick. */
  provider: string | null;
  /** A partner channel's order (absent for retail). */
  partner?: PartnerTerms;
  /** The product's own checkout fields, already validated against its schema (stored as given). */
  buyerInput?: Record<string, unknown>;
  /** Hash of the query password the buyer chose for finding the order again (never the password). */
  lookupSecret?: string;
  /** How the order was priced (api/checkout/pricing.ts priceCheckout); absent: not checked, list price × quantity. */
  pricing?: PricingTerms;
}

/**
 * What an order's price was computed from, checked in checkout's statement (a mismatch is
 * `stale_price`: priced again), and the price itself when a promotion was in force.
 */
export interface PricingTerms {
  /** The product's `pricing_version` (list price, cost, sales, tiers). */
  version: number;
  /** The price when it is not the list price × quantity: stored as the order's breakdown, charged as its amount. */
  price?: PriceBreakdown;
  /** With a promotion in force: the stacking policy's version, the sales applied, and the coupon whose use is reserved. */
  policyVersion?: number;
  saleIds?: number[];
  coupon?: { id: number; version: number; discountMinor: number };
}

/** What a partner's order adds to checkout (see kami_place_order's partner path). */
export interface PartnerTerms {
  channelId: string;
  externalOrderId: string;
  /** The key id that signed the request (recorded as who confirmed the payment). */
  keyId: string;
  /** The price as domain/pricing.ts computed it from the product's list price. */
  price: PriceBreakdown;
  /** `partner` (self-confirmed) orders carry the partner's own payment reference. */
  paymentReference?: string;
  split: boolean;
  emailKeys: boolean;
}

/** How long and how much one buyer may hold (infra/config.ts `holds`). */
export interface HoldPolicy {
  holdMs: number;
  scarceHoldMs: number;
  scarceStock: number;
  maxUnpaidPerAddress: number;
  maxUnpaidPerBuyer: number;
  maxHoldSharePercent: number;
  holdShareFloor: number;
}

const PLACE = statement<{ r: PlaceOrderResult }, [request: unknown]>('kami_place_order', 'SELECT kami_place_order($1) AS r');

/** Checkout in one round trip (SQL function kami_place_order, see its migration), against the caller's cached rules. */
export async function placeOrder(db: Db, o: PlaceOrderRequest, productId: string, rules: EffectiveRules, holds: HoldPolicy): Promise<PlaceOrderResult> {
  const s: RuleSettings = rules.settings;
  const request = {
    orderId: o.orderId, sku: o.sku, quantity: o.quantity, email: o.email, emailNormalized: o.identities.email,
    phone: o.identities.phone ?? null, deviceId: o.identities.device ?? null, ip: o.identities.ip ?? null,
    idempotencyScope: o.idempotencyScope, idempotencyKey: o.idempotencyKeyHash ?? null, requestHash: o.requestHash, provider: o.provider,
    productId, globalRulesVersion: rules.version.global, productRulesVersion: rules.version.product,
    limit: s.purchaseLimit, limitWindowMs: durationMs(s.purchaseLimitWindow), limitBy: o.identities.email ? s.purchaseLimitBy : s.purchaseLimitBy.filter((k) => k !== 'email'), notCounted: NOT_COUNTED,
    ...holds,
    ...(o.pricing ? pricingFields(o.pricing) : {}),
    ...(o.partner ? partnerFields(o.partner, rules) : {}),
    ...(o.buyerInput ? { buyerInput: o.buyerInput } : {}),
    ...(o.lookupSecret ? { lookupSecret: o.lookupSecret } : {}),
  };
  try {
    const [row] = await run(db, PLACE, request);
    return row!.r;
  } catch (err) {
    const detail = Number((err as { detail?: string }).detail ?? 0);
    if (pgErrorCode(err) === PG_CODES.outOfStock) return { outcome: 'out_of_stock', available: detail };
    if (pgErrorCode(err) === PG_CODES.insufficientBalance) return { outcome: 'insufficient_balance', balance: detail };
    if (pgErrorCode(err) === PG_CODES.uniqueViolation && (err as { constraint?: string }).constraint === 'payment_provider_txn_id_key') {
      return { outcome: 'payment_reference_reused' };
    }
    throw err;
  }
}

/** The pricing fields of kami_place_order's argument (a routine retail order sends only the version). */
const pricingFields = (t: PricingTerms) => ({
  pricingVersion: t.version,
  ...(t.price ? { unitPriceMinor: t.price.unitMinor, amountMinor: t.price.totalMinor, priceBreakdown: t.price } : {}),
  ...(t.policyVersion !== undefined ? { policyVersion: t.policyVersion } : {}),
  ...(t.saleIds?.length ? { saleIds: t.saleIds } : {}),
  ...(t.coupon ? { coupon: t.coupon } : {}),
});

/** The partner path's fields of kami_place_order's argument (a retail request carries none of them). */
const partnerFields = (t: PartnerTerms, rules: EffectiveRules) => ({
  channelId: t.channelId, externalOrderId: t.externalOrderId, keyId: t.keyId, channelRulesVersion: rules.version.channel ?? 0,
  listPriceMinor: t.price.list.unitMinor, currency: t.price.currency, unitPriceMinor: t.price.unitMinor, amountMinor: t.price.totalMinor,
  priceBreakdown: t.price, paymentReference: t.paymentReference ?? null, split: t.split, emailKeys: t.emailKeys,
  countInChannel: rules.countIn === t.channelId,
});

/**
 * Closes an unpaid order as expired or cancelled, as a compare-and-set a recorded payment wins: the
 * order must still await payment and have no stored payment waiting to be applied. Its held keys
 * return to stock and its payment attempts close in the same statement (the reconciliation sweep
 * still asks their gateways for 72 h). Answers with the payment to settle instead, if one waits.
 */
const CLOSE_UNPAID = statement<{ closed: number; pending_payment_id: number | null; status: OrderStatus }, [orderId: string, outcome: string, by: string]>(
  'kami_close_unpaid', `
WITH o AS (
  UPDATE "order" SET status = $2, closed_at = now(), updated_at = now()
  WHERE id = $1 AND status = 'awaiting_payment' AND NOT EXISTS (SELECT 1 FROM payment WHERE order_id = $1 AND applied_at IS NULL)
  RETURNING id),
released AS (
  UPDATE card_key SET status = 'available', order_id = NULL, reserved_until = NULL
  WHERE order_id = $1 AND status = 'reserved' AND EXISTS (SELECT 1 FROM o) RETURNING id),
attempts AS (
  UPDATE payment_attempt SET status = 'closed', updated_at = now() WHERE order_id = $1 AND status IN ('open', 'creating') AND EXISTS (SELECT 1 FROM o)),
event AS (
  INSERT INTO order_event (order_id, type, data)
  SELECT $1, $2, jsonb_build_object('releasedKeys', (SELECT count(*) FROM released), 'by', $3::text) FROM o
  ON CONFLICT DO NOTHING),
woken AS (SELECT pg_notify('${ORDER_CHANNEL}', $1) FROM o)
SELECT (SELECT count(*) FROM o)::int AS closed, (SELECT count(*) FROM woken) AS woken,
  (SELECT min(id) FROM payment WHERE order_id = $1 AND applied_at IS NULL) AS pending_payment_id,
  (SELECT status FROM "order" WHERE id = $1) AS status`);

export async function closeUnpaid(db: Db, orderId: string, outcome: 'expired' | 'cancelled', by: string) {
  const [row] = await run(db, CLOSE_UNPAID, orderId, outcome, by);
  if (!row || row.status === null) throw new Error(`order ${orderId} does not exist`);
  return row.closed ? { closed: true, status: outcome as OrderStatus, pendingPaymentId: null } : { closed: false, status: row.status, pendingPaymentId: row.pending_payment_id };
}
