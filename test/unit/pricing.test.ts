import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MINOR_UNITS } from '../../domain/money.js';
import { PriceError, PriceTiersSchema, priceOrder, tierFor, type PriceTier } from '../../domain/pricing.js';

const WHOLESALE: PriceTier[] = [{ minQuantity: 1, unitPriceMinor: 950 }, { minQuantity: 10, unitPriceMinor: 900 }, { minQuantity: 100, unitPriceMinor: 850 }];
const channel = (tiers: PriceTier[]) => ({ id: 'ch_reseller', tiers });

describe('priceOrder', () => {
  it('retail: the list price times the quantity, no adjustment', () => {
    expect(priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 3 })).toEqual({
      currency: 'USD', quantity: 3, list: { unitMinor: 1000, totalMinor: 3000 }, adjustments: [], unitMinor: 1000, totalMinor: 3000,
    });
  });

  it.each([[1, 950, 1, 9], [9, 950, 1, 9], [10, 900, 10, 99], [99, 900, 10, 99], [100, 850, 100, null], [5000, 850, 100, null]])(
    '%i keys fall in the tier priced %i per key (%i–%s)', (quantity, unit, min, max) => {
      const b = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity, channel: channel(WHOLESALE) });
      expect(b.unitMinor).toBe(unit);
      expect(b.totalMinor).toBe(unit * quantity);
      expect(b.adjustments).toEqual([{ kind: 'channel_tier', channelId: 'ch_reseller', minQuantity: min, maxQuantity: max, unitMinor: unit, amountMinor: (unit - 1000) * quantity }]);
    });

  it('below the lowest tier the list price applies, tiers in any order', () => {
    const b = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 4, channel: channel([{ minQuantity: 50, unitPriceMinor: 700 }, { minQuantity: 5, unitPriceMinor: 800 }]) });
    expect(b).toMatchObject({ unitMinor: 1000, totalMinor: 4000, adjustments: [] });
    expect(tierFor([{ minQuantity: 50, unitPriceMinor: 700 }, { minQuantity: 5, unitPriceMinor: 800 }], 7)).toEqual({ minQuantity: 5, unitPriceMinor: 800, maxQuantity: 49 });
  });

  it('keys of a currency without decimals are priced in whole units', () => {
    expect(priceOrder({ listUnitMinor: 1500, currency: 'JPY', quantity: 10, channel: channel([{ minQuantity: 10, unitPriceMinor: 1400 }]) }))
      .toMatchObject({ currency: 'JPY', unitMinor: 1400, totalMinor: 14_000 });
  });

  it('refuses what it cannot price exactly', () => {
    expect(() => priceOrder({ listUnitMinor: 10.5, currency: 'USD', quantity: 1 })).toThrow(PriceError);
    expect(() => priceOrder({ listUnitMinor: -1, currency: 'USD', quantity: 1 })).toThrow(PriceError);
    expect(() => priceOrder({ listUnitMinor: 100, currency: 'USD', quantity: 0 })).toThrow(PriceError);
    expect(() => priceOrder({ listUnitMinor: MAX_MINOR_UNITS, currency: 'USD', quantity: 2 })).toThrow(/order total/);
    expect(() => priceOrder({ listUnitMinor: 100, currency: 'USD', quantity: 2, channel: channel([{ minQuantity: 1, unitPriceMinor: -5 }]) })).toThrow(/tier price/);
  });

  const tiers = fc.uniqueArray(fc.record({ minQuantity: fc.integer({ min: 1, max: 500 }), unitPriceMinor: fc.integer({ min: 0, max: 1_000_000 }) }),
    { selector: (t) => t.minQuantity, maxLength: 6 });

  it('property: exact integers, never below zero, total = unit × quantity = list total + adjustments', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000 }), tiers, (list, quantity, t) => {
      const b = priceOrder({ listUnitMinor: list, currency: 'CNY', quantity, channel: channel(t) });
      for (const n of [b.unitMinor, b.totalMinor, b.list.totalMinor]) {
        expect(Number.isSafeInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(0);
      }
      expect(b.totalMinor).toBe(b.unitMinor * quantity);
      expect(b.totalMinor).toBe(b.list.totalMinor + b.adjustments.reduce((s, a) => s + a.amountMinor, 0));
    }));
  });

  it('property: the tier applied is the one whose range holds the quantity; none when the quantity is below every tier', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000 }), tiers, (quantity, t) => {
      const b = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity, channel: channel(t) });
      const eligible = t.filter((x) => x.minQuantity <= quantity);
      if (!eligible.length) return void expect(b.adjustments).toEqual([]);
      const best = eligible.reduce((a, x) => (x.minQuantity > a.minQuantity ? x : a));
      const [adj] = b.adjustments;
      expect(adj!.minQuantity).toBe(best.minQuantity);
      expect(b.unitMinor).toBe(best.unitPriceMinor);
      expect(quantity).toBeGreaterThanOrEqual(adj!.minQuantity);
      if (adj!.maxQuantity !== null) expect(quantity).toBeLessThanOrEqual(adj!.maxQuantity);
    }));
  });
});

describe('PriceTiersSchema', () => {
  it('takes distinct minimum quantities with exact, non-negative prices', () => {
    expect(PriceTiersSchema.parse(WHOLESALE)).toEqual(WHOLESALE);
    expect(PriceTiersSchema.safeParse([{ minQuantity: 10, unitPriceMinor: 1 }, { minQuantity: 10, unitPriceMinor: 2 }]).error?.issues[0]?.message).toMatch(/two tiers start at 10/);
    expect(PriceTiersSchema.safeParse([{ minQuantity: 0, unitPriceMinor: 1 }]).success).toBe(false);
    expect(PriceTiersSchema.safeParse([{ minQuantity: 1, unitPriceMinor: 1.5 }]).success).toBe(false);
    expect(PriceTiersSchema.safeParse([{ minQuantity: 1, unitPriceMinor: -1 }]).success).toBe(false);
  });
});
