import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MINOR_UNITS } from '../../domain/money.js';
import { PriceError, PriceTiersSchema, percentOf, priceOrder, shareOfAmount, tierFor, type PriceAdjustment, type PriceBreakdown, type PriceRequest, type PriceTier } from '../../domain/pricing.js';
import { DEFAULT_POLICY, pairOf, PROMOTION_KINDS, type CouponTerms, type PromotionKind, type SaleTerms, type StackingPolicy } from '../../domain/promotions.js';

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
      const [adj] = b.adjustments as Extract<PriceAdjustment, { kind: 'channel_tier' }>[];
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

describe('priceOrder with promotions', () => {
  const policy = (over: Partial<StackingPolicy> = {}): StackingPolicy => ({ ...DEFAULT_POLICY, ...over });
  const everything = { 'sale+tier': true, 'sale+coupon': true, 'tier+coupon': true };
  const sale = (id: number, terms: { priceMinor: number } | { percentOff: number }): SaleTerms => ({ id, label: `sale ${id}`, ...terms });
  const coupon = (terms: { percentOff: number } | { amountOffMinor: number }): CouponTerms => ({ id: 7, code: 'SPRING', ...terms });
  const kinds = (b: PriceBreakdown) => b.adjustments.map((a) => a.kind);

  it('a sale price takes what it saves per key off the order', () => {
    const b = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 3, sales: [sale(1, { priceMinor: 800 })] });
    expect(b).toEqual({
      currency: 'USD', quantity: 3, list: { unitMinor: 1000, totalMinor: 3000 },
      adjustments: [{ kind: 'sale', saleId: 1, label: 'sale 1', unitMinor: 800, amountMinor: -600 }], unitMinor: 800, totalMinor: 2400,
    });
  });

  it('a percentage is taken off the running total and rounded half up to a whole minor unit', () => {
    // 10% of 10.05 is 1.005: 1.01 off (half up); of 10.04 it is 1.004: 1.00 off
    expect(priceOrder({ listUnitMinor: 1005, currency: 'USD', quantity: 1, sales: [sale(1, { percentOff: 10 })] }).totalMinor).toBe(904);
    expect(priceOrder({ listUnitMinor: 1004, currency: 'USD', quantity: 1, sales: [sale(1, { percentOff: 10 })] }).totalMinor).toBe(904);
    // on the order's total, not per key: 10% of 30.15 = 3.015 → 3.02 off, 27.13 for three keys (9.04 each, rounded down)
    const three = priceOrder({ listUnitMinor: 1005, currency: 'USD', quantity: 3, coupon: coupon({ percentOff: 10 }) });
    expect(three).toMatchObject({ totalMinor: 2713, unitMinor: 904, adjustments: [{ kind: 'coupon', percentOff: 10, amountMinor: -302 }] });
    expect(percentOf(25, 50)).toBe(13);
    expect(percentOf(24, 50)).toBe(12);
    // a currency without decimals rounds to whole units alike
    expect(priceOrder({ listUnitMinor: 1999, currency: 'JPY', quantity: 1, coupon: coupon({ percentOff: 15 }) }).totalMinor).toBe(1999 - 300);
  });

  it('a fixed coupon takes its amount off the order, never more than is left', () => {
    expect(priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 2, coupon: coupon({ amountOffMinor: 500 }) }))
      .toMatchObject({ totalMinor: 1500, unitMinor: 750, adjustments: [{ kind: 'coupon', code: 'SPRING', amountOffMinor: 500, amountMinor: -500 }] });
    expect(priceOrder({ listUnitMinor: 300, currency: 'USD', quantity: 1, coupon: coupon({ amountOffMinor: 500 }), policy: policy({ floor: { cost: false, minPercentOfList: 0 } }) }))
      .toMatchObject({ totalMinor: 0, adjustments: [{ kind: 'coupon', amountMinor: -300 }] });
  });

  it('by default nothing combines: the buyer gets the one promotion that costs least, the other is skipped', () => {
    const saleWins = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(1, { priceMinor: 800 })], coupon: coupon({ percentOff: 10 }) });
    expect(saleWins).toMatchObject({ totalMinor: 800, skipped: [{ kind: 'coupon', reason: 'not_combinable' }] });
    expect(kinds(saleWins)).toEqual(['sale']);
    const couponWins = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(1, { priceMinor: 800 })], coupon: coupon({ percentOff: 30 }) });
    expect(couponWins).toMatchObject({ totalMinor: 700, skipped: [{ kind: 'sale', reason: 'not_combinable' }] });
  });

  it('kinds that combine apply in the policy\'s order, each to the price the previous ones left', () => {
    const r = { listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(1, { priceMinor: 800 })], coupon: coupon({ percentOff: 10 }) };
    const saleFirst = priceOrder({ ...r, policy: policy({ combine: everything, order: ['sale', 'tier', 'coupon'] }) });
    expect(saleFirst.adjustments.map((a) => [a.kind, a.amountMinor])).toEqual([['sale', -200], ['coupon', -80]]);
    expect(saleFirst.totalMinor).toBe(720);
    const couponFirst = priceOrder({ ...r, policy: policy({ combine: everything, order: ['coupon', 'sale', 'tier'] }) });
    expect(couponFirst.adjustments.map((a) => [a.kind, a.amountMinor])).toEqual([['coupon', -100], ['sale', -200]]);
    expect(couponFirst.totalMinor).toBe(700);
    expect(saleFirst.skipped).toBeUndefined();
  });

  it('fixed amounts add up whatever the order: a sale price, a tier and a fixed coupon', () => {
    const r = { listUnitMinor: 1000, currency: 'USD', quantity: 10, sales: [sale(1, { priceMinor: 800 })], channel: channel([{ minQuantity: 10, unitPriceMinor: 900 }]), coupon: coupon({ amountOffMinor: 500 }) };
    for (const order of [['sale', 'tier', 'coupon'], ['coupon', 'tier', 'sale'], ['tier', 'coupon', 'sale']] as const) {
      expect(priceOrder({ ...r, policy: policy({ combine: everything, order: [...order] }) }).totalMinor).toBe(10_000 - 2000 - 1000 - 500);
    }
  });

  it('only pairs the policy allows combine; of the allowed combinations the cheapest wins', () => {
    const r = { listUnitMinor: 1000, currency: 'USD', quantity: 10, sales: [sale(1, { percentOff: 20 })], channel: channel([{ minQuantity: 10, unitPriceMinor: 850 }]), coupon: coupon({ percentOff: 10 }) };
    // sale and tier never together: {sale, coupon} = 10000 → 8000 → 7200; {tier, coupon} = 10000 → 8500 → 7650
    const b = priceOrder({ ...r, policy: policy({ combine: { 'sale+tier': false, 'sale+coupon': true, 'tier+coupon': true } }) });
    expect(kinds(b)).toEqual(['sale', 'coupon']);
    expect(b).toMatchObject({ totalMinor: 7200, skipped: [{ kind: 'tier', reason: 'not_combinable' }] });
    // the coupon combines with nothing: the best single kind, the 20% sale (8000), beats the tier (8500) and the coupon (9000)
    const alone = priceOrder({ ...r, policy: policy({ combine: { 'sale+tier': true, 'sale+coupon': false, 'tier+coupon': false } }) });
    expect(kinds(alone)).toEqual(['sale', 'channel_tier']);
    expect(alone.totalMinor).toBe(10_000 - 2000 - 1500);
  });

  it('an exclusive kind in force applies alone, even where another would cost the buyer less', () => {
    const r = { listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(1, { priceMinor: 950 })], coupon: coupon({ percentOff: 50 }) };
    const b = priceOrder({ ...r, policy: policy({ combine: everything, exclusive: ['sale'] }) });
    expect(b).toMatchObject({ totalMinor: 950, skipped: [{ kind: 'coupon', reason: 'exclusive' }] });
    // two exclusive kinds in force: the first in the policy's order
    expect(kinds(priceOrder({ ...r, policy: policy({ exclusive: ['sale', 'coupon'], order: ['coupon', 'sale', 'tier'] }) }))).toEqual(['coupon']);
    // not in force, an exclusive kind changes nothing
    expect(priceOrder({ ...r, sales: [], policy: policy({ exclusive: ['sale'] }) }).totalMinor).toBe(500);
  });

  it('the floor: never below cost, never below the minimum share of the list price, never above the list price', () => {
    const deep = { listUnitMinor: 1000, currency: 'USD', quantity: 2, sales: [sale(1, { priceMinor: 800 })], coupon: coupon({ percentOff: 10 }), policy: policy({ combine: everything }) };
    expect(priceOrder(deep).totalMinor).toBe(1440);
    expect(priceOrder({ ...deep, costMinor: 750 })).toMatchObject({
      totalMinor: 1500, unitMinor: 750, adjustments: [{ kind: 'sale' }, { kind: 'coupon' }, { kind: 'floor', reason: 'cost', floorMinor: 1500, amountMinor: 60 }],
    });
    // the owner may sell below cost
    expect(priceOrder({ ...deep, costMinor: 750, policy: policy({ combine: everything, floor: { cost: false, minPercentOfList: 0 } }) }).totalMinor).toBe(1440);
    // at least 75% of the list price (7.50 a key), whichever is higher of that and the cost
    expect(priceOrder({ ...deep, costMinor: 500, policy: policy({ combine: everything, floor: { cost: true, minPercentOfList: 75 } }) }).adjustments.at(-1))
      .toEqual({ kind: 'floor', reason: 'minimum', floorMinor: 1500, amountMinor: 60 });
    // a cost above the list price does not raise the price: the floor is at most the list price
    expect(priceOrder({ ...deep, costMinor: 5000 }).totalMinor).toBe(2000);
    expect(priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 2, costMinor: 5000 })).toMatchObject({ totalMinor: 2000, adjustments: [] });
    // a minimum share rounds up to whole minor units: 33% of 10.01 is 3.3033 → 3.31
    expect(priceOrder({ listUnitMinor: 1001, currency: 'USD', quantity: 1, coupon: coupon({ percentOff: 100 }), policy: policy({ floor: { cost: false, minPercentOfList: 33 } }) }).totalMinor).toBe(331);
  });

  it('of several sales in force the one saving most applies, whatever order they come in; a sale price above the list saves nothing', () => {
    const sales = [sale(3, { priceMinor: 850 }), sale(1, { percentOff: 20 }), sale(2, { priceMinor: 1200 })];
    const b = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales });
    expect(b.adjustments).toEqual([{ kind: 'sale', saleId: 1, label: 'sale 1', percentOff: 20, amountMinor: -200 }]);
    expect(priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [...sales].reverse() })).toEqual(b);
    expect(priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(2, { priceMinor: 1200 })] }).totalMinor).toBe(1000);
    // equal savings: the lower id
    expect(priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(9, { priceMinor: 800 }), sale(4, { percentOff: 20 })] }).adjustments[0])
      .toMatchObject({ saleId: 4 });
  });

  it('when combinations cost the same, the one with the buyer\'s coupon wins', () => {
    const b = priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [sale(1, { priceMinor: 900 })], coupon: coupon({ amountOffMinor: 100 }) });
    expect(kinds(b)).toEqual(['coupon']);
    expect(b.skipped).toEqual([{ kind: 'sale', reason: 'not_combinable' }]);
  });

  it('refuses terms it cannot price exactly', () => {
    expect(() => priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, coupon: { id: 1, code: 'X', percentOff: 101 } })).toThrow(PriceError);
    expect(() => priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, coupon: { id: 1, code: 'X', percentOff: 2.5 } })).toThrow(PriceError);
    expect(() => priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, sales: [{ id: 1, label: '', priceMinor: -1 }] })).toThrow(/sale price/);
    expect(() => priceOrder({ listUnitMinor: 1000, currency: 'USD', quantity: 1, costMinor: 0.5 })).toThrow(/cost/);
  });

  describe('properties', () => {
    const kindsArb = fc.constantFrom(...PROMOTION_KINDS);
    const policyArb: fc.Arbitrary<StackingPolicy> = fc.record({
      order: fc.shuffledSubarray([...PROMOTION_KINDS], { minLength: 3, maxLength: 3 }),
      combine: fc.record({ 'sale+tier': fc.boolean(), 'sale+coupon': fc.boolean(), 'tier+coupon': fc.boolean() }),
      exclusive: fc.uniqueArray(kindsArb, { maxLength: 3 }),
      floor: fc.record({ cost: fc.boolean(), minPercentOfList: fc.integer({ min: 0, max: 100 }) }),
    });
    const list = fc.integer({ min: 0, max: 1_000_000 });
    const saleArb = (fixedOnly: boolean) => fc.uniqueArray(
      fc.record({ id: fc.integer({ min: 1, max: 1000 }), label: fc.constant('s'), terms: fixedOnly ? fc.record({ priceMinor: fc.integer({ min: 0, max: 1_000_000 }) })
        : fc.oneof(fc.record({ priceMinor: fc.integer({ min: 0, max: 1_000_000 }) }), fc.record({ percentOff: fc.integer({ min: 1, max: 100 }) })) })
        .map(({ terms, ...s }) => ({ ...s, ...terms }) as SaleTerms),
      { selector: (s) => s.id, maxLength: 4 });
    const couponArb = (fixedOnly: boolean) => fc.option(fixedOnly ? fc.record({ amountOffMinor: fc.integer({ min: 1, max: 2_000_000 }) })
      : fc.oneof(fc.record({ amountOffMinor: fc.integer({ min: 1, max: 2_000_000 }) }), fc.record({ percentOff: fc.integer({ min: 1, max: 100 }) })), { nil: undefined })
      .map((c) => (c ? ({ id: 1, code: 'C', ...c }) as CouponTerms : undefined));
    /** Tiers at or below the list price (a discount), so every promotion saves or leaves the price alone. */
    const discountTiers = (l: number) => fc.uniqueArray(fc.record({ minQuantity: fc.integer({ min: 1, max: 200 }), unitPriceMinor: fc.integer({ min: 0, max: l }) }),
      { selector: (t) => t.minQuantity, maxLength: 4 });
    const requestArb = (fixedOnly = false) => list.chain((l) => fc.record({
      listUnitMinor: fc.constant(l), currency: fc.constant('CNY'), quantity: fc.integer({ min: 1, max: 300 }),
      channel: fc.option(discountTiers(l).map((tiers) => ({ id: 'ch', tiers })), { nil: undefined }),
      sales: saleArb(fixedOnly), coupon: couponArb(fixedOnly), costMinor: fc.integer({ min: 0, max: 1_200_000 }), policy: policyArb,
    }));
    /** The floor per key, worked out here on its own: the higher of the cost (when it counts) and the minimum share, at most the list price. */
    const floorTotal = (r: PriceRequest) => {
      const p = r.policy!;
      const minimum = Math.ceil(r.listUnitMinor * p.floor.minPercentOfList / 100);
      return Math.min(r.listUnitMinor, Math.max(p.floor.cost ? r.costMinor! : 0, minimum)) * r.quantity;
    };

    it('exact integers, never negative, the total is the list total plus every adjustment, never above it, never below the floor', () => {
      fc.assert(fc.property(requestArb(), (r) => {
        const b = priceOrder(r);
        for (const n of [b.totalMinor, b.unitMinor, ...b.adjustments.map((a) => a.amountMinor)]) expect(Number.isSafeInteger(n)).toBe(true);
        expect(b.totalMinor).toBeGreaterThanOrEqual(0);
        expect(b.totalMinor).toBe(b.list.totalMinor + b.adjustments.reduce((s, a) => s + a.amountMinor, 0));
        expect(b.totalMinor).toBeLessThanOrEqual(b.list.totalMinor);
        expect(b.totalMinor).toBeGreaterThanOrEqual(floorTotal(r));
        expect(b.unitMinor).toBe(Math.floor(b.totalMinor / r.quantity));
      }), { numRuns: 500 });
    });

    it('the policy decides what applies together: no two kinds that may not combine, an exclusive kind alone, the rest skipped with why', () => {
      fc.assert(fc.property(requestArb(), (r) => {
        const b = priceOrder(r);
        const p = r.policy!;
        const applied = [...new Set(b.adjustments.map((a) => a.kind).filter((k) => k !== 'floor'))].map((k) => (k === 'channel_tier' ? 'tier' : k) as PromotionKind);
        for (const a of applied) for (const c of applied) if (a !== c) expect(p.combine[pairOf(a, c)]).toBe(true);
        const inForce = PROMOTION_KINDS.filter((k) => (k === 'sale' ? !!r.sales?.length : k === 'coupon' ? !!r.coupon : !!tierFor(r.channel?.tiers ?? [], r.quantity)));
        const exclusive = p.order.find((k) => inForce.includes(k) && p.exclusive.includes(k));
        if (exclusive) expect(applied).toEqual([exclusive]);
        expect([...applied, ...(b.skipped ?? []).map((s) => s.kind)].sort()).toEqual([...inForce].sort());
        // applied in the policy's order
        expect(applied).toEqual(p.order.filter((k) => applied.includes(k)));
      }), { numRuns: 500 });
    });

    it('best for the buyer: without an exclusive kind in force, never dearer than any one promotion in force alone', () => {
      fc.assert(fc.property(requestArb(), (r) => {
        const p = { ...r.policy!, exclusive: [] };
        const b = priceOrder({ ...r, policy: p });
        const alone = [
          ...(r.sales ?? []).map((s) => priceOrder({ ...r, policy: p, sales: [s], coupon: undefined, channel: undefined })),
          ...(r.coupon ? [priceOrder({ ...r, policy: p, sales: [], channel: undefined })] : []),
          ...(r.channel ? [priceOrder({ ...r, policy: p, sales: [], coupon: undefined })] : []),
        ];
        for (const a of alone) expect(b.totalMinor).toBeLessThanOrEqual(a.totalMinor);
      }), { numRuns: 300 });
    });

    it('order-independent where the policy says so: the same breakdown whatever order sales and tiers are listed in', () => {
      fc.assert(fc.property(requestArb(), fc.nat(), (r, seed) => {
        const shuffle = <T>(xs: readonly T[]) => xs.map((x, i) => [x, (i * 7919 + seed) % 101] as const).sort((a, b) => a[1] - b[1]).map(([x]) => x);
        const b = priceOrder(r);
        expect(priceOrder({ ...r, sales: shuffle(r.sales ?? []), channel: r.channel && { ...r.channel, tiers: shuffle(r.channel.tiers) } })).toEqual(b);
      }), { numRuns: 300 });
    });

    it('order-independent where the policy says so: fixed amounts only, or nothing combining, the total does not depend on the policy\'s order', () => {
      // (of two exclusive kinds in force the first in the order applies: that is what the order is for)
      fc.assert(fc.property(requestArb(true), fc.shuffledSubarray([...PROMOTION_KINDS], { minLength: 3, maxLength: 3 }), (r, order) => {
        const p = { ...r.policy!, exclusive: r.policy!.exclusive.slice(0, 1) };
        expect(priceOrder({ ...r, policy: { ...p, order } }).totalMinor).toBe(priceOrder({ ...r, policy: p }).totalMinor);
      }), { numRuns: 300 });
      fc.assert(fc.property(requestArb(false), fc.shuffledSubarray([...PROMOTION_KINDS], { minLength: 3, maxLength: 3 }), (r, order) => {
        const apart = { ...r.policy!, combine: { 'sale+tier': false, 'sale+coupon': false, 'tier+coupon': false }, exclusive: [] };
        expect(priceOrder({ ...r, policy: { ...apart, order } }).totalMinor).toBe(priceOrder({ ...r, policy: apart }).totalMinor);
      }), { numRuns: 300 });
    });
  });
});

describe('shareOfAmount', () => {
  it('a per-key price: exactly the unit price times the keys; a discounted order: the proportional share, rounded down', () => {
    expect(shareOfAmount(3000n, 3, 2)).toBe(2000n);
    expect(shareOfAmount(2713, 3, 1)).toBe(904n);
    expect(shareOfAmount(2713, 3, 3)).toBe(2713n);
    expect(shareOfAmount(2713, 3, 0)).toBe(0n);
  });

  it('property: parts never add up to more than the whole, and never differ from it by a key\'s rounding or more', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), fc.integer({ min: 1, max: 10_000 }), fc.nat(), (amount, quantity, k) => {
      const keys = k % (quantity + 1);
      const a = shareOfAmount(amount, quantity, keys);
      const rest = shareOfAmount(amount, quantity, quantity - keys);
      expect(a + rest).toBeLessThanOrEqual(BigInt(amount));
      expect(BigInt(amount) - (a + rest)).toBeLessThan(2n);
    }));
  });
});
