import { z } from 'zod';
import { MAX_MINOR_UNITS } from './money.js';

/**
 * The one price computation: list price → the adjustments that apply (today a channel's quantity
 * tier) → unit and total, in exact integer minor units of the product's currency. Its breakdown is
 * stored on the order and shown to the partner and the operator alike.
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
 * One adjustment to the list price, in the order applied. `amountMinor` is what it changed the total
 * by (negative for a discount). New kinds (a coupon, a sale price) join this union.
 */
export type PriceAdjustment = {
  kind: 'channel_tier';
  channelId: string;
  /** The tier's quantity range: `maxQuantity` null when it is the highest. */
  minQuantity: number;
  maxQuantity: number | null;
  unitMinor: number;
  amountMinor: number;
};

export interface PriceBreakdown {
  currency: string;
  quantity: number;
  list: { unitMinor: number; totalMinor: number };
  adjustments: PriceAdjustment[];
  /** What one key costs and what the order costs, after every adjustment. */
  unitMinor: number;
  totalMinor: number;
}

export interface PriceRequest {
  listUnitMinor: number;
  currency: string;
  quantity: number;
  /** The channel's tiers for this product (any order), absent for retail. */
  channel?: { id: string; tiers: readonly PriceTier[] };
}

/** Thrown when a price cannot be computed exactly (an amount beyond MAX_MINOR_UNITS, a malformed input). */
export class PriceError extends Error {}

const exactMinor = (n: number, what: string) => {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_MINOR_UNITS) throw new PriceError(`${what} must be a whole number of minor units from 0 to ${MAX_MINOR_UNITS}`);
  return n;
};

/** The tier for `quantity`: the one with the highest minimum at or below it, with its range. */
export function tierFor(tiers: readonly PriceTier[], quantity: number): (PriceTier & { maxQuantity: number | null }) | undefined {
  const sorted = [...tiers].sort((a, b) => a.minQuantity - b.minQuantity);
  const at = sorted.findLastIndex((t) => t.minQuantity <= quantity);
  if (at < 0) return undefined;
  const next = sorted[at + 1];
  return { ...sorted[at]!, maxQuantity: next ? next.minQuantity - 1 : null };
}

/** Prices an order. Pure and exact: every figure is an integer number of minor units, never below zero. */
export function priceOrder(r: PriceRequest): PriceBreakdown {
  if (!Number.isSafeInteger(r.quantity) || r.quantity < 1) throw new PriceError('quantity must be a whole number of at least 1');
  const listUnit = exactMinor(r.listUnitMinor, 'the list price');
  const listTotal = exactMinor(listUnit * r.quantity, 'the order total');
  const adjustments: PriceAdjustment[] = [];
  let unit = listUnit;
  const tier = r.channel && tierFor(r.channel.tiers, r.quantity);
  if (tier) {
    const tierUnit = exactMinor(tier.unitPriceMinor, 'a tier price');
    adjustments.push({
      kind: 'channel_tier', channelId: r.channel!.id, minQuantity: tier.minQuantity, maxQuantity: tier.maxQuantity,
      unitMinor: tierUnit, amountMinor: exactMinor(tierUnit * r.quantity, 'the order total') - listTotal,
    });
    unit = tierUnit;
  }
  return { currency: r.currency, quantity: r.quantity, list: { unitMinor: listUnit, totalMinor: listTotal }, adjustments, unitMinor: unit, totalMinor: unit * r.quantity };
}
