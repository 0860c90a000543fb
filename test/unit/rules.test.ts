import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IDENTITY_KINDS } from '../../domain/identity.js';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../../domain/rules-schema.js';
import {
  DEFAULT_RULES, evaluateRules, timeoutOutcome, type Reason, type ReasonCode, type RuleFacts, type RuleSettings,
} from '../../domain/rules.js';

/**
 * A quiet, returning buyer paying exactly what is due: nothing fires. Tests change one fact at a time.
 * Unless a payment is given, it follows the order amount.
 */
const facts = (o: Partial<RuleFacts> = {}): RuleFacts => {
  const amountCents = o.amountCents ?? 1_000;
  return {
    quantity: 1,
    amountCents,
    currency: 'CNY',
    payment: { amountCents, currency: 'CNY', afterExpiry: false },
    priorPaidOrders: 3,
    recentOrders: 1,
    recentUnpaid: 0,
    recentOrdersFromIp: 1,
    duplicatePaidOrders: 0,
    boughtInLimitWindow: 0,
    blacklistHits: [],
    ...o,
  };
};
const rules = (o: Partial<RuleSettings> = {}): RuleSettings => ({ ...DEFAULT_RULES, ...o });
const codes = (reasons: Reason[]) => reasons.map((r) => r.code);
const reviewFor = (code: ReasonCode, ...figures: string[]) => ({
  action: 'review',
  reasons: [{ code, message: expect.stringMatching(new RegExp(figures.map((f) => `(?=.*${escape(f)})`).join(''))) }],
});
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DELIVER = { action: 'deliver', reasons: [] };

describe('evaluateRules', () => {
  it('delivers a quiet order from a returning buyer', () => {
    expect(evaluateRules(facts(), rules())).toEqual(DELIVER);
  });

  describe('bulk quantity', () => {
    const s = rules({ bulkQuantity: 20 });
    it('does not fire at the threshold', () => {
      expect(evaluateRules(facts({ quantity: 20 }), s)).toEqual(DELIVER);
    });
    it('fires one above it, naming the quantity and the threshold', () => {
      const d = evaluateRules(facts({ quantity: 21 }), s);
      expect(d).toEqual(reviewFor('bulk_quantity', '21', '20'));
      expect(d.reasons[0]!.message).toBe('21 keys is above the bulk threshold of 20');
    });
  });

  describe('bulk amount', () => {
    const s = rules({ bulkAmountCents: 100_000 });
    it('does not fire at the threshold', () => {
      expect(evaluateRules(facts({ amountCents: 100_000 }), s)).toEqual(DELIVER);
    });
    it('fires one cent above it, naming both amounts in the order currency', () => {
      const d = evaluateRules(facts({ amountCents: 100_001, currency: 'USD', payment: { amountCents: 100_001, currency: 'USD', afterExpiry: false } }), s);
      expect(d).toEqual(reviewFor('bulk_amount', '1000.01 USD', '1000.00 USD'));
    });
  });

  describe('velocity', () => {
    const s = rules({ velocityMaxOrders: 10, velocityMaxUnpaid: 5, velocityWindow: '1h' });
    it('orders: does not fire at the maximum', () => {
      expect(evaluateRules(facts({ recentOrders: 10 }), s)).toEqual(DELIVER);
    });
    it('orders: fires one above, naming the count, the window and the maximum', () => {
      expect(evaluateRules(facts({ recentOrders: 11 }), s)).toEqual(reviewFor('velocity_orders', '11 orders', '1h', 'max 10'));
    });
    it('unpaid: does not fire at the maximum', () => {
      expect(evaluateRules(facts({ recentUnpaid: 5 }), s)).toEqual(DELIVER);
    });
    it('unpaid: fires one above, naming the count, the window and the maximum', () => {
      expect(evaluateRules(facts({ recentUnpaid: 6 }), s)).toEqual(reviewFor('velocity_unpaid', '6 unpaid', '1h', 'max 5'));
    });
    it('per IP: off by default, however many orders share the address', () => {
      expect(evaluateRules(facts({ recentOrdersFromIp: 10_000 }), s)).toEqual(DELIVER);
    });
    it('per IP: when set, does not fire at the maximum and fires one above', () => {
      const ip = rules({ velocityMaxOrdersPerIp: 30, velocityWindow: '1h' });
      expect(evaluateRules(facts({ recentOrdersFromIp: 30 }), ip)).toEqual(DELIVER);
      expect(evaluateRules(facts({ recentOrdersFromIp: 31 }), ip)).toEqual(reviewFor('velocity_ip', '31 orders', 'IP', 'max 30'));
    });
    it('uses the configured window and maxima', () => {
      const tight = rules({ velocityMaxOrders: 2, velocityMaxUnpaid: 1, velocityWindow: '15m' });
      const d = evaluateRules(facts({ recentOrders: 3, recentUnpaid: 2 }), tight);
      expect(d.action).toBe('review');
      expect(codes(d.reasons)).toEqual(['velocity_orders', 'velocity_unpaid']);
      expect(d.reasons.every((r) => r.message.includes('15m'))).toBe(true);
    });
  });

  describe('blacklist', () => {
    const hits = [{ kind: 'email' as const, value: 'mallory@example.com' }, { kind: 'ip' as const, value: '203.0.113.7' }];
    it('does not fire without hits', () => {
      expect(evaluateRules(facts({ blacklistHits: [] }), rules({ blacklistAction: 'reject' }))).toEqual(DELIVER);
    });
    it('rejects when the action is reject, naming every hit', () => {
      const d = evaluateRules(facts({ blacklistHits: hits }), rules({ blacklistAction: 'reject' }));
      expect(d.action).toBe('reject');
      expect(d.reasons).toEqual([{ code: 'blacklisted', message: expect.stringContaining('email mallory@example.com') }]);
      expect(d.reasons[0]!.message).toContain('ip 203.0.113.7');
    });
    it('sends to review when the action is review', () => {
      const d = evaluateRules(facts({ blacklistHits: hits.slice(0, 1) }), rules({ blacklistAction: 'review' }));
      expect(d).toEqual(reviewFor('blacklisted', 'email mallory@example.com'));
    });
    it('reject wins over review reasons but keeps them listed after it', () => {
      const d = evaluateRules(facts({ blacklistHits: hits, quantity: 21, recentOrders: 11 }), rules({ blacklistAction: 'reject' }));
      expect(d.action).toBe('reject');
      expect(codes(d.reasons)).toEqual(['blacklisted', 'bulk_quantity', 'velocity_orders']);
    });
    it('as a review reason it is listed among the others', () => {
      const d = evaluateRules(facts({ blacklistHits: hits, quantity: 21 }), rules({ blacklistAction: 'review' }));
      expect(d.action).toBe('review');
      expect(codes(d.reasons)).toEqual(['blacklisted', 'bulk_quantity']);
    });
  });

  describe('new buyer above amount', () => {
    const s = rules({ newBuyerAmountCents: 50_000 });
    it('does not fire for a first order at the threshold', () => {
      expect(evaluateRules(facts({ priorPaidOrders: 0, amountCents: 50_000 }), s)).toEqual(DELIVER);
    });
    it('fires for a first order one cent above, naming the threshold', () => {
      expect(evaluateRules(facts({ priorPaidOrders: 0, amountCents: 50_001 }), s)).toEqual(reviewFor('new_buyer_amount', 'first order', '500.00 CNY'));
    });
    it('does not fire for a returning buyer at the same amount', () => {
      expect(evaluateRules(facts({ priorPaidOrders: 1, amountCents: 50_001 }), s)).toEqual(DELIVER);
    });
    it('does not fire for an order that names no buyer (a partner\'s order without one: nobody is new)', () => {
      expect(evaluateRules(facts({ identified: false, priorPaidOrders: 0, amountCents: 50_001 }), s)).toEqual(DELIVER);
    });
  });

  describe('duplicate order', () => {
    it('does not fire without an earlier paid duplicate', () => {
      expect(evaluateRules(facts({ duplicatePaidOrders: 0 }), rules())).toEqual(DELIVER);
    });
    it('fires with one, naming the window', () => {
      expect(evaluateRules(facts({ duplicatePaidOrders: 1 }), rules({ duplicateWindow: '10m' }))).toEqual(reviewFor('duplicate_order', '10m'));
    });
  });

  describe('payment anomalies', () => {
    const pay = (amountCents: number, currency = 'CNY', afterExpiry = false) => ({ amountCents, currency, afterExpiry });
    it('an exact payment fires nothing, currency compared case-insensitively', () => {
      expect(evaluateRules(facts({ amountCents: 1_000, payment: pay(1_000) }), rules())).toEqual(DELIVER);
      expect(evaluateRules(facts({ amountCents: 1_000, payment: pay(1_000, 'cny') }), rules())).toEqual(DELIVER);
    });
    it('no payment yet fires nothing', () => {
      expect(evaluateRules(facts({ payment: null }), rules())).toEqual(DELIVER);
    });
    it('amount low: one cent short, naming paid and due', () => {
      expect(evaluateRules(facts({ amountCents: 1_000, payment: pay(999) }), rules()))
        .toEqual(reviewFor('payment_amount_low', '9.99 CNY', '10.00 CNY'));
    });
    it('amount high: one cent over, naming paid and due', () => {
      expect(evaluateRules(facts({ amountCents: 1_000, payment: pay(1_001) }), rules()))
        .toEqual(reviewFor('payment_amount_high', '10.01 CNY', '10.00 CNY'));
    });
    it('other currency: naming both currencies, and no amount comparison across currencies', () => {
      expect(evaluateRules(facts({ amountCents: 1_000, payment: pay(150, 'USD') }), rules()))
        .toEqual(reviewFor('payment_currency', 'USD', 'CNY'));
    });
    it('late payment after expiry', () => {
      expect(evaluateRules(facts({ payment: pay(1_000, 'CNY', true) }), rules())).toEqual(reviewFor('payment_late', 'expired'));
    });
    it('late and short are both listed', () => {
      const d = evaluateRules(facts({ amountCents: 1_000, payment: pay(500, 'CNY', true) }), rules());
      expect(d.action).toBe('review');
      expect(codes(d.reasons)).toEqual(['payment_amount_low', 'payment_late']);
    });
  });

  describe('purchase limit', () => {
    const s = rules({ purchaseLimit: 5, purchaseLimitWindow: '24h' });
    it('does not fire when bought + quantity reaches the limit exactly', () => {
      expect(evaluateRules(facts({ boughtInLimitWindow: 3, quantity: 2 }), s)).toEqual(DELIVER);
      expect(evaluateRules(facts({ boughtInLimitWindow: 0, quantity: 5 }), s)).toEqual(DELIVER);
    });
    it('fires when bought + quantity is one above, naming bought, quantity, limit and window', () => {
      expect(evaluateRules(facts({ boughtInLimitWindow: 3, quantity: 3 }), s)).toEqual(reviewFor('purchase_limit', 'has 3', 'adds 3', 'limit of 5', '24h'));
    });
    it('counts this order: a first purchase above the limit fires and says how many this order adds', () => {
      expect(evaluateRules(facts({ boughtInLimitWindow: 0, quantity: 6 }), s)).toEqual(reviewFor('purchase_limit', 'has 0', 'adds 6', 'limit of 5', '24h'));
    });
    it('a null limit never fires', () => {
      const none = rules({ purchaseLimit: null, bulkQuantity: 1_000_000 });
      expect(evaluateRules(facts({ boughtInLimitWindow: 999_999, quantity: 1_000 }), none)).toEqual(DELIVER);
    });
  });

  it('lists every reason that fired, in rule-book order', () => {
    const s = rules({ purchaseLimit: 10, blacklistAction: 'review' });
    const d = evaluateRules({
      quantity: 30, amountCents: 200_000, currency: 'CNY',
      payment: { amountCents: 100, currency: 'CNY', afterExpiry: true },
      priorPaidOrders: 0, recentOrders: 50, recentUnpaid: 50, recentOrdersFromIp: 0, duplicatePaidOrders: 2, boughtInLimitWindow: 5,
      blacklistHits: [{ kind: 'device', value: 'dev-1' }],
    }, s);
    expect(d.action).toBe('review');
    expect(codes(d.reasons)).toEqual([
      'blacklisted', 'payment_amount_low', 'payment_late', 'bulk_quantity', 'bulk_amount', 'velocity_orders', 'velocity_unpaid',
      'new_buyer_amount', 'duplicate_order', 'purchase_limit',
    ]);
  });
});

describe('DEFAULT_RULES out of the box', () => {
  it('sends 21 keys to review', () => {
    expect(evaluateRules(facts({ quantity: 21 }), DEFAULT_RULES)).toEqual(reviewFor('bulk_quantity', '21', '20'));
  });
  it('sends an order above 1000.00 in the shop currency to review', () => {
    expect(evaluateRules(facts({ amountCents: 100_001 }), DEFAULT_RULES)).toEqual(reviewFor('bulk_amount', '1000.01 CNY', '1000.00 CNY'));
  });
  it('delivers 20 keys for exactly 1000.00 to a returning buyer', () => {
    expect(evaluateRules(facts({ quantity: 20, amountCents: 100_000 }), DEFAULT_RULES)).toEqual(DELIVER);
  });
  it('a first-time buyer at 1000.00 is held as a new buyer, not as bulk', () => {
    const d = evaluateRules(facts({ quantity: 20, amountCents: 100_000, priorPaidOrders: 0 }), DEFAULT_RULES);
    expect(codes(d.reasons)).toEqual(['new_buyer_amount']);
  });
  it('has no purchase limit and rejects blacklisted buyers', () => {
    expect(DEFAULT_RULES.purchaseLimit).toBeNull();
    expect(evaluateRules(facts({ blacklistHits: [{ kind: 'phone', value: '+8613800138000' }] }), DEFAULT_RULES).action).toBe('reject');
  });
});

describe('timeoutOutcome', () => {
  it('auto_reject rejects whatever the amount', () => {
    const s = rules({ reviewTimeoutPolicy: 'auto_reject', autoApproveBelowCents: 2_000 });
    expect(timeoutOutcome(s, 0)).toBe('reject');
    expect(timeoutOutcome(s, 1_000_000)).toBe('reject');
  });
  it('remind keeps waiting whatever the amount', () => {
    const s = rules({ reviewTimeoutPolicy: 'remind' });
    expect(timeoutOutcome(s, 0)).toBe('remind');
    expect(timeoutOutcome(s, 1_000_000)).toBe('remind');
    expect(timeoutOutcome(DEFAULT_RULES, 100)).toBe('remind');
  });
  it('auto_approve_below approves up to and including the bound, rejects above it', () => {
    const s = rules({ reviewTimeoutPolicy: 'auto_approve_below', autoApproveBelowCents: 2_000 });
    expect(timeoutOutcome(s, 0)).toBe('approve');
    expect(timeoutOutcome(s, 1_999)).toBe('approve');
    expect(timeoutOutcome(s, 2_000)).toBe('approve');
    expect(timeoutOutcome(s, 2_001)).toBe('reject');
  });
});

describe('RuleSettingsSchema', () => {
  it('accepts DEFAULT_RULES unchanged', () => {
    expect(RuleSettingsSchema.parse(DEFAULT_RULES)).toEqual(DEFAULT_RULES);
  });
  it('accepts every duration unit and a set purchase limit', () => {
    for (const d of ['500ms', '30s', '15m', '24h', '7d']) {
      expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, velocityWindow: d, purchaseLimit: 3 }).success).toBe(true);
    }
  });
  it.each(['24 hours', '1w', '', 'h', '-5m', '1.5h', '10M', ' 10m', 10])('rejects the duration %j', (bad) => {
    for (const key of ['purchaseLimitWindow', 'velocityWindow', 'duplicateWindow', 'reviewTimeout'] as const) {
      const r = RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, [key]: bad });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual([key]);
    }
  });
  it.each(['bulkAmountCents', 'newBuyerAmountCents', 'autoApproveBelowCents'] as const)('rejects a negative or fractional %s', (key) => {
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, [key]: -1 }).success).toBe(false);
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, [key]: 10.5 }).success).toBe(false);
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, [key]: 0 }).success).toBe(true);
  });
  it('rejects zero counts and limits', () => {
    for (const key of ['purchaseLimit', 'bulkQuantity', 'velocityMaxOrders', 'velocityMaxUnpaid'] as const) {
      expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, [key]: 0 }).success).toBe(false);
    }
  });
  it('rejects unknown keys', () => {
    const r = RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, bulkQuantityy: 5 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.code).toBe('unrecognized_keys');
  });
  it('rejects missing keys, unknown enum values and an empty purchaseLimitBy', () => {
    const { bulkQuantity: _, ...missing } = DEFAULT_RULES;
    expect(RuleSettingsSchema.safeParse(missing).success).toBe(false);
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, blacklistAction: 'ignore' }).success).toBe(false);
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, reviewTimeoutPolicy: 'auto_approve' }).success).toBe(false);
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, purchaseLimitBy: [] }).success).toBe(false);
    expect(RuleSettingsSchema.safeParse({ ...DEFAULT_RULES, purchaseLimitBy: ['cookie'] }).success).toBe(false);
  });
});

describe('ProductRuleOverridesSchema', () => {
  it('accepts a partial object, including an empty one', () => {
    expect(ProductRuleOverridesSchema.parse({ bulkQuantity: 5, purchaseLimit: 1 })).toEqual({ bulkQuantity: 5, purchaseLimit: 1 });
    expect(ProductRuleOverridesSchema.parse({ purchaseLimit: null })).toEqual({ purchaseLimit: null });
    expect(ProductRuleOverridesSchema.parse({})).toEqual({});
  });
  it('still validates the keys it has and rejects unknown ones', () => {
    expect(ProductRuleOverridesSchema.safeParse({ reviewTimeout: 'tomorrow' }).success).toBe(false);
    expect(ProductRuleOverridesSchema.safeParse({ bulkAmountCents: -100 }).success).toBe(false);
    expect(ProductRuleOverridesSchema.safeParse({ colour: 'red' }).success).toBe(false);
  });
});

describe('evaluateRules, properties', () => {
  const count = fc.nat({ max: 100 });
  const cents = fc.nat({ max: 500_000 });
  const currency = fc.constantFrom('CNY', 'cny', 'USD');
  const arbFacts: fc.Arbitrary<RuleFacts> = fc.record({
    quantity: fc.integer({ min: 1, max: 100 }),
    amountCents: cents,
    currency,
    payment: fc.option(fc.record({ amountCents: cents, currency, afterExpiry: fc.boolean() }), { nil: null }),
    priorPaidOrders: count,
    recentOrders: count,
    recentUnpaid: count,
    recentOrdersFromIp: count,
    duplicatePaidOrders: fc.nat({ max: 3 }),
    boughtInLimitWindow: count,
    blacklistHits: fc.array(fc.record({ kind: fc.constantFrom(...IDENTITY_KINDS), value: fc.string({ maxLength: 12 }) }), { maxLength: 3 }),
  });
  const arbSettings: fc.Arbitrary<RuleSettings> = fc.record({
    purchaseLimit: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
    bulkQuantity: fc.integer({ min: 1, max: 100 }),
    bulkAmountCents: cents,
    velocityMaxOrders: fc.integer({ min: 1, max: 100 }),
    velocityMaxUnpaid: fc.integer({ min: 1, max: 100 }),
    velocityMaxOrdersPerIp: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
    newBuyerAmountCents: cents,
    blacklistAction: fc.constantFrom('reject' as const, 'review' as const),
  }).map((o) => ({ ...DEFAULT_RULES, ...o }));

  it('generated settings are valid settings', () => {
    fc.assert(fc.property(arbSettings, (s) => RuleSettingsSchema.safeParse(s).success));
  });

  it('deliver iff no reason fired; reasons never repeat; no blacklist hit never rejects', () => {
    fc.assert(fc.property(arbFacts, arbSettings, (f, s) => {
      const d = evaluateRules(f, s);
      expect(d.action === 'deliver').toBe(d.reasons.length === 0);
      expect(new Set(codes(d.reasons)).size).toBe(d.reasons.length);
      if (f.blacklistHits.length === 0) expect(d.action).not.toBe('reject');
      else expect(d.action).toBe(s.blacklistAction);
    }), { numRuns: 2_000 });
  });

  it('the reasons are exactly the thresholds crossed (an independent restatement of the rule book)', () => {
    fc.assert(fc.property(arbFacts, arbSettings, (f, s) => {
      const expected = new Set<ReasonCode>();
      if (f.blacklistHits.length) expected.add('blacklisted');
      if (f.payment) {
        const same = f.payment.currency.toUpperCase() === f.currency.toUpperCase();
        if (!same) expected.add('payment_currency');
        if (same && f.payment.amountCents < f.amountCents) expected.add('payment_amount_low');
        if (same && f.payment.amountCents > f.amountCents) expected.add('payment_amount_high');
        if (f.payment.afterExpiry) expected.add('payment_late');
      }
      if (f.quantity > s.bulkQuantity) expected.add('bulk_quantity');
      if (f.amountCents > s.bulkAmountCents) expected.add('bulk_amount');
      if (f.recentOrders > s.velocityMaxOrders) expected.add('velocity_orders');
      if (s.velocityMaxOrdersPerIp !== null && f.recentOrdersFromIp > s.velocityMaxOrdersPerIp) expected.add('velocity_ip');
      if (f.recentUnpaid > s.velocityMaxUnpaid) expected.add('velocity_unpaid');
      if (f.priorPaidOrders === 0 && f.amountCents > s.newBuyerAmountCents) expected.add('new_buyer_amount');
      if (f.duplicatePaidOrders > 0) expected.add('duplicate_order');
      if (s.purchaseLimit !== null && f.boughtInLimitWindow + f.quantity > s.purchaseLimit) expected.add('purchase_limit');
      const d = evaluateRules(f, s);
      expect(new Set(codes(d.reasons))).toEqual(expected);
      for (const r of d.reasons) expect(r.message.length).toBeGreaterThan(0);
    }), { numRuns: 2_000 });
  });

  it('is pure: the same facts and settings give the same decision and are not mutated', () => {
    fc.assert(fc.property(arbFacts, arbSettings, (f, s) => {
      const before = structuredClone({ f, s });
      expect(evaluateRules(f, s)).toEqual(evaluateRules(f, s));
      expect({ f, s }).toEqual(before);
    }), { numRuns: 300 });
  });
});
