import { z } from 'zod';
import { RETAIL_CHANNEL } from '../../domain/channels.js';
import type { Identities } from '../../domain/identity.js';
import { PriceError, priceOrder, tierFor, type PriceBreakdown, type PriceTier } from '../../domain/pricing.js';
import { couponRefusal, couponTerms, couponUsedUp, salesInForce, type CouponRecord, type CouponRefusal } from '../../domain/promotions.js';
import type { PricingTerms } from '../../infra/checkout-store.js';
import { couponUses } from '../../infra/promotions.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';

/** The coupon field of a checkout, a partner's order and a quote: a code as the buyer typed it (any case). */
export const CouponField = z.string().trim().min(1).max(32).optional()
  .meta({ description: 'a coupon code (not case-sensitive); refused with a coupon_… error, changing nothing, when it cannot be used on this order' });

/** How the price was reached (domain/pricing.ts PriceBreakdown), in the API's documents. */
export const PriceBreakdownOut = z.object({
  currency: z.string(),
  quantity: z.int(),
  list: z.object({ unitMinor: z.int(), totalMinor: z.int() }),
  adjustments: z.array(z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('channel_tier'), channelId: z.string(), minQuantity: z.int(), maxQuantity: z.int().nullable(), unitMinor: z.int(), amountMinor: z.int() }),
    z.object({ kind: z.literal('sale'), saleId: z.int(), label: z.string(), unitMinor: z.int().optional(), percentOff: z.int().optional(), amountMinor: z.int() }),
    z.object({ kind: z.literal('coupon'), couponId: z.int(), code: z.string(), percentOff: z.int().optional(), amountOffMinor: z.int().optional(), amountMinor: z.int() }),
    z.object({ kind: z.literal('floor'), reason: z.enum(['cost', 'minimum']), floorMinor: z.int(), amountMinor: z.int() }),
  ]).meta({ description: 'each step in the order applied; amountMinor is what it changed the total by (negative: a discount)' })),
  skipped: z.array(z.object({ kind: z.enum(['sale', 'tier', 'coupon']), reason: z.enum(['exclusive', 'not_combinable']) })).optional()
    .meta({ description: "promotions in force that the shop's stacking policy left out, and why" }),
  unitMinor: z.int().meta({ description: 'per key (rounded down when a discount on the whole order does not divide by the quantity)' }),
  totalMinor: z.int().meta({ description: 'what the order costs: the amount every payment gateway is asked for' }),
}).meta({ id: 'PriceBreakdown', description: 'how the price was reached: the list price, each promotion applied, what the stacking policy left out, the total (minor units)' });

export interface CheckoutPrice {
  price: PriceBreakdown;
  /** What kami_place_order checks and stores (see infra/checkout-store.ts). */
  terms: PricingTerms;
  coupon?: CouponRecord;
}

export interface PriceQuestion {
  productId: string;
  sku: string;
  quantity: number;
  channelId: string;
  /** A partner channel's tiers (read fresh by its caller); the storefront's come with the product's pricing. */
  tiers?: readonly PriceTier[];
  coupon?: string;
}

const refused = (r: CouponRefusal) => new ApiError(r.code === 'coupon_not_found' ? 404 : 409, r.code, r.message, { coupon: r.message });

/**
 * Prices an order for checkout, the partner API and a quote alike (domain/pricing.ts priceOrder is
 * the computation): the product's pricing and the stacking policy from the process's cache, the
 * sales on now for this channel, its quantity tiers, and the coupon the buyer gave — refused here,
 * in words a buyer understands, when it cannot be used. An order without any promotion in force
 * reads nothing more (its price is the list price × quantity, computed in checkout's statement).
 * Checkout's statement catches a price computed from stale entries; a refusal never reaches it, so
 * a coupon is refused only after its entries are read again.
 */
export async function priceCheckout(deps: Pick<ApiDeps, 'pricing'>, q: PriceQuestion, now = new Date()): Promise<CheckoutPrice> {
  try {
    return await priceFromCache(deps, q, now);
  } catch (err) {
    if (!(err instanceof ApiError) || !err.code.startsWith('coupon_')) throw err;
    deps.pricing.forget(q.productId);
    return priceFromCache(deps, q, now);
  }
}

async function priceFromCache(deps: Pick<ApiDeps, 'pricing'>, q: PriceQuestion, now: Date): Promise<CheckoutPrice> {
  const pricing = await deps.pricing.product(q.productId);
  const sales = salesInForce(pricing.sales, q.channelId, now);
  const tiers = q.channelId === RETAIL_CHANNEL ? pricing.retailTiers : q.tiers ?? [];
  let coupon: CouponRecord | undefined;
  if (q.coupon !== undefined) {
    coupon = await deps.pricing.coupon(q.coupon) ?? undefined;
    if (!coupon) throw refused({ code: 'coupon_not_found', message: `there is no coupon ${q.coupon}; check the code` });
    const refusal = couponRefusal(coupon, { productId: q.productId, sku: q.sku, channelId: q.channelId, currency: pricing.currency }, now);
    if (refusal) throw refused(refusal);
  }
  const base = { listUnitMinor: pricing.listUnitMinor, currency: pricing.currency, quantity: q.quantity };
  try {
    if (!sales.length && !coupon && !tierFor(tiers, q.quantity)) return { price: priceOrder(base), terms: { version: pricing.version } };
    const { policy, version: policyVersion } = await deps.pricing.policy();
    const price = priceOrder({
      ...base, costMinor: pricing.costMinor, policy, sales,
      ...(tiers.length ? { channel: { id: q.channelId, tiers } } : {}), ...(coupon ? { coupon: couponTerms(coupon) } : {}),
    });
    const used = price.adjustments.find((a) => a.kind === 'coupon');
    if (coupon && !used) {
      const skip = price.skipped!.find((s) => s.kind === 'coupon')!;
      const others = price.adjustments.filter((a) => a.kind === 'sale' || a.kind === 'channel_tier').map((a) => (a.kind === 'sale' ? 'the sale price' : 'the quantity price'));
      throw refused({
        code: 'coupon_not_applicable',
        message: skip.reason === 'exclusive'
          ? `coupon ${coupon.code} cannot be used with ${others.join(' and ')} on ${q.sku}, which applies alone; order without the coupon`
          : `coupon ${coupon.code} does not combine with ${others.join(' and ')} on ${q.sku}, which already costs less; order without the coupon`,
      });
    }
    return {
      price, coupon,
      terms: {
        version: pricing.version, price, policyVersion, saleIds: price.adjustments.flatMap((a) => (a.kind === 'sale' ? [a.saleId] : [])),
        ...(used && coupon ? { coupon: { id: coupon.id, version: coupon.version, discountMinor: -used.amountMinor } } : {}),
      },
    };
  } catch (err) {
    if (err instanceof PriceError) throw new ApiError(400, 'invalid_request', `this order cannot be priced: ${err.message}`, { quantity: err.message });
    throw err;
  }
}

/** A coupon's refusal as checkout's statement reported it (it counts uses under the coupon's lock). */
export function couponRefusedAtCheckout(coupon: CouponRecord | undefined, outcome: { outcome: 'coupon_used_up'; byBuyer: boolean } | { outcome: 'coupon_expired' }): ApiError {
  const c = coupon!;
  if (outcome.outcome === 'coupon_used_up') return refused(couponUsedUp(c, outcome.byBuyer));
  // the database's clock found it outside its window (or withdrawn) just now
  return refused({ code: 'coupon_expired', message: `coupon ${c.code} is not valid at this time` });
}

/**
 * A quote's look at a coupon's uses: what checkout would refuse now (it counts again, under the
 * coupon's lock, when the order is placed).
 */
export async function checkCouponUses(deps: Pick<ApiDeps, 'db'>, coupon: CouponRecord, buyer: Identities): Promise<void> {
  if (coupon.maxUses === null && coupon.maxUsesPerBuyer === null) return;
  const uses = await couponUses(deps.db, coupon.id, buyer);
  if (coupon.maxUses !== null && uses.total >= coupon.maxUses) throw refused(couponUsedUp(coupon, false));
  if (coupon.maxUsesPerBuyer !== null && buyer.email && uses.byBuyer >= coupon.maxUsesPerBuyer) throw refused(couponUsedUp(coupon, true));
}
