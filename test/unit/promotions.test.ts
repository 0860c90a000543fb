import { describe, expect, it } from 'vitest';
import {
  CouponInput, CouponUpdate, couponRefusal, couponUsedUp, DEFAULT_POLICY, normalizeCouponCode, SaleInput, salesInForce, stackingPolicy, StackingPolicySchema,
  type CouponRecord, type SaleRecord,
} from '../../domain/promotions.js';

const PRODUCT = '7b1d7f5e-3c52-4c6e-9d7a-0a3d3c3c0001';
const OTHER = '7b1d7f5e-3c52-4c6e-9d7a-0a3d3c3c0002';
const NOW = new Date('2026-11-29T12:00:00Z');
const coupon = (over: Partial<CouponRecord> = {}): CouponRecord => ({
  id: 1, code: 'Spring10', percentOff: 10, amountOffMinor: null, currency: null, maxUses: null, maxUsesPerBuyer: null,
  startsAt: null, endsAt: null, products: [], channels: ['retail'], active: true, version: 0, ...over,
});
const order = { productId: PRODUCT, sku: 'GAME-100', channelId: 'retail', currency: 'USD' };

describe('couponRefusal', () => {
  it('a usable coupon: null', () => {
    expect(couponRefusal(coupon(), order, NOW)).toBeNull();
    expect(couponRefusal(coupon({ products: [PRODUCT], startsAt: new Date('2026-11-01Z'), endsAt: new Date('2026-12-01Z') }), order, NOW)).toBeNull();
  });

  it.each([
    ['withdrawn', coupon({ active: false }), 'coupon_expired', /no longer valid/],
    ['past its end', coupon({ endsAt: new Date('2026-11-29T11:59:59Z') }), 'coupon_expired', /expired on 2026-11-29 11:59 UTC/],
    ['ending this instant', coupon({ endsAt: NOW }), 'coupon_expired', /expired/],
    ['not started', coupon({ startsAt: new Date('2026-12-01T00:00:00Z') }), 'coupon_not_applicable', /can be used from 2026-12-01 00:00 UTC/],
    ['another product', coupon({ products: [OTHER] }), 'coupon_not_applicable', /does not apply to GAME-100/],
    ['another channel', coupon({ channels: ['ch_partner'] }), 'coupon_not_applicable', /cannot be used here/],
    ['a fixed amount in another currency', coupon({ percentOff: null, amountOffMinor: 500, currency: 'CNY' }), 'coupon_not_applicable', /CNY prices; GAME-100 is priced in USD/],
  ])('%s: %s', (_what, c, code, message) => {
    const r = couponRefusal(c, order, NOW);
    expect(r?.code).toBe(code);
    expect(r?.message).toMatch(message);
  });

  it('used up overall or by this buyer, said so', () => {
    expect(couponUsedUp(coupon({ maxUses: 10 }), false)).toEqual({ code: 'coupon_used_up', message: 'coupon Spring10 has been used as often as it allows (10 times)' });
    expect(couponUsedUp(coupon({ maxUsesPerBuyer: 1 }), true).message).toBe('you have already used coupon Spring10 once, as often as it allows');
    expect(couponUsedUp(coupon({ maxUsesPerBuyer: 3 }), true).message).toMatch(/3 times/);
  });

  it('codes compare without regard to case or surrounding spaces', () => {
    expect(normalizeCouponCode(' SPRING10 ')).toBe(normalizeCouponCode('spring10'));
  });
});

describe('salesInForce', () => {
  const sale = (over: Partial<SaleRecord>): SaleRecord => ({
    id: 1, label: 'Flash', priceMinor: 800, percentOff: null, startsAt: new Date('2026-11-29T11:00:00Z'), endsAt: new Date('2026-11-29T13:00:00Z'),
    channels: ['retail'], active: true, ...over,
  });

  it('on from its start, off at its end, on its channels only, not when switched off', () => {
    expect(salesInForce([sale({})], 'retail', NOW)).toEqual([{ id: 1, label: 'Flash', priceMinor: 800 }]);
    expect(salesInForce([sale({ startsAt: NOW })], 'retail', NOW)).toHaveLength(1);
    expect(salesInForce([sale({ endsAt: NOW })], 'retail', NOW)).toEqual([]);
    expect(salesInForce([sale({ startsAt: new Date('2026-11-29T12:00:01Z') })], 'retail', NOW)).toEqual([]);
    expect(salesInForce([sale({ endsAt: null })], 'retail', NOW)).toHaveLength(1);
    expect(salesInForce([sale({})], 'ch_partner', NOW)).toEqual([]);
    expect(salesInForce([sale({ active: false })], 'retail', NOW)).toEqual([]);
    expect(salesInForce([sale({ priceMinor: null, percentOff: 15 })], 'retail', NOW)).toEqual([{ id: 1, label: 'Flash', percentOff: 15 }]);
  });
});

describe('inputs', () => {
  it('a coupon takes a percentage or a fixed amount with its currency, never both, never neither', () => {
    expect(CouponInput.parse({ code: 'SPRING10', percentOff: 10 })).toMatchObject({ code: 'SPRING10', percentOff: 10, channels: ['retail'], products: [], active: true });
    expect(CouponInput.parse({ code: 'FIVE-OFF', amountOffMinor: 500, currency: 'usd' })).toMatchObject({ amountOffMinor: 500, currency: 'USD' });
    const problems = (v: unknown) => CouponInput.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ code: 'X1', percentOff: 10 })).toEqual(['code: at least 3 characters']);
    expect(problems({ code: 'HAS SPACE', percentOff: 10 })?.[0]).toMatch(/^code: use letters/);
    expect(problems({ code: 'BOTH', percentOff: 10, amountOffMinor: 100, currency: 'USD' })).toEqual(['percentOff: give either amountOffMinor or percentOff']);
    expect(problems({ code: 'NEITHER' })).toEqual(['amountOffMinor: give either amountOffMinor or percentOff']);
    expect(problems({ code: 'NOCUR', amountOffMinor: 100 })).toEqual(['currency: a fixed amount needs its currency']);
    expect(problems({ code: 'PCT', percentOff: 101 })).toEqual(['percentOff: at most 100%']);
    expect(problems({ code: 'PCT', percentOff: 12.5 })?.[0]).toMatch(/^percentOff/);
    expect(problems({ code: 'WIN', percentOff: 5, startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-11-01T00:00:00Z' })).toEqual(['endsAt: must be after the start']);
    expect(problems({ code: 'CHAN', percentOff: 5, channels: [] })).toEqual(['channels: choose at least one channel']);
    expect(CouponUpdate.safeParse({ code: 'IGNORED', percentOff: 5 }).data).not.toHaveProperty('code');
  });

  it('a sale takes a price or a percentage and a window', () => {
    expect(SaleInput.parse({ productId: PRODUCT, priceMinor: 800, startsAt: '2026-11-29T10:00:00Z' })).toMatchObject({ priceMinor: 800, channels: ['retail'], startsAt: new Date('2026-11-29T10:00:00Z') });
    expect(SaleInput.safeParse({ productId: PRODUCT, startsAt: '2026-11-29T10:00:00Z' }).success).toBe(false);
    expect(SaleInput.safeParse({ productId: PRODUCT, priceMinor: 1, percentOff: 5, startsAt: '2026-11-29T10:00:00Z' }).success).toBe(false);
    expect(SaleInput.safeParse({ productId: PRODUCT, priceMinor: 1, startsAt: '2026-11-29T10:00:00Z', endsAt: '2026-11-29T10:00:00Z' }).success).toBe(false);
  });

  it('a stored policy: defaults for what was never set; a policy lists each kind once in its order', () => {
    expect(stackingPolicy(null)).toEqual(DEFAULT_POLICY);
    expect(stackingPolicy({ exclusive: ['sale'] })).toEqual({ ...DEFAULT_POLICY, exclusive: ['sale'] });
    expect(StackingPolicySchema.safeParse({ ...DEFAULT_POLICY, order: ['sale', 'sale', 'coupon'] }).success).toBe(false);
    expect(StackingPolicySchema.safeParse({ ...DEFAULT_POLICY, order: ['sale', 'coupon'] }).success).toBe(false);
    expect(StackingPolicySchema.safeParse({ ...DEFAULT_POLICY, floor: { cost: true, minPercentOfList: 101 } }).success).toBe(false);
  });
});
