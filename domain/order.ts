import type { Duration } from '@temporalio/common';
import type { OrderStatus } from './order-status.js';
import type { Reason } from './rules.js';

/** Durations of an order's waits, as Temporal duration strings (`15m`, `500ms`); taken from config. */
export interface OrderTimeouts {
  /** How long reserved stock is held for payment. */
  paymentHold: Duration;
  /** How long the delivery email keeps retrying before a person is asked to look. */
  emailGiveUpAfter: Duration;
  emailRetryMaxInterval: Duration;
  /**
   * While an order awaits payment on a gateway Kami can ask, its run asks at these intervals (the
   * last one repeating) and once more as the hold ends. Absent in runs from before payments.
   */
  queryEvery?: string[];
  /** How long the merchant's fulfilment endpoint is retried before the order waits for an operator. Absent in runs from before merchant fulfilment. */
  fulfilmentGiveUpAfter?: Duration;
}

/**
 * Input of orderWorkflow. Ids and times only: never key text, never the buyer's token. The run is
 * started at checkout with a start delay that ends at `expiresAt`; a payment, a cancellation or an
 * operator's message wakes it earlier.
 */
export interface OrderInput {
  orderId: string;
  productId: string;
  /** When the payment hold ends (ISO 8601). */
  expiresAt: string;
  timeouts: OrderTimeouts;
}

/**
 * Input of the order workflow as recorded before the lean spine (2026-11-28): runs still open from
 * then, and the recorded histories, replay against the frozen code that took it.
 */
export interface LegacyOrderInput {
  orderId: string;
  /** Set when a payment arrived after the order had expired: this run starts paid, for review. */
  latePayment?: boolean;
  /** Set for a later run of a delivered order: a buyer's invalid-key report, or an operator's resend. */
  afterSales?: AfterSales;
  productId: string;
  sku: string;
  quantity: number;
  amountCents: number;
  currency: string;
  timeouts: OrderTimeouts;
}

/** Input of afterSalesWorkflow: later work on a delivered order, run under the order's own workflow id. */
export interface AfterSalesInput {
  orderId: string;
  productId: string;
  request: AfterSales;
  timeouts: OrderTimeouts;
}

export interface PaymentFacts {
  provider: string;
  txnId: string;
  amountCents: number;
  currency: string;
  /** The payer's account at the provider, when it says (a buyer identity for limits and blacklists). */
  account?: string;
}

/**
 * A payment notification the webhook verified and stored. The workflow acts on the stored row that
 * `paymentId` names, never on the other fields: they are carried for runs from before the lean
 * spine, whose handler read them.
 */
export interface PaymentSignal extends PaymentFacts {
  paymentId: number;
}

/**
 * How a partner channel's order is delivered, as its row records it: in parts when stock is short
 * (`split`), and whether the keys are emailed. Absent for retail orders (all at once, emailed).
 */
export interface DeliveryTerms { split: boolean; emailKeys: boolean }

/**
 * How a paid order is delivered besides the email: `sms` when its product texts its buyers and the
 * order has their phone (retail orders; infra/settle-store.ts decides). Absent for every other order,
 * whose history stays as it was.
 */
export interface DeliveryExtras { sms?: true; device?: true }

/** What the settle step found and did with one payment (all of it proven by database rows). */
export type Settlement =
  /** No stored payment of this order by that reference: nothing happened. */
  | { outcome: 'unverified'; reason: string }
  /** The order was already paid by another payment (or had moved on): this one is flagged for a refund. */
  | { outcome: 'extra'; payment: PaymentFacts }
  /** Paid and the rules passed: the held keys are sold and readable. */
  | ({ outcome: 'deliver'; payment: PaymentFacts; quantity: number; keyIds: number[]; terms?: DeliveryTerms } & DeliveryExtras)
  /** Paid and the rules passed, but the hold fell short (keys voided while held, or a split order's stock): claim tops it up. */
  | ({ outcome: 'claim'; payment: PaymentFacts; quantity: number; terms?: DeliveryTerms } & DeliveryExtras)
  /** Paid; a rule sent it to a person, or rejects it. */
  | ({ outcome: 'review' | 'reject'; payment: PaymentFacts; quantity: number; verdict: Verdict; terms?: DeliveryTerms } & DeliveryExtras);

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  /** Increments each time the order starts waiting for a person; a decision names the one it answers. */
  reviewSeq: number;
  reviewReasons: Reason[];
  /** Ids (never text) of the keys this order holds once claimed. */
  keyIds: number[];
  payment?: PaymentFacts;
  emailAttempts: number;
}

export type OrderResult = OrderView;

/** Why a payment notification does not pay this order, or null when it does. */
export function paymentMismatch(input: { amountCents: number; currency: string }, p: PaymentFacts): string | null {
  if (p.currency.toUpperCase() !== input.currency.toUpperCase()) return `currency ${p.currency} differs from ${input.currency}`;
  if (p.amountCents !== input.amountCents) return `amount ${p.amountCents} differs from ${input.amountCents} due`;
  return null;
}

/** Who decided, and how. `reviewSeq` (from the view the operator saw) makes a stale decision fail. */
export interface Decision {
  by: { id: string; email: string };
  /**
   * The API's proof that a signed-in operator's session made this decision (an HMAC over order,
   * action, operator, session and time; see infra/crypto.ts). Without a valid one the workflow
   * records nothing and keeps waiting.
   */
  proof?: { sessionId: string; issuedAt: number; mac: string };
  note?: string;
  /** Approve fewer keys than ordered; the difference is refunded. */
  quantity?: number;
  reviewSeq?: number;
}

/** The decider the workflow records when a review outlives its timeout and its policy approves or rejects. */
export const REVIEW_TIMEOUT_POLICY = { id: 'policy', email: 'review-timeout-policy' } as const;

/** What the rules step tells the workflow: the verdict plus how long a review may wait and what then. */
export interface Verdict {
  action: 'deliver' | 'review' | 'reject';
  reasons: Reason[];
  reviewTimeout: Duration;
  onTimeout: 'approve' | 'reject' | 'remind';
}

/** After-sales work on a delivered order, run as a new run under the order's workflow id. */
export type AfterSales =
  | { kind: 'invalid_key'; keyId: number; reason: string }
  | { kind: 'resend'; channel: string; by: string };
