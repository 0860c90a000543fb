import type { z } from 'zod';
import { formatMinor } from '../../domain/money.js';
import { priceOrder, type PriceBreakdown } from '../../domain/pricing.js';
import { KEYS_READABLE, type OrderStatus } from '../../domain/order-status.js';
import { buyerFieldsOf, labelledInput, splitPair, type KeyFormat } from '../../domain/product-types.js';
import type { Db } from '../../infra/db.js';
import { run, statement } from '../../infra/sql.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { OrderOut } from './schemas.js';

type BuyerOrder = z.infer<typeof OrderOut>;

/** The buyer's bearer token must open this very order: 401 without one, 403 for another order's. */
export function authorizeBuyer(vault: Pick<ApiDeps['vault'], 'verifyOrderAccessToken'>, orderId: string, token: string | undefined) {
  if (!token) throw new ApiError(401, 'missing_token', 'send the order\'s accessToken as "Authorization: Bearer <token>"');
  if (!vault.verifyOrderAccessToken(orderId, token)) throw new ApiError(403, 'invalid_token', 'this access token does not open this order');
}

interface Row {
  id: string; status: OrderStatus; quantity: number; amount_cents: number; unit_price_cents: number; price_breakdown: PriceBreakdown | null; currency: string; created_at: Date; expires_at: Date;
  paid_at: Date | null; delivered_at: Date | null; product_id: string; sku: string; name: string; guide: string;
  key_format: KeyFormat; buyer_fields: unknown; buyer_input: unknown;
  email_status: string | null; email_attempts: number | null; keys: string[];
  rating: number | null; comment: string | null; feedback_at: Date | null; feedback_updated_at: Date | null;
}

/** The order, its product, its first email, its sold keys (ciphertext) and the buyer's feedback, in one statement. */
const READ = statement<Row, [orderId: string]>('kami_buyer_order', `
SELECT o.id, o.status, o.quantity, o.amount_cents, o.unit_price_cents, o.price_breakdown, o.currency, o.created_at, o.expires_at, o.paid_at, o.delivered_at,
  p.id AS product_id, p.sku, p.name, p.guide, p.key_format, p.buyer_fields, o.buyer_input, d.status AS email_status, d.attempts AS email_attempts,
  f.rating, f.comment, f.created_at AS feedback_at, f.updated_at AS feedback_updated_at,
  ARRAY(SELECT encode(ciphertext, 'base64') FROM card_key WHERE order_id = o.id AND status = 'sold' ORDER BY id) AS keys
FROM "order" o JOIN product p ON p.id = o.product_id
LEFT JOIN delivery d ON d.order_id = o.id AND d.channel = 'email'
LEFT JOIN order_feedback f ON f.order_id = o.id
WHERE o.id = $1`);

async function read(deps: { db: Db; vault: ApiDeps['vault'] }, orderId: string): Promise<BuyerOrder> {
  const [o] = await run(deps.db, READ, orderId);
  if (!o) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  // sold keys are the buyer's whatever the order does next (e.g. while a report on one is reviewed)
  const keys = o.keys.map((k) => deps.vault.decrypt(Buffer.from(k, 'base64'), o.product_id));
  const readable = keys.length > 0 || KEYS_READABLE.includes(o.status);
  return {
    orderId: o.id,
    status: o.status,
    sku: o.sku,
    productName: o.name,
    quantity: o.quantity,
    amountDue: formatMinor(o.amount_cents, o.currency),
    amountDueCents: o.amount_cents,
    // an order without a breakdown was charged its list price × quantity
    price: o.price_breakdown ?? priceOrder({ listUnitMinor: Number(o.unit_price_cents), currency: o.currency, quantity: o.quantity }),
    currency: o.currency,
    createdAt: o.created_at.toISOString(),
    expiresAt: o.expires_at.toISOString(),
    paidAt: o.paid_at?.toISOString() ?? null,
    deliveredAt: o.delivered_at?.toISOString() ?? null,
    keys,
    keyFormat: o.key_format,
    cards: o.key_format === 'pair' ? keys.map(splitPair) : [],
    buyerInput: labelledInput(buyerFieldsOf(o.buyer_fields), o.buyer_input),
    email: o.email_status ? { status: o.email_status, attempts: o.email_attempts! } : null,
    guide: readable ? o.guide : '',
    feedback: o.rating === null ? null
      : { rating: o.rating, comment: o.comment!, createdAt: o.feedback_at!.toISOString(), updatedAt: o.feedback_updated_at!.toISOString() },
  };
}

/** The buyer's view of an order, keys included once readable. Checks the order's access token first. */
export async function readBuyerOrder(deps: Pick<ApiDeps, 'db' | 'vault'>, orderId: string, token: string | undefined): Promise<BuyerOrder> {
  authorizeBuyer(deps.vault, orderId, token);
  return read(deps, orderId);
}

/** Still on its way to the buyer: waiting for the payment to arrive or be settled. */
export const IN_FLIGHT: readonly OrderStatus[] = ['awaiting_payment', 'paid'];

/** Whether a long poll keeps waiting: no key readable yet and the order still on its way. */
export const stillOnItsWay = (o: { keys: unknown[]; status: OrderStatus }) => o.keys.length === 0 && IN_FLIGHT.includes(o.status);

/**
 * Long poll of one order: reads it, and reads it again at each of its NOTIFYs (no polling) while
 * `waiting` says so, at most `waitMs`. The listener is registered before the first read, so no change
 * slips between the read and the wait.
 */
export async function readWhenReady<T>(notices: ApiDeps['notices'], orderId: string, read: () => Promise<T>, waiting: (order: T) => boolean,
  waitMs: number, signal: AbortSignal): Promise<T> {
  const deadline = Date.now() + waitMs;
  const waiter = await notices.waitFor(orderId);
  try {
    let order = await read();
    while (waiting(order) && !signal.aborted && Date.now() < deadline) {
      if (!(await waiter.next(deadline - Date.now(), signal))) break;
      order = await read();
    }
    return order;
  } finally {
    waiter.close();
  }
}

/**
 * Long poll: answers as soon as the keys are readable or the order settles otherwise (review,
 * backorder, expiry…), at the latest after `waitMs`.
 */
export async function readBuyerOrderWhenReady(deps: Pick<ApiDeps, 'db' | 'vault' | 'notices'>, orderId: string, token: string | undefined,
  waitMs: number, signal: AbortSignal): Promise<BuyerOrder> {
  authorizeBuyer(deps.vault, orderId, token);
  return readWhenReady(deps.notices, orderId, () => read(deps, orderId), stillOnItsWay, waitMs, signal);
}
