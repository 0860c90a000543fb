import { z } from 'zod';
import { MAX_MINOR_UNITS } from './money.js';

/**
 * Promotions and the shop's stacking policy: what an owner may set (shared by the API, which judges,
 * and the panel, which mirrors), and which promotions are in force for an order. The arithmetic is
 * domain/pricing.ts priceOrder's alone.
 */

/** The kinds of promotion an order can meet: a time-window sale price, a quantity tier (a channel's price list), a coupon. */
export const PROMOTION_KINDS = ['sale', 'tier', 'coupon'] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

/** The pairs of kinds the policy says may (or may not) apply to one order together. */
export const KIND_PAIRS = ['sale+tier', 'sale+coupon', 'tier+coupon'] as const;
export type KindPair = (typeof KIND_PAIRS)[number];
export const pairOf = (a: PromotionKind, b: PromotionKind): KindPair =>
  (PROMOTION_KINDS.indexOf(a) < PROMOTION_KINDS.indexOf(b) ? `${a}+${b}` : `${b}+${a}`) as KindPair;

const distinct = <T>(xs: readonly T[]) => new Set(xs).size === xs.length;

/**
 * The shop's stacking policy. Kinds apply in `order`, each to the price the previous ones left. Two
 * kinds apply together only where `combine` says so; otherwise the buyer gets whichever combination
 * allowed costs least. An `exclusive` kind in force applies alone, whatever the others would give
 * (several in force: the first in `order`). The floor bounds what promotions can take off: never
 * below the product's cost (`cost`) nor below `minPercentOfList` of the list price, and never above
 * the list price either (a floor only limits discounts).
 */
export const StackingPolicySchema = z.strictObject({
  order: z.array(z.enum(PROMOTION_KINDS)).length(PROMOTION_KINDS.length).refine(distinct, 'list each kind once'),
  combine: z.strictObject({ 'sale+tier': z.boolean(), 'sale+coupon': z.boolean(), 'tier+coupon': z.boolean() }),
  exclusive: z.array(z.enum(PROMOTION_KINDS)).max(PROMOTION_KINDS.length).refine(distinct, 'list each kind once'),
  floor: z.strictObject({
    cost: z.boolean(),
    minPercentOfList: z.int().min(0).max(100),
  }),
});
export type StackingPolicy = z.infer<typeof StackingPolicySchema>;

/** Nothing combines until the owner says so: one promotion per order, the best for the buyer, never below cost. */
export const DEFAULT_POLICY: StackingPolicy = {
  order: ['sale', 'tier', 'coupon'],
  combine: { 'sale+tier': false, 'sale+coupon': false, 'tier+coupon': false },
  exclusive: [],
  floor: { cost: true, minPercentOfList: 0 },
};

/** A stored policy with defaults for what was never set. */
export const stackingPolicy = (stored: unknown): StackingPolicy => StackingPolicySchema.parse({ ...DEFAULT_POLICY, ...(stored as object ?? {}) });

/** A channel id as stored (`retail` or `ch_…`). */
const ChannelRef = z.string().trim().min(1).max(40);
const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const Percent = z.int().min(1, 'at least 1%').max(100, 'at most 100%');

/** Exactly one of a price and a percentage; an end after the start. */
const oneDiscount = (v: { percentOff?: number | null; amount?: number | null }, amountField: string, ctx: z.RefinementCtx) => {
  const has = [v.percentOff != null, v.amount != null].filter(Boolean).length;
  if (has !== 1) ctx.addIssue({ code: 'custom', path: [v.percentOff != null ? 'percentOff' : amountField], message: `give either ${amountField} or percentOff` });
};
const window = (v: { startsAt?: Date | null; endsAt?: Date | null }, ctx: z.RefinementCtx) => {
  if (v.startsAt && v.endsAt && v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after the start' });
};

/** A time-window sale price for one product: a price per key, or a percentage off. */
const SaleFields = z.object({
  productId: z.uuid(),
  label: z.string().trim().max(100).default(''),
  priceMinor: z.int().min(0).max(MAX_MINOR_UNITS).nullish(),
  percentOff: Percent.nullish(),
  startsAt: Instant,
  endsAt: Instant.nullish(),
  /** Where it applies: at least one channel (`retail` is the storefront and public API). */
  channels: z.array(ChannelRef).min(1, 'choose at least one channel').max(100).refine(distinct, 'list each channel once').default(['retail']),
  active: z.boolean().default(true),
});
type SaleShape = { priceMinor?: number | null; percentOff?: number | null; startsAt?: Date | null; endsAt?: Date | null };
const saleChecks = (v: SaleShape, ctx: z.RefinementCtx) => { oneDiscount({ percentOff: v.percentOff, amount: v.priceMinor }, 'priceMinor', ctx); window(v, ctx); };
export const SaleInput = SaleFields.superRefine(saleChecks);
/** An edit replaces the sale's terms; its product stays. */
export const SaleUpdate = SaleFields.omit({ productId: true }).superRefine(saleChecks);

/** Coupon codes as buyers type them; compared without regard to case. */
export const CouponCode = z.string().trim().min(3, 'at least 3 characters').max(32, 'at most 32 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'use letters, digits, - and _');
export const normalizeCouponCode = (code: string) => code.trim().toLowerCase();

/** A coupon: a percentage or a fixed amount (in one currency) off the order, with its limits, window and scope. */
const CouponFields = z.object({
  code: CouponCode,
  description: z.string().trim().max(200).default(''),
  percentOff: Percent.nullish(),
  amountOffMinor: z.int().min(1).max(MAX_MINOR_UNITS).nullish(),
  /** The currency of a fixed amount: the coupon applies only to products priced in it. */
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3,4}$/, 'a currency code such as USD').nullish(),
  maxUses: z.int().min(1).max(100_000_000).nullish(),
  maxUsesPerBuyer: z.int().min(1).max(1_000_000).nullish(),
  startsAt: Instant.nullish(),
  endsAt: Instant.nullish(),
  /** Products it applies to; empty: every product. */
  products: z.array(z.uuid()).max(1000).refine(distinct, 'list each product once').default([]),
  /** Channels it can be used through: at least one. */
  channels: z.array(ChannelRef).min(1, 'choose at least one channel').max(100).refine(distinct, 'list each channel once').default(['retail']),
  active: z.boolean().default(true),
});
type CouponShape = { percentOff?: number | null; amountOffMinor?: number | null; currency?: string | null; startsAt?: Date | null; endsAt?: Date | null };
const couponChecks = (v: CouponShape, ctx: z.RefinementCtx) => {
  oneDiscount({ percentOff: v.percentOff, amount: v.amountOffMinor }, 'amountOffMinor', ctx);
  if (v.amountOffMinor != null && !v.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'a fixed amount needs its currency' });
  if (v.amountOffMinor == null && v.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'only a fixed amount has a currency' });
  window(v, ctx);
};
export const CouponInput = CouponFields.superRefine(couponChecks);
/** An edit replaces the coupon's terms; its code stays (it is printed on flyers, and its uses refer to it). */
export const CouponUpdate = CouponFields.omit({ code: true }).superRefine(couponChecks);

/** A sale as stored and cached. */
export interface SaleRecord {
  id: number; label: string; priceMinor: number | null; percentOff: number | null;
  startsAt: Date; endsAt: Date | null; channels: readonly string[]; active: boolean;
}

/** A coupon as stored and cached (`version` changes with every edit; checkout checks it). */
export interface CouponRecord {
  id: number; code: string; percentOff: number | null; amountOffMinor: number | null; currency: string | null;
  maxUses: number | null; maxUsesPerBuyer: number | null; startsAt: Date | null; endsAt: Date | null;
  products: readonly string[]; channels: readonly string[]; active: boolean; version: number;
}

/** A sale in force, as priceOrder takes it: exactly one of a price per key and a percentage. */
export interface SaleTerms { id: number; label: string; priceMinor?: number; percentOff?: number }
/** A coupon in force, as priceOrder takes it. */
export interface CouponTerms { id: number; code: string; percentOff?: number; amountOffMinor?: number }

const inWindow = (w: { startsAt: Date | null; endsAt: Date | null }, now: Date) => (!w.startsAt || w.startsAt <= now) && (!w.endsAt || now < w.endsAt);

/** The sales in force for an order through `channelId` at `now`. */
export const salesInForce = (sales: readonly SaleRecord[], channelId: string, now: Date): SaleTerms[] =>
  sales.filter((s) => s.active && inWindow(s, now) && s.channels.includes(channelId))
    .map((s) => ({ id: s.id, label: s.label, ...(s.priceMinor !== null ? { priceMinor: s.priceMinor } : { percentOff: s.percentOff! }) }));

/** Why a coupon cannot be used, in words a buyer understands (the API's error codes). */
export type CouponRefusal = { code: 'coupon_not_found' | 'coupon_expired' | 'coupon_used_up' | 'coupon_not_applicable'; message: string };

const day = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Why `coupon` cannot be used on this order now (null: it can, as far as its terms go; its uses are counted at checkout). */
export function couponRefusal(c: CouponRecord, order: { productId: string; sku: string; channelId: string; currency: string }, now: Date): CouponRefusal | null {
  if (!c.active) return { code: 'coupon_expired', message: `coupon ${c.code} is no longer valid` };
  if (c.endsAt && now >= c.endsAt) return { code: 'coupon_expired', message: `coupon ${c.code} expired on ${day(c.endsAt)}` };
  if (c.startsAt && now < c.startsAt) return { code: 'coupon_not_applicable', message: `coupon ${c.code} can be used from ${day(c.startsAt)}` };
  if (c.products.length && !c.products.includes(order.productId)) return { code: 'coupon_not_applicable', message: `coupon ${c.code} does not apply to ${order.sku}` };
  if (!c.channels.includes(order.channelId)) return { code: 'coupon_not_applicable', message: `coupon ${c.code} cannot be used here` };
  if (c.currency && c.currency !== order.currency) {
    return { code: 'coupon_not_applicable', message: `coupon ${c.code} takes an amount off ${c.currency} prices; ${order.sku} is priced in ${order.currency}` };
  }
  return null;
}

/** The refusal for a coupon whose uses ran out (overall, or for this buyer), as checkout counts them. */
export function couponUsedUp(c: Pick<CouponRecord, 'code' | 'maxUses' | 'maxUsesPerBuyer'>, byBuyer: boolean): CouponRefusal {
  return byBuyer
    ? { code: 'coupon_used_up', message: `you have already used coupon ${c.code} ${c.maxUsesPerBuyer === 1 ? 'once' : `${c.maxUsesPerBuyer} times`}, as often as it allows` }
    : { code: 'coupon_used_up', message: `coupon ${c.code} has been used as often as it allows (${c.maxUses} times)` };
}

export const couponTerms = (c: CouponRecord): CouponTerms =>
  ({ id: c.id, code: c.code, ...(c.percentOff !== null ? { percentOff: c.percentOff } : { amountOffMinor: c.amountOffMinor! }) });
