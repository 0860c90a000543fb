/**
 * The one seam every payment gateway plugs into: create a payment attempt, verify a notification,
 * answer the gateway, query an attempt, refund. Kami's own code (webhook, reconciliation, refunds,
 * checkout) talks only to this interface; each gateway's signing recipe lives behind it.
 */

import type { ChannelProviderName, ProviderName } from '../../domain/payment-providers.js';

export type { ChannelProviderName, ProviderName };

/** What Kami asks a gateway to collect for one attempt. Amounts are the order's, in its currency's minor units. */
export interface AttemptRequest {
  /** Kami's order number at the gateway (out_trade_no): unique per attempt. */
  gatewayOrderNo: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  /** What the buyer sees at the gateway, e.g. "Steam Wallet 10 USD × 2". */
  subject: string;
  /** Where the gateway sends its notification (routed by path: some gateways refuse query strings). */
  notifyUrl: string;
  /** Where the buyer's browser goes back to (never trusted as proof of payment). */
  returnUrl: string;
  expiresAt: Date;
  clientIp?: string;
}

/** What the gateway made of it: where the buyer pays, and what (in the gateway's own currency). */
export interface AttemptCreated {
  /** The gateway's own id for the attempt (epusdt trade_id, Stripe session id…), when it gives one. */
  gatewayRef?: string;
  /** A page to send the buyer to. */
  payUrl?: string;
  /** Text to show as a QR code (Alipay precreate, WeChat Native, a USDT address with amount). */
  qrCode?: string;
  /** What the buyer pays there, in the gateway's currency and exponent (USDT: 4 decimals). */
  gatewayAmountMinor: number;
  gatewayCurrency: string;
}

/** A notification exactly as it arrived: everything a verification needs, untouched. */
export interface RawNotification {
  method: string;
  /** Path and query string as received. */
  url: string;
  headers: Record<string, string>;
  /** The raw body bytes (empty for a GET). */
  body: Buffer;
  sourceIp?: string;
}

/** What a verified notification says, in the gateway's terms. */
export interface NotificationFacts {
  /** Kami's attempt number as the gateway echoes it. */
  gatewayOrderNo: string;
  /** The gateway's transaction id: one payment, however often it is notified. */
  txnId: string;
  /** A success status; anything else (closed, expired, refunded) is kept and acknowledged, nothing more. */
  paid: boolean;
  /** What the gateway says was paid, in its currency and exponent. */
  amountMinor: number;
  currency: string;
  /** The payer's account at the gateway, when it says. */
  account?: string;
  /**
   * The gateway's own id for the attempt (a Stripe session), when the notification names it: it must
   * then be the one stored with the attempt, or the notification names no attempt of Kami's.
   */
  gatewayRef?: string;
}

/** A notification a gateway's recipe does not verify. `code` is machine-readable: invalid_signature, stale_signature, wrong_merchant, malformed. */
export class NotificationRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** What Kami answers the gateway, in the form that gateway expects. */
export interface GatewayAnswer { status: number; body?: string | Record<string, unknown>; contentType?: string }

/** What happened to a notification, for the answer: received (stored; a duplicate too), or refused with a code. */
export type NotificationOutcome = { received: true; duplicate: boolean } | { received: false; code: string; message: string };

/**
 * A gateway's answer to Kami's own query. `proof` says how far it can be trusted: `signed` (the
 * gateway signed it), `tls` (unsigned, but from the configured host over TLS with the merchant's
 * credential, amount confirmed), `hint` (unsigned and unauthenticated: never proof on its own).
 */
export interface QueryAnswer {
  state: 'paid' | 'pending' | 'closed' | 'not_found';
  txnId?: string;
  amountMinor?: number;
  currency?: string;
  account?: string;
  proof: 'signed' | 'tls' | 'hint';
  /** The answer as received, kept with the attempt's notifications. */
  raw: string;
}

export interface RefundRequest {
  refundId: number;
  gatewayOrderNo: string;
  gatewayRef?: string;
  txnId: string;
  /** In the gateway's currency and exponent, as it was paid. */
  amountMinor: number;
  currency: string;
  reason: string;
}

export interface RefundAnswer { state: 'succeeded' | 'pending'; gatewayRefundId?: string }

/**
 * A condition a gateway noticed that a person must fix (a server clock too far off the gateway's…),
 * shown by /readyz. Reporting one is optional: a gateway without `health()` reports nothing.
 */
export interface GatewayHealth { status: 'ok' | 'degraded'; message?: string }

/** An attempt as stored, for queries and refunds. */
export interface StoredAttempt {
  gatewayOrderNo: string;
  gatewayRef: string | null;
  gatewayAmountMinor: number | null;
  gatewayCurrency: string | null;
  createdAt: Date;
}

export interface PaymentGateway {
  readonly name: ProviderName | ChannelProviderName;
  /** Currencies an order may be priced in to pay here (the gateway may charge in another, e.g. USDT). */
  readonly currencies: readonly string[];
  createAttempt(a: AttemptRequest): Promise<AttemptCreated>;
  /** Verifies a notification and says what it reports; throws NotificationRefused otherwise. */
  verifyNotification(n: RawNotification): NotificationFacts | Promise<NotificationFacts>;
  /** The answer that tells the gateway it was received (so it stops retrying, duplicates included), or refused. */
  answer(outcome: NotificationOutcome): GatewayAnswer;
  /** Absent when the gateway cannot be asked about a payment. */
  query?(a: StoredAttempt): Promise<QueryAnswer>;
  /** Absent when the gateway has no refund API: refunds then become a task for a person. */
  refund?(r: RefundRequest): Promise<RefundAnswer>;
  /** Optional: what /readyz shows for this gateway (absent: nothing is shown). Must answer at once, from memory. */
  health?(): GatewayHealth;
}

/** What a gateway module gets to build its client. */
export interface GatewayContext {
  /** Kami's base URL as buyers and gateways reach it. */
  publicUrl: string;
  /** The URL this gateway notifies (routed by path: WeChat refuses query strings). */
  notifyUrl: string;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/**
 * A gateway Kami can be configured with: its settings (from `KAMI_PAY_<NAME>_<FIELD>` environment
 * variables at start, or the owner's panel), which of them are secret (stored encrypted, never shown
 * back in full), and how to build it.
 */
export interface GatewayDefinition<S = Record<string, unknown>> {
  name: Exclude<ProviderName, 'sandbox'>;
  displayName: string;
  /** camelCase fields; from the environment, `KAMI_PAY_EPAY_PID` fills `pid` of `epay`. */
  settings: import('zod').ZodType<S>;
  secretFields: readonly string[];
  /** Whether Kami can ask it about a payment (then an unpaid order's run polls it). */
  canQuery: boolean;
  /** Whether it has a refund API (otherwise a refund is a task for a person). */
  canRefund: boolean;
  create(settings: S, ctx: GatewayContext): PaymentGateway;
}

/** Declares a gateway module (its settings type stays inside the module). */
export const defineGateway = <S>(d: GatewayDefinition<S>) => d as unknown as GatewayDefinition;
