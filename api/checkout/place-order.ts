import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { normalizeEmail, normalizePhone, type Identities } from '../../domain/identity.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { formatMinor } from '../../domain/money.js';
import { RETAIL_CHANNEL } from '../../domain/channels.js';
import { priceOrder, type PriceBreakdown } from '../../domain/pricing.js';
import { DEFAULT_RULES, type RuleSettings } from '../../domain/rules.js';
import { checkBuyerInput, type BuyerField } from '../../domain/product-types.js';
import { DEVICE_FIELD } from '../../domain/device-binding.js';
import { placeOrder as placeOrderSql, type PlaceOrderResult } from '../../infra/checkout-store.js';
import { sha256Hex } from '../../infra/crypto.js';
import { newOrderId } from '../../infra/ids.js';
import type { CachedProduct } from '../../infra/rules-cache.js';
import { hashPassword } from '../../infra/operators.js';
import { openAttempt, type AttemptView } from '../../infra/payments/attempts.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { couponRefusedAtCheckout, priceCheckout } from './pricing.js';
import type { CreateOrderBody, OrderCreated, OrderReplayed } from './schemas.js';

type Body = z.infer<typeof CreateOrderBody>;

/** The Idempotency-Key space of anonymous buyers (a channel's calls get their own, by channel). */
const PUBLIC_SCOPE = 'public';
export interface PlacedOrder {
  id: string; status: OrderStatus; amountCents: number; currency: string; expiresAt: Date;
  /** How its amount was reached: the list price, each promotion applied, the total. */
  price: PriceBreakdown;
  /**
   * A replay of the key from another address than the one that placed the order: the caller gets
   * the order's id and status, never its access token (which opens the keys). A retry from the
   * same address gets the whole answer again.
   */
  foreignReplay: boolean;
}

// the query password stays out: a fast hash of it next to the order would undo its slow one
const requestHash = (body: Body) =>
  createHash('sha256').update(JSON.stringify([body.sku, body.quantity, body.email.toLowerCase(), body.phone ?? null, body.deviceId ?? null, body.provider ?? null,
    // only when given, so the hash of an order without one stays what it was
    ...(body.coupon === undefined ? [] : [body.coupon.toLowerCase()]),
    ...(body.buyerInput === undefined ? [] : [body.buyerInput])])).digest('hex');

/**
 * The buyer's values for the product's own fields, checked by the schema domain/product-types.ts
 * builds from its declaration: 400 invalid_buyer_input with each field's problem, nothing placed.
 */
/** A shared ("loop") key goes once to each buyer: its product sells one per order (400 on quantity, nothing placed). */
export function oneSharedKeyPerOrder(product: { keyUses: number; buyerFields?: readonly BuyerField[] }, quantity: number) {
  if (product.keyUses > 1 && quantity > 1) {
    throw new ApiError(400, 'invalid_request', 'this product\'s keys are shared by several buyers: order one at a time', { quantity: 'must be 1 for a shared key' });
  }
  // a device-bound product: one code per device, so one per order
  if (quantity > 1 && product.buyerFields?.some((f) => f.name === DEVICE_FIELD)) {
    throw new ApiError(400, 'invalid_request', 'this product is activated for one device: order one at a time', { quantity: 'must be 1 for a device-bound product' });
  }
}

export function buyerInputFor(fields: readonly BuyerField[], input: Record<string, unknown> | undefined): Record<string, string | number> | undefined {
  const r = checkBuyerInput(fields, input);
  if (!r.ok) throw new ApiError(400, 'invalid_buyer_input', 'this product needs other details from the buyer; see details for each field', r.details);
  return Object.keys(r.value).length ? r.value : undefined;
}

/** Tries of a checkout whose rules or price changed under it (an owner saving meanwhile). */
const TRIES = 3;

/**
 * Checkout: one SQL round trip creates the order and holds its keys (or finds the order a retried
 * Idempotency-Key made), against the process's cached rule settings; then the order's run is
 * started with a start delay that ends with the hold. If the process died between the two, the
 * retry (or the worker's sweep) starts the run.
 */
export async function placeOrder(deps: ApiDeps, body: Body, idempotencyKey: string | undefined, buyerIp: string | undefined, provider: string | null): Promise<PlacedOrder> {
  const { db, config, rules, runs } = deps;
  if (body.quantity > config.KAMI_MAX_QUANTITY) {
    throw new ApiError(400, 'invalid_request', `at most ${config.KAMI_MAX_QUANTITY} keys per order`, { quantity: `must be at most ${config.KAMI_MAX_QUANTITY}` });
  }
  const identities: Identities = {
    email: normalizeEmail(body.email), phone: body.phone ? normalizePhone(body.phone, config.KAMI_DEFAULT_PHONE_REGION) : undefined, ip: buyerIp, device: body.deviceId,
  };
  const request = {
    orderId: newOrderId(), sku: body.sku, quantity: body.quantity, email: body.email, identities,
    // anonymous buyers share one key space; the key is kept only as a hash (it opens the order's replay)
    idempotencyScope: PUBLIC_SCOPE, idempotencyKeyHash: idempotencyKey === undefined ? undefined : sha256Hex(idempotencyKey),
    requestHash: requestHash(body), provider,
    // argon2id, like operators' passwords: only a buyer who set one pays for the hash
    lookupSecret: body.queryPassword === undefined ? undefined : await hashPassword(body.queryPassword),
  };

  const notFound = refusal({ outcome: 'product_not_found' }, body, DEFAULT_RULES);
  let product = await rules.forSku(body.sku);
  if (!product) throw notFound;
  await requirePhone(rules, product, body.sku, identities);
  oneSharedKeyPerOrder(product, body.quantity);
  let buyerInput = buyerInputFor(product.buyerFields, body.buyerInput);
  const price = () => priceCheckout(deps, { productId: product!.productId, sku: body.sku, quantity: body.quantity, channelId: RETAIL_CHANNEL, coupon: body.coupon });
  let priced = await price();
  let r: PlaceOrderResult = await placeOrderSql(db, { ...request, buyerInput, pricing: priced.terms }, product.productId, product, config.holds);
  for (let i = 1; i < TRIES && (r.outcome === 'stale_rules' || r.outcome === 'stale_price'); i++) {
    // the panel changed this product, its price or promotions, or the rules (or the SKU moved): reload and try again
    rules.forget(product.productId, body.sku);
    deps.pricing.forget(product.productId);
    product = await rules.forSku(body.sku);
    if (!product) throw notFound;
    await requirePhone(rules, product, body.sku, identities);
    oneSharedKeyPerOrder(product, body.quantity);
    buyerInput = buyerInputFor(product.buyerFields, body.buyerInput);
    priced = await price();
    r = await placeOrderSql(db, { ...request, buyerInput, pricing: priced.terms }, product.productId, product, config.holds);
  }

  if (r.outcome === 'coupon_used_up' || r.outcome === 'coupon_expired') throw couponRefusedAtCheckout(priced.coupon, r);
  if (r.outcome !== 'created' && r.outcome !== 'existing') throw refusal(r, body, product.settings);
  const placed = {
    id: r.orderId, status: r.status, amountCents: r.amountCents, currency: r.currency, expiresAt: new Date(r.expiresAt),
    // a retried key answers with the price its order was placed at
    price: r.outcome === 'created' ? priced.price : r.priceBreakdown ?? priceOrder({ listUnitMinor: r.amountCents / r.quantity, currency: r.currency, quantity: r.quantity }),
    foreignReplay: r.outcome === 'existing' && r.buyerIp !== (buyerIp ?? null),
  };
  if (placed.status === 'awaiting_payment') await runs.start({ id: placed.id, productId: product.productId, sku: body.sku, expiresAt: placed.expiresAt });
  return placed;
}

/**
 * A product that delivers by SMS needs the buyer's phone: refused before anything is written. The
 * cached product may predate its SMS being turned off, so it is read again before refusing.
 */
async function requirePhone(rules: ApiDeps['rules'], product: CachedProduct, sku: string, identities: Identities) {
  if (identities.phone || !product.smsDelivery) return;
  rules.forget(product.productId, sku);
  if ((await rules.forSku(sku))?.smsDelivery) {
    throw new ApiError(400, 'phone_required', 'this product is also delivered by SMS: give the buyer\'s mobile number (phone)',
      { phone: 'required for this product: its delivery is also sent by SMS' });
  }
}

/** The error for a checkout the SQL refused, for retail buyers and partners alike; it changed nothing. */
export function refusal(r: Exclude<PlaceOrderResult, { outcome: 'created' | 'existing' | 'coupon_used_up' | 'coupon_expired' }>, body: { sku: string; quantity: number; price?: PriceBreakdown }, s: RuleSettings): Error {
  switch (r.outcome) {
    case 'product_not_found':
      return new ApiError(404, 'product_not_found', `no product with sku "${body.sku}" is on sale`);
    case 'idempotency_key_reused':
      return new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different order; use a new key for a new order');
    case 'out_of_stock':
      return new ApiError(409, 'out_of_stock', `only ${r.available} of ${body.quantity} keys of "${body.sku}" are available right now`, { available: r.available });
    case 'too_many_unpaid':
      return new ApiError(429, 'too_many_unpaid', r.perAddress
        ? `${r.unpaid} unpaid orders from your address are already holding stock; pay one or let it expire first`
        : `you already have ${r.unpaid} unpaid orders holding stock; pay one or let it expire first`, { unpaid: r.unpaid });
    case 'hold_too_large':
      return new ApiError(409, 'hold_too_large', `one order may hold at most ${r.allowed} keys of "${body.sku}" right now; order fewer`, { allowed: r.allowed });
    case 'limit_exceeded':
      return new ApiError(409, 'limit_exceeded', `this product is limited to ${s.purchaseLimit} per buyer per ${s.purchaseLimitWindow}; you already have ${r.bought}`,
        { limit: s.purchaseLimit, bought: r.bought, window: s.purchaseLimitWindow });
    case 'insufficient_balance': {
      const money = (minor: number) => (body.price ? `${formatMinor(minor, body.price.currency)} ${body.price.currency}` : `${minor} (minor units)`);
      return new ApiError(402, 'insufficient_balance', `the channel's balance is ${money(r.balance)}${body.price ? ` and this order costs ${money(body.price.totalMinor)}` : ''}; ask the shop to top it up (nothing was ordered)`,
        { balanceMinor: r.balance, ...(body.price ? { amountMinor: body.price.totalMinor, currency: body.price.currency } : {}) });
    }
    case 'payment_reference_reused':
      return new ApiError(409, 'payment_reference_reused', 'this payment reference already paid another order of this channel; each order needs its own');
    case 'channel_disabled':
      return new ApiError(403, 'channel_disabled', 'this channel is disabled; the shop has to enable it again');
    case 'stale_rules':
    case 'stale_price':
      return new Error(`the settings or price of ${body.sku} kept changing during checkout`);
  }
}

/**
 * The gateway an order is placed with: the one the buyer named (it must be enabled), the only one
 * enabled, or none yet (several are: the payment page lets the buyer pick).
 */
async function chooseGateway(deps: ApiDeps, named: string | undefined): Promise<string | null> {
  if (named) {
    if (!(await deps.gateways.get(named))) throw new ApiError(400, 'invalid_request', `payment provider "${named}" is not enabled here`, { provider: 'not enabled' });
    return named;
  }
  const enabled = await deps.gateways.enabled();
  if (!enabled.length) throw new ApiError(503, 'payments_unavailable', 'no payment provider is enabled; the shop cannot take orders');
  return enabled.length === 1 ? enabled[0]!.name : null;
}

/**
 * Retail checkout, for the public API and the storefront alike: places the order (placeOrder), opens
 * its payment at the chosen gateway and answers with where to pay and the order's access token — or,
 * for a key replayed from another address, the order without its token.
 */
export async function checkout(deps: ApiDeps, body: Body, idempotencyKey: string | undefined, buyerIp: string | undefined):
  Promise<z.infer<typeof OrderCreated> | z.infer<typeof OrderReplayed>> {
  const { config, vault } = deps;
  const provider = await chooseGateway(deps, body.provider);
  const order = await placeOrder(deps, body, idempotencyKey, buyerIp, provider);
  if (order.foreignReplay) {
    return {
      orderId: order.id, status: order.status, replayed: true,
      message: 'this Idempotency-Key placed an order from another address; its access token goes only to that address (and to the buyer by email)',
    };
  }
  const accessToken = vault.orderAccessToken(order.id);
  const pay = `${config.publicUrl}/${provider === 'sandbox' ? 'sandbox/pay' : 'pay'}/${order.id}?token=${encodeURIComponent(accessToken)}`;
  let payment: AttemptView | undefined;
  if (provider === 'sandbox') {
    // the sandbox needs no call out: its attempt is the one checkout opened
    payment = { provider, status: 'open', url: pay, amount: formatMinor(order.amountCents, order.currency), currency: order.currency, expiresAt: order.expiresAt.toISOString() };
  } else if (provider && order.status === 'awaiting_payment') {
    payment = await openAttempt(deps, order.id, provider, buyerIp);
  }
  return {
    orderId: order.id,
    status: order.status,
    amountDue: formatMinor(order.amountCents, order.currency),
    amountDueCents: order.amountCents,
    currency: order.currency,
    price: order.price,
    expiresAt: order.expiresAt.toISOString(),
    paymentUrl: pay,
    ...(payment ? { payment } : {}),
    orderUrl: `${config.publicUrl}/orders/${order.id}?token=${accessToken}`,
    accessToken,
  };
}
