import { z } from 'zod';
import { MAX_MINOR_UNITS } from './money.js';
import { DEFAULT_POLICY, pairOf, type CouponTerms, type PromotionKind, type SaleTerms, type StackingPolicy } from './promotions.js';

/**
 * The one price computation: list price → the promotions in force (a sale, a quantity tier, a
 * coupon) as the shop's stacking policy lets them combine → the floor → unit and total, in exact
 * integer minor units of the product's currency. Its breakdown is stored on the order and shown to
 * the buyer, the partner and the operator alike.
 */

/** A channel's price for a product from `minQuantity` keys on (up to the next tier), per key. */
export interface PriceTier { minQuantity: number; unitPriceMinor: number }

/** Most tiers one channel may set for one product. */
export const MAX_TIERS = 20;

/** A price list as typed in the panel and stored: tiers by distinct minimum quantity, prices exact and never negative. */
export const PriceTiersSchema = z.array(z.strictObject({
  minQuantity: z.int().min(1).max(1_000_000),
  unitPriceMinor: z.int().min(0).max(MAX_MINOR_UNITS),
})).max(MAX_TIERS).superRefine((tiers, ctx) => {
  const seen = new Set<number>();
  tiers.forEach((t, i) => {
    if (seen.has(t.minQuantity)) ctx.addIssue({ code: 'custom', path: [i, 'minQuantity'], message: `two tiers start at ${t.minQuantity} keys` });
    seen.add(t.minQuantity);
  });
});

/**
 * One adjustment to the price, in the order applied. `amountMinor` is what it changed the order's
 * total by (negative for a discount, positive for a tier above the list price or the floor).
 */
export type PriceAdjustment =
  | {
    kind: 'channel_tier';
    channelId: string;
    /** The tier's quantity range: `maxQuantity` null when it is the highest. */
    minQuantity: number;
    maxQuantity: number | null;
    unitMinor: number;
    amountMinor: number;
  }
  /** A time-window sale: a price per key (`unitMinor`) or a percentage off. */
  | { kind: 'sale'; saleId: number; label: string; unitMinor?: number; percentOff?: number; amountMinor: number }
  /** A coupon: a percentage or a fixed amount off the order. */
  | { kind: 'coupon'; couponId: number; code: string; percentOff?: number; amountOffMinor?: number; amountMinor: number }
  /** The policy's floor took back part of the discounts: the order costs `floorMinor`. */
  | { kind: 'floor'; reason: 'cost' | 'minimum'; floorMinor: number; amountMinor: number };

/** A promotion in force that the stacking policy left out, and why. */
export interface SkippedPromotion { kind: PromotionKind; reason: 'exclusive' | 'not_combinable' }

export interface PriceBreakdown {
  currency: string;
  quantity: number;
  list: { unitMinor: number; totalMinor: number };
  adjustments: PriceAdjustment[];
  /** Promotions in force that were not applied (absent when none). */
  skipped?: SkippedPromotion[];
  /**
   * What one key costs and what the order costs, after every adjustment. A discount on the whole
   * order may not divide by the quantity: `unitMinor` is then rounded down, and the order is
   * charged `totalMinor`.
   */
  unitMinor: number;
  totalMinor: number;
}

export interface PriceRequest {
  listUnitMinor: number;
  currency: string;
  quantity: number;
  /** The channel's tiers for this product (any order): a partner's price list, or the storefront's own. */
  channel?: { id: string; tiers: readonly PriceTier[] };
  /** Sales in force for this product and channel now (domain/promotions.ts salesInForce). */
  sales?: readonly SaleTerms[];
  /** The coupon the buyer gave, once domain/promotions.ts found it usable here. */
  coupon?: CouponTerms;
  /** What one key costs the shop (the policy's floor may keep the price above it). */
  costMinor?: number;
  /** The shop's stacking policy (DEFAULT_POLICY when absent). */
  policy?: StackingPolicy;
}

/** Thrown when a price cannot be computed exactly (an amount beyond MAX_MINOR_UNITS, a malformed input). */
export class PriceError extends Error {}

const exactMinor = (n: number, what: string) => {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_MINOR_UNITS) throw new PriceError(`${what} must be a whole number of minor units from 0 to ${MAX_MINOR_UNITS}`);
  return n;
};

/**
 * `percent` % of `minor`, rounded half up to a whole minor unit (12.5 → 13): the one rounding rule of
 * every percentage Kami takes off. Exact: minor ≤ 10^12 and percent ≤ 100 stay far inside 2^53.
 */
export const percentOf = (minor: number, percent: number) => Math.floor((minor * percent + 50) / 100);

/** The tier for `quantity`: the one with the highest minimum at or below it, with its range. */
export function tierFor(tiers: readonly PriceTier[], quantity: number): (PriceTier & { maxQuantity: number | null }) | undefined {
  const sorted = [...tiers].sort((a, b) => a.minQuantity - b.minQuantity);
  const at = sorted.findLastIndex((t) => t.minQuantity <= quantity);
  if (at < 0) return undefined;
  const next = sorted[at + 1];
  return { ...sorted[at]!, maxQuantity: next ? next.minQuantity - 1 : null };
}

type Step = (total: number) => PriceAdjustment;

/**
 * Prices an order: pure and exact, every figure an integer number of minor units, never below zero.
 *
 * Each promotion is a step on the order's running total, applied in the policy's order:
 * - a tier or a sale price takes off what it saves per key against the list price, times the quantity
 *   (so combined with another kind, their savings add up);
 * - a percentage (sale or coupon) takes that share of the running total, rounded half up;
 * - a fixed coupon takes its amount off (at most what is left).
 * No step takes the total below zero. Of several sales in force, the one saving most applies. When
 * kinds in force may not all combine, every allowed combination is priced and the cheapest for the
 * buyer wins (ties: the one with the buyer's coupon, then the earlier kinds in the policy's order);
 * an exclusive kind in force applies alone. Last, the floor: the promotions may not take the total
 * below the floor per key times the quantity (the list total at most).
 */
export function priceOrder(r: PriceRequest): PriceBreakdown {
  if (!Number.isSafeInteger(r.quantity) || r.quantity < 1) throw new PriceError('quantity must be a whole number of at least 1');
  const q = r.quantity;
  const policy = r.policy ?? DEFAULT_POLICY;
  const listUnit = exactMinor(r.listUnitMinor, 'the list price');
  const listTotal = exactMinor(listUnit * q, 'the order total');
  const cost = exactMinor(r.costMinor ?? 0, 'the cost');
  /** What `unit` per key saves on the whole order against the list price (negative: it costs more). */
  const perKeyChange = (unit: number) => exactMinor(unit * q, 'the order total') - listTotal;

  const steps = new Map<PromotionKind, Step>();
  const tier = r.channel && tierFor(r.channel.tiers, q);
  if (tier) {
    const unitMinor = exactMinor(tier.unitPriceMinor, 'a tier price');
    const change = perKeyChange(unitMinor);
    steps.set('tier', () => ({ kind: 'channel_tier', channelId: r.channel!.id, minQuantity: tier.minQuantity, maxQuantity: tier.maxQuantity, unitMinor, amountMinor: change }));
  }
  if (r.sales?.length) {
    const sales = r.sales.map((s) => {
      if (s.priceMinor !== undefined) {
        const unitMinor = exactMinor(s.priceMinor, 'a sale price');
        const change = Math.min(0, perKeyChange(unitMinor));
        return (): PriceAdjustment => ({ kind: 'sale', saleId: s.id, label: s.label, unitMinor, amountMinor: change });
      }
      const percentOff = percentArg(s.percentOff, 'a sale');
      return (total: number): PriceAdjustment => ({ kind: 'sale', saleId: s.id, label: s.label, percentOff, amountMinor: -percentOf(total, percentOff) });
    });
    // the sale that saves most where it applies; ties: the lowest id, whatever order they came in
    steps.set('sale', (total) => sales.map((f) => f(total)).reduce((best, a) =>
      (a.amountMinor < best.amountMinor || (a.amountMinor === best.amountMinor && saleId(a) < saleId(best)) ? a : best)));
  }
  if (r.coupon) {
    const { id: couponId, code } = r.coupon;
    if (r.coupon.amountOffMinor !== undefined) {
      const amountOffMinor = exactMinor(r.coupon.amountOffMinor, 'a coupon amount');
      steps.set('coupon', (total) => ({ kind: 'coupon', couponId, code, amountOffMinor, amountMinor: -Math.min(amountOffMinor, total) }));
    } else {
      const percentOff = percentArg(r.coupon.percentOff, 'a coupon');
      steps.set('coupon', (total) => ({ kind: 'coupon', couponId, code, percentOff, amountMinor: -percentOf(total, percentOff) }));
    }
  }

  // the floor per key: the cost and the minimum share of the list price, never above the list price
  const minimum = Math.floor((listUnit * policy.floor.minPercentOfList + 99) / 100);
  const floorUnit = Math.min(listUnit, Math.max(policy.floor.cost ? cost : 0, minimum));
  const floorReason = policy.floor.cost && cost >= minimum ? 'cost' : 'minimum';

  const price = (kinds: readonly PromotionKind[]) => {
    const adjustments: PriceAdjustment[] = [];
    let total = listTotal;
    for (const kind of policy.order.filter((k) => kinds.includes(k))) {
      const a = steps.get(kind)!(total);
      const next = Math.max(0, total + a.amountMinor);
      adjustments.push({ ...a, amountMinor: next - total });
      total = next;
    }
    const floorTotal = floorUnit * q;
    if (total < floorTotal && adjustments.length) {
      adjustments.push({ kind: 'floor', reason: floorReason, floorMinor: floorTotal, amountMinor: floorTotal - total });
      total = floorTotal;
    }
    return { kinds, adjustments, total: exactMinor(total, 'the order total') };
  };

  const inForce = policy.order.filter((k) => steps.has(k));
  const exclusive = inForce.find((k) => policy.exclusive.includes(k));
  const candidates = exclusive ? [[exclusive]] : combinations(inForce, policy);
  const rank = (kinds: readonly PromotionKind[]) => kinds.map((k) => policy.order.indexOf(k)).join(',');
  const best = candidates.map(price).reduce((a, b) => {
    if (a.total !== b.total) return a.total < b.total ? a : b;
    if (a.kinds.includes('coupon') !== b.kinds.includes('coupon')) return a.kinds.includes('coupon') ? a : b;
    return rank(a.kinds) <= rank(b.kinds) ? a : b;
  });
  const skipped = inForce.filter((k) => !best.kinds.includes(k)).map((kind): SkippedPromotion => ({ kind, reason: exclusive ? 'exclusive' : 'not_combinable' }));
  return {
    currency: r.currency, quantity: q, list: { unitMinor: listUnit, totalMinor: listTotal }, adjustments: best.adjustments,
    ...(skipped.length ? { skipped } : {}),
    unitMinor: Math.floor(best.total / q), totalMinor: best.total,
  };
}

const saleId = (a: PriceAdjustment) => (a.kind === 'sale' ? a.saleId : 0);

const percentArg = (p: number | undefined, what: string) => {
  if (!Number.isInteger(p) || p! < 1 || p! > 100) throw new PriceError(`${what} needs a price or a whole percentage from 1 to 100`);
  return p!;
};

/** The largest sets of kinds in force that the policy lets apply together (every pair in each may combine). */
function combinations(kinds: readonly PromotionKind[], policy: StackingPolicy): PromotionKind[][] {
  const allowed: PromotionKind[][] = [];
  for (let mask = (1 << kinds.length) - 1; mask > 0; mask--) {
    const set = kinds.filter((_, i) => mask & (1 << i));
    if (set.every((a, i) => set.slice(i + 1).every((b) => policy.combine[pairOf(a, b)]))) allowed.push(set);
  }
  const maximal = allowed.filter((s) => !allowed.some((t) => t.length > s.length && s.every((k) => t.includes(k))));
  return maximal.length ? maximal : [[]];
}

/**
 * What `keys` of an order's `quantity` keys cost of what it was charged: the proportional share,
 * rounded down (a refund never pays back more than its share). For an order priced per key it is
 * exactly the unit price times `keys`.
 */
export function shareOfAmount(amountMinor: bigint | number, quantity: number, keys: number): bigint {
  if (keys <= 0) return 0n;
  return (BigInt(amountMinor) * BigInt(Math.min(keys, quantity))) / BigInt(quantity);
}
