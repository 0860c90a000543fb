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
}

/** Input of orderWorkflow. Carries ids and figures only: never key text, never the buyer's token. */
export interface OrderInput {
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

export interface PaymentFacts {
  provider: string;
  txnId: string;
  amountCents: number;
  currency: string;
  /** The payer's account at the provider, when it says (a buyer identity for limits and blacklists). */
  account?: string;
}

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
export function paymentMismatch(input: Pick<OrderInput, 'amountCents' | 'currency'>, p: PaymentFacts): string | null {
  if (p.currency.toUpperCase() !== input.currency.toUpperCase()) return `currency ${p.currency} differs from ${input.currency}`;
  if (p.amountCents !== input.amountCents) return `amount ${p.amountCents} differs from ${input.amountCents} due`;
  return null;
}

/** Who decided, and how. `reviewSeq` (from the view the operator saw) makes a stale decision fail. */
export interface Decision {
  by: { id: string; email: string };
  note?: string;
  /** Approve fewer keys than ordered; the difference is refunded. */
  quantity?: number;
  reviewSeq?: number;
}

/** What the rules step tells the workflow: the verdict plus how long a review may wait and what then. */
export interface Verdict {
  action: 'deliver' | 'review' | 'reject';
  reasons: Reason[];
  reviewTimeout: Duration;
  onTimeout: 'approve' | 'reject' | 'remind';
}

/** After-sales work on a delivered order, run as a new run of the same order workflow (same id). */
export type AfterSales =
  | { kind: 'invalid_key'; keyId: number; reason: string }
  | { kind: 'resend'; channel: string; by: string };
