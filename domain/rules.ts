import type { IdentityKind } from './identity.js';
import { formatMinor } from './money.js';

/** Rule settings: global defaults, overridden per product. Durations are `ms`-style strings. */
export interface RuleSettings {
  /** Keys one buyer may buy of a product per window (限购); null = no limit. Enforced atomically at checkout. */
  purchaseLimit: number | null;
  purchaseLimitWindow: string;
  /** Which identities a limit counts: any one of them matching makes two orders the same buyer's. */
  purchaseLimitBy: IdentityKind[];
  /** Orders above either threshold wait for a person (wholesale is legitimate, but someone looks first). */
  bulkQuantity: number;
  bulkAmountCents: number;
  /** More orders than this from one identity within the window → review. */
  velocityMaxOrders: number;
  /** More unpaid (expired or cancelled) orders than this from one identity within the window → review. */
  velocityMaxUnpaid: number;
  /**
   * More orders than this from one IP address within the window → review. Off (null) by default:
   * a reseller's API checkouts all come from its server's address.
   */
  velocityMaxOrdersPerIp: number | null;
  velocityWindow: string;
  /** A first order above this amount → review. */
  newBuyerAmountCents: number;
  /** The same buyer, product and quantity paid twice within this window → the second waits for review. */
  duplicateWindow: string;
  blacklistAction: 'reject' | 'review';
  /** How long a review may wait before its policy applies. */
  reviewTimeout: string;
  reviewTimeoutPolicy: 'auto_reject' | 'auto_approve_below' | 'remind';
  /** For `auto_approve_below`: orders up to this amount are approved at the deadline, others rejected. */
  autoApproveBelowCents: number;
}

export const DEFAULT_RULES: RuleSettings = {
  purchaseLimit: null,
  purchaseLimitWindow: '24h',
  purchaseLimitBy: ['email', 'phone', 'device', 'payment_account'],
  bulkQuantity: 20,
  bulkAmountCents: 100_000,
  velocityMaxOrders: 10,
  velocityMaxUnpaid: 5,
  velocityMaxOrdersPerIp: null,
  velocityWindow: '1h',
  newBuyerAmountCents: 50_000,
  duplicateWindow: '10m',
  blacklistAction: 'reject',
  reviewTimeout: '24h',
  reviewTimeoutPolicy: 'remind',
  autoApproveBelowCents: 2_000,
};

export const REASON_CODES = [
  'bulk_quantity', 'bulk_amount', 'velocity_orders', 'velocity_ip', 'velocity_unpaid', 'blacklisted', 'new_buyer_amount', 'duplicate_order',
  'payment_amount_low', 'payment_amount_high', 'payment_currency', 'payment_late', 'purchase_limit', 'out_of_stock',
  'invalid_key_report', 'second_payment', 'manual_delivery', 'merchant_refused', 'merchant_failed',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason { code: ReasonCode; message: string }

/** Everything the rules look at, gathered by one activity so the decision is reproducible from the record. */
export interface RuleFacts {
  quantity: number;
  amountCents: number;
  currency: string;
  payment: { amountCents: number; currency: string; afterExpiry: boolean } | null;
  /** Whether the order names a buyer at all (a partner's order may not: then no buyer's history counts). Absent in older records: true. */
  identified?: boolean;
  /** Paid orders this buyer (any identity) placed before this one, any product. */
  priorPaidOrders: number;
  /** Orders of this buyer (any personal identity) in the velocity window, this one included. */
  recentOrders: number;
  recentUnpaid: number;
  /** Orders from this order's IP address in the velocity window, this one included. */
  recentOrdersFromIp: number;
  /** Paid orders of the same buyer, product and quantity within the duplicate window, this one excluded. */
  duplicatePaidOrders: number;
  /** Keys of this product this buyer bought in the limit window, this order excluded (counts payment accounts too). */
  boughtInLimitWindow: number;
  blacklistHits: { kind: IdentityKind; value: string }[];
}

export type RuleDecision = { action: 'deliver'; reasons: [] } | { action: 'review' | 'reject'; reasons: Reason[] };

const money = (minor: number, currency: string) => `${formatMinor(minor, currency)} ${currency}`;

/** The whole rule book: facts + settings → deliver, review (with every reason that fired) or reject. Pure. */
export function evaluateRules(f: RuleFacts, s: RuleSettings): RuleDecision {
  const review: Reason[] = [];
  const reject: Reason[] = [];

  if (f.blacklistHits.length) {
    const hit = f.blacklistHits.map((h) => `${h.kind} ${h.value}`).join(', ');
    (s.blacklistAction === 'reject' ? reject : review).push({ code: 'blacklisted', message: `blacklisted: ${hit}` });
  }
  if (f.payment) {
    if (f.payment.currency.toUpperCase() !== f.currency.toUpperCase()) {
      review.push({ code: 'payment_currency', message: `paid in ${f.payment.currency}, order is in ${f.currency}` });
    } else if (f.payment.amountCents < f.amountCents) {
      review.push({ code: 'payment_amount_low', message: `paid ${money(f.payment.amountCents, f.currency)} of ${money(f.amountCents, f.currency)} due` });
    } else if (f.payment.amountCents > f.amountCents) {
      review.push({ code: 'payment_amount_high', message: `paid ${money(f.payment.amountCents, f.currency)}, only ${money(f.amountCents, f.currency)} due` });
    }
    if (f.payment.afterExpiry) review.push({ code: 'payment_late', message: 'payment arrived after the order had expired and its stock was released' });
  }
  if (f.quantity > s.bulkQuantity) review.push({ code: 'bulk_quantity', message: `${f.quantity} keys is above the bulk threshold of ${s.bulkQuantity}` });
  if (f.amountCents > s.bulkAmountCents) review.push({ code: 'bulk_amount', message: `${money(f.amountCents, f.currency)} is above the bulk threshold of ${money(s.bulkAmountCents, f.currency)}` });
  if (f.recentOrders > s.velocityMaxOrders) review.push({ code: 'velocity_orders', message: `${f.recentOrders} orders from this buyer within ${s.velocityWindow} (max ${s.velocityMaxOrders})` });
  if (s.velocityMaxOrdersPerIp !== null && f.recentOrdersFromIp > s.velocityMaxOrdersPerIp) {
    review.push({ code: 'velocity_ip', message: `${f.recentOrdersFromIp} orders from this IP address within ${s.velocityWindow} (max ${s.velocityMaxOrdersPerIp})` });
  }
  if (f.recentUnpaid > s.velocityMaxUnpaid) review.push({ code: 'velocity_unpaid', message: `${f.recentUnpaid} unpaid orders from this buyer within ${s.velocityWindow} (max ${s.velocityMaxUnpaid})` });
  if (f.identified !== false && f.priorPaidOrders === 0 && f.amountCents > s.newBuyerAmountCents) {
    review.push({ code: 'new_buyer_amount', message: `first order from this buyer, above ${money(s.newBuyerAmountCents, f.currency)}` });
  }
  if (f.duplicatePaidOrders > 0) review.push({ code: 'duplicate_order', message: `the same buyer paid for the same product and quantity within ${s.duplicateWindow}` });
  if (s.purchaseLimit !== null && f.boughtInLimitWindow + f.quantity > s.purchaseLimit) {
    review.push({ code: 'purchase_limit', message: `buyer already has ${f.boughtInLimitWindow} and this order adds ${f.quantity}, above the limit of ${s.purchaseLimit} per ${s.purchaseLimitWindow}` });
  }

  if (reject.length) return { action: 'reject', reasons: [...reject, ...review] };
  if (review.length) return { action: 'review', reasons: review };
  return { action: 'deliver', reasons: [] };
}

/** What the review timeout does with an order still waiting at its deadline. */
export function timeoutOutcome(s: RuleSettings, amountCents: number): 'approve' | 'reject' | 'remind' {
  if (s.reviewTimeoutPolicy === 'auto_reject') return 'reject';
  if (s.reviewTimeoutPolicy === 'auto_approve_below') return amountCents <= s.autoApproveBelowCents ? 'approve' : 'reject';
  return 'remind';
}
