import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { PROVIDER_OF_MODE } from '../../domain/channels.js';
import { normalizeEmail, normalizePhone } from '../../domain/identity.js';
import { DEFAULT_RULES, type RuleSettings } from '../../domain/rules.js';
import { placeOrder as placeOrderSql, type PlaceOrderRequest, type PlaceOrderResult } from '../../infra/checkout-store.js';
import { newOrderId } from '../../infra/ids.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { buyerInputFor, oneSharedKeyPerOrder, refusal } from '../checkout/place-order.js';
import { couponRefusedAtCheckout, priceCheckout, type CheckoutPrice } from '../checkout/pricing.js';
import type { Partner } from './auth.js';
import type { PartnerOrderBody } from './schemas.js';

type Body = z.infer<typeof PartnerOrderBody>;

/** Tries of a checkout whose rules or list price changed under it (an owner saving meanwhile). */
const TRIES = 3;

export interface PlacedPartnerOrder { orderId: string; created: boolean }

const requestHash = (body: Body) => createHash('sha256').update(JSON.stringify([
  body.sku, body.quantity, body.email?.toLowerCase() ?? null, body.phone ?? null, body.deviceId ?? null, body.paymentReference ?? null, body.emailKeys ?? null,
  // only when given, so the hash of an order without one stays what it was
  ...(body.coupon === undefined ? [] : [body.coupon.toLowerCase()]),
  ...(body.buyerInput === undefined ? [] : [body.buyerInput]),
])).digest('hex');

/**
 * Without a buyer's email the order is addressed to the channel (shown as this address) and carries
 * no buyer identity: the rules that count a buyer's orders (velocity, duplicates, purchase limits,
 * first-order amount) have nobody to count, so they do not apply; the channel answers for its buyers,
 * within its rate limit and its rule layer (bulk thresholds, amounts).
 */
const NO_IDENTITY = '';
const channelAsBuyer = (channelId: string) => `orders@${channelId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.channel.invalid`;

/**
 * A partner's order: priced by domain/pricing.ts (list price → the channel's tier, sales and a coupon
 * as the stacking policy allows; api/checkout/pricing.ts), then placed in
 * one statement that also pays it (balance debit or the partner's reference) atomically with its
 * stock hold, then its run is woken with that payment (Signal-With-Start), which settles it like any
 * payment. A retry with the same external order id finds the order and places nothing; the run is
 * woken again only while the order still awaits its payment (a process that died between the two).
 */
export async function placePartnerOrder(deps: ApiDeps, partner: Partner, body: Body): Promise<PlacedPartnerOrder> {
  const { db, config, rules, runs } = deps;
  const { settings, channelId } = partner;
  if (body.quantity > settings.maxQuantity) {
    throw new ApiError(400, 'invalid_request', `this channel orders at most ${settings.maxQuantity} keys at once`, { quantity: `must be at most ${settings.maxQuantity}` });
  }
  const provider = PROVIDER_OF_MODE[settings.paymentMode];
  if (provider === 'partner' && !body.paymentReference) {
    throw new ApiError(400, 'invalid_request', 'this channel confirms its own payments: send the payment\'s reference as paymentReference', { paymentReference: 'required' });
  }
  if (provider === 'balance' && body.paymentReference) {
    throw new ApiError(400, 'invalid_request', 'this channel pays from its balance: leave paymentReference out', { paymentReference: 'not taken by a balance channel' });
  }
  const emailKeys = body.emailKeys ?? settings.emailKeys;
  if (emailKeys && !body.email) throw new ApiError(400, 'invalid_request', 'to email the keys, give the buyer\'s email', { email: 'required with emailKeys' });
  const email = body.email ?? channelAsBuyer(channelId);
  const request: PlaceOrderRequest = {
    orderId: newOrderId(), sku: body.sku, quantity: body.quantity, email,
    identities: { email: body.email ? normalizeEmail(body.email) : NO_IDENTITY, phone: body.phone ? normalizePhone(body.phone, config.KAMI_DEFAULT_PHONE_REGION) : undefined, device: body.deviceId },
    idempotencyScope: channelId, requestHash: requestHash(body), provider,
  };

  let result: PlaceOrderResult | undefined;
  let priced: CheckoutPrice | undefined;
  let placed: { productId: string; settings: RuleSettings } | undefined;
  for (let i = 0; i < TRIES && (!result || result.outcome === 'stale_rules' || result.outcome === 'stale_price'); i++) {
    if (result) {
      rules.forget(placed!.productId, body.sku);
      deps.pricing.forget(placed!.productId);
    }
    const product = await rules.forSku(body.sku, channelId);
    if (!product) throw refusal({ outcome: 'product_not_found' }, body, DEFAULT_RULES);
    oneSharedKeyPerOrder(product, body.quantity);
    const buyerInput = buyerInputFor(product.buyerFields, body.buyerInput);
    const listing = await db.product.findUnique({
      where: { id: product.productId },
      select: { currency: true, deliveryMode: true, channelPrices: { where: { channelId }, select: { minQuantity: true, unitPriceMinor: true, currency: true } } },
    });
    if (!listing) throw refusal({ outcome: 'product_not_found' }, body, product.settings);
    const tiers = listing.channelPrices.filter((t) => t.currency === listing.currency).map((t) => ({ minQuantity: t.minQuantity, unitPriceMinor: Number(t.unitPriceMinor) }));
    priced = await priceCheckout(deps, { productId: product.productId, sku: body.sku, quantity: body.quantity, channelId, tiers, coupon: body.coupon });
    placed = { productId: product.productId, settings: product.settings };
    result = await placeOrderSql(db, {
      ...request, buyerInput,
      // the partner path stores the price itself (always: a partner reads its breakdown)
      pricing: { ...priced.terms, price: undefined },
      partner: {
        channelId, externalOrderId: body.externalOrderId, keyId: partner.keyId, price: priced.price, paymentReference: body.paymentReference, emailKeys,
        split: settings.allowSplit && listing.deliveryMode !== 'manual',
      },
    }, product.productId, product, config.holds);
  }
  const price = priced?.price;
  if (result!.outcome === 'idempotency_key_reused') {
    throw new ApiError(409, 'external_order_id_reused', `externalOrderId "${body.externalOrderId}" placed a different order; use a new id for a new order`);
  }
  if (result!.outcome === 'coupon_used_up' || result!.outcome === 'coupon_expired') throw couponRefusedAtCheckout(priced?.coupon, result!);
  if (result!.outcome !== 'created' && result!.outcome !== 'existing') throw refusal(result!, { ...body, price }, placed!.settings);
  const r = result!;
  if (r.outcome === 'created' || (r.status === 'awaiting_payment' && r.paymentId !== null)) {
    await runs.paymentRecorded({ id: r.orderId, productId: placed!.productId, sku: body.sku, expiresAt: new Date(r.expiresAt) }, {
      paymentId: r.paymentId!, provider, txnId: provider === 'balance' ? r.orderId : `${channelId}:${body.paymentReference}`,
      amountCents: r.amountCents, currency: r.currency,
    });
  }
  return { orderId: r.orderId, created: r.outcome === 'created' };
}
