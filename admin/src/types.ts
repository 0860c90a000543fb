import type { ChannelKind, ChannelSettings } from '../../domain/channels.js';
import type { ProviderName, SettingsField } from '../../domain/payment-providers.js';
import type { PriceBreakdown } from '../../domain/pricing.js';
import type { ReasonCode, RuleSettings } from '../../domain/rules.js';
import type { OrderStatus } from './orders/statuses.js';
import type { BuyerField, KeyFormat } from '../../domain/product-types.js';

/** Records as the admin API returns them (see the admin API contract); dates are ISO strings. */

export type Role = 'owner' | 'operator' | 'viewer';

export interface Operator {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled?: boolean;
}

export interface ReviewReason {
  code: ReasonCode;
  message: string;
}

export interface OrderKey {
  id: number;
  hint: string;
  status: KeyStatus;
}

export interface OrderEvent {
  type: string;
  actor: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface OrderRecord {
  id: string;
  status: OrderStatus;
  productId: string;
  sku: string;
  productName: string;
  /** The product's: goods of a `manual` product are entered by an operator. */
  deliveryMode: 'auto' | 'manual';
  quantity: number;
  amountCents: number;
  currency: string;
  email: string;
  paymentProvider: string;
  createdAt: string;
  paidAt: string | null;
  deliveredAt: string | null;
  expiresAt: string;
  attention: string | null;
  reviewReasons: ReviewReason[];
  /** Which review of the order this is (one count across all its runs); sent with a decision so a stale screen cannot decide a newer review. */
  reviewSeq: number;
  keys?: OrderKey[];
  events?: OrderEvent[];
  temporalUrl?: string;
  /** `retail`, or the partner channel it came through, with the partner's own order id. */
  channelId: string;
  externalOrderId: string | null;
  /** How a partner's price was reached (domain/pricing.ts); null for retail: list price × quantity. */
  priceBreakdown: PriceBreakdown | null;
  splitDelivery: boolean;
  emailKeys: boolean;
  /** The buyer's phone (E.164) when checkout took one, for an SMS product. */
  phone?: string | null;
  /** How each channel went (order page only); never what was sent. */
  deliveries?: OrderDelivery[];
  /** The order had an SMS delivery (`sms`): with its status, what domain/order-commands.ts reads for `resend_sms`. */
  smsDelivered?: boolean;
  /** What the buyer filled in for the product's own checkout fields (by name), and the product's declaration of them. */
  buyerInput?: Record<string, string | number>;
  buyerFields?: BuyerField[];
  /** The merchant system's answer for a product it fulfils (order page only); null otherwise. */
  fulfilment?: OrderFulfilment | null;
  /** A device-bound product's activation: the buyer's device, and the order whose code it is bound to (null: none yet). */
  device?: { deviceId: string; boundBy: string | null } | null;
  /** When the wait for a person is due (a review's timeout, a manual product's delivery SLA); null: none. */
  reviewDeadline?: string | null;
}

export interface OrderFulfilment {
  kind: EndpointKind;
  /** calling → fulfilled | refused | failed (kept failing: an operator retries or enters the goods). */
  status: 'calling' | 'fulfilled' | 'refused' | 'failed';
  attempts: number;
  lastError: string | null;
  reference: string | null;
  refusal: string | null;
  cardKeyId: number | null;
  updatedAt: string;
}

/**
 * One channel's delivery of an order: `email`, `resend-n`, `replace-<keyId>` by email; `sms`, `sms-resend-n`
 * by SMS (domain/delivery-channels.ts). The message itself is never stored, so never shown.
 */
export interface OrderDelivery {
  channel: string;
  recipient: string;
  /** sending, retrying, sent, failed, or unknown (the request left and no answer came: never sent again by itself). */
  status: string;
  attempts: number;
  /** The SMS provider that took it; null for email. */
  provider: string | null;
  messageId: string | null;
  lastError: string | null;
  sentAt: string | null;
  updatedAt: string;
}

/** GET /admin/api/sms: the provider the product form writes templates for (null: none configured), and its limits. */
export interface SmsConfig {
  provider: 'aliyun' | 'twilio' | null;
  placeholders: string[];
  textMax: number;
  paramsMax: number;
  paramValueMax: number;
}

export interface BuyerHistoryEntry {
  orderId: string;
  status: OrderStatus;
  createdAt: string;
  amountCents: number;
}

export interface ReviewRecord extends OrderRecord {
  facts: Record<string, unknown> | null;
  buyerHistory: BuyerHistoryEntry[];
  stock: { available: number };
  waitingSince: string;
}

export interface StockCounts {
  available: number;
  reserved: number;
  sold: number;
  void: number;
}

export interface ProductRecord {
  id: string;
  sku: string;
  name: string;
  description: string;
  guide: string;
  priceCents: number;
  currency: string;
  active: boolean;
  demo: boolean;
  /** `auto` hands out card keys; `manual` goods are entered by an operator. */
  deliveryMode: 'auto' | 'manual';
  lowStockThreshold: number;
  /** This product's rule overrides; edited through the `rules` resource. */
  rules: Partial<RuleSettings>;
  /** SMS to the buyer beside the email (domain/sms.ts says which settings fit together). */
  smsEnabled: boolean;
  smsKeysAllowed: boolean;
  smsText: string | null;
  smsTemplateCode: string | null;
  smsTemplateParams: { name: string; value: string }[] | null;
  /** `plain` keys or card number + password `pair`s; fixed once the product has keys. */
  keyFormat: KeyFormat;
  /** 1: each key sold once; more: a shared ("loop") key, delivered to up to this many buyers. */
  keyUses: number;
  /** The buyer's own checkout fields (domain/product-types.ts). */
  buyerFields: BuyerField[];
  stock: StockCounts;
  /** The merchant's own endpoints (a manual product its system fulfils); the secret is shown only when set. */
  endpoints?: Partial<Record<EndpointKind, ProductEndpointInfo>>;
  /** The buyer gives a device id at checkout (the built-in buyer field `device_id`); one code per device. */
  deviceBound?: boolean;
  /** Manual delivery: how long a paid order may wait for its goods (`30m`); null: no SLA. */
  manualSla?: string | null;
}

export interface ProductEndpointInfo { url: string; keyId: string; createdAt: string }
export type EndpointKind = 'fulfilment' | 'licence';
export interface IssuedProductEndpoint extends ProductEndpointInfo { kind: EndpointKind; secret: string }

export type KeyStatus = 'available' | 'reserved' | 'sold' | 'void';

export interface KeyRecord {
  id: number;
  productId: string;
  batchId: number | null;
  status: KeyStatus;
  hint: string;
  orderId: string | null;
  createdAt: string;
  soldAt: string | null;
  voidReason: string | null;
}

export interface BatchRecord {
  id: number;
  productId: string;
  label: string;
  createdAt: string;
  counts: Partial<Record<KeyStatus, number>>;
}

export type IdentityKind = 'email' | 'phone' | 'ip' | 'payment_account' | 'device';

export interface BuyerRecord {
  id: string;
  kind: IdentityKind;
  value: string;
  orders: number;
  paidOrders: number;
  spentCents: number;
  lastOrderAt: string | null;
  blacklisted: boolean;
  blacklistReason: string | null;
}

export interface RuleRecord {
  /** 'global', `channel:<id>` for a partner channel's layer, or the id of the product whose overrides these are. */
  id: string;
  scope: 'global' | 'channel' | 'product';
  name: string;
  /** Global: every setting. Product: only its overrides. */
  settings: Partial<RuleSettings>;
  /** What applies: global settings merged with the overrides. */
  effective: RuleSettings;
  version: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface AuditRecord {
  id: string;
  actorEmail: string;
  action: string;
  targetType: string;
  targetId: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface Stats {
  today: { salesCents: number; currency: string; orders: number; delivered: number };
  ordersPerHour: { hour: string; count: number }[];
  automationRate: number | null;
  inbox: { pending: number; oldestWaitSeconds: number | null };
  deliveryLatencyMs: { p50: number | null; p95: number | null };
  lowStock: { id: string; sku: string; name: string; available: number; threshold: number }[];
  /** Key batches whose invalid-report rate jumped (domain/feedback.ts batchJumped). */
  jumpedBatches: { id: number; label: string; productId: string; productName: string; reports: number; sold: number; reportRate: number | null; productReportRate: number | null }[];
}

export type Decision = 'approve' | 'reject';

export interface BulkDecisionResult {
  id: string;
  ok: boolean;
  status?: OrderStatus;
  error?: { code: string; message: string };
}

export type { ImportPreview } from '../../domain/admin-schemas.js';

export interface ImportResult {
  batchId: number;
  imported: number;
  duplicates: number;
}

export type { ProviderName, ReasonCode, RuleSettings };



export interface PaymentProviderRecord {
  id: Exclude<ProviderName, 'sandbox'>;
  displayName: string;
  enabled: boolean;
  /** `environment`: configured by KAMI_PAY_<NAME>_… variables, read-only here. */
  source: 'environment' | 'panel';
  canQuery: boolean;
  canRefund: boolean;
  settings: Record<string, string | number | boolean>;
  secretFields: string[];
  /** Which secrets are stored, masked: `…abcd` or `(set)`; never the value. */
  secrets: Record<string, string>;
  /** The stored secrets cannot be read with this Kami's master key (restored elsewhere, key rotated): enter them again. */
  secretsUnreadable?: boolean;
  /** Absent from a server older than the field descriptions: the form then falls back on settings and secretFields. */
  fields?: SettingsField[];
  version: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** What the panel's gateway form holds: the record plus the secrets typed (write-only, empty = keep). */
export interface PaymentProviderForm extends PaymentProviderRecord {
  newSecrets?: Record<string, string>;
}

export interface PaymentRecord {
  id: number;
  txnId: string;
  /** In the order's currency when it matched its attempt exactly, otherwise the gateway's own figures. */
  amountCents: number;
  currency: string;
  /** signature: a verified notification; query: the gateway's answer to Kami's query; operator: confirmed by hand. */
  verifiedBy: 'signature' | 'query' | 'operator';
  confirmedBy: string | null;
  receivedAt: string;
  appliedAt: string | null;
}

export interface PaymentAttemptRecord {
  id: number;
  orderId: string;
  seq: number;
  provider: ProviderName;
  gatewayOrderNo: string;
  gatewayRef: string | null;
  amountMinor: number;
  currency: string;
  /** What the buyer pays at the gateway, in its currency and exponent (USDT: 4 decimals). */
  gatewayAmountMinor: number | null;
  gatewayCurrency: string | null;
  status: 'creating' | 'open' | 'paid' | 'closed' | 'failed' | string;
  payUrl: string | null;
  qrCode: string | null;
  lastError: string | null;
  expiresAt: string;
  createdAt: string;
  payments: PaymentRecord[];
}

export interface PaymentNotificationRecord {
  id: number;
  provider: string;
  /** notify: the gateway called; query: Kami asked; manual: an operator confirmed. */
  kind: 'notify' | 'query' | 'manual';
  attemptId: number | null;
  orderId: string | null;
  method: string | null;
  path: string | null;
  headers: Record<string, string>;
  body: string;
  sourceIp: string | null;
  verified: boolean;
  /** paid, not_paid, unknown_reference, refused:<code>, query:<state>[:hint]… */
  outcome: string;
  detail: string | null;
  txnId: string | null;
  receivedAt: string;
}

export type RefundStatus = 'requested' | 'pending' | 'succeeded' | 'failed' | 'manual' | 'done';

export interface RefundRecord {
  id: number;
  orderId: string;
  paymentId: number;
  provider: string;
  amountMinor: number;
  currency: string;
  status: RefundStatus;
  reason: string;
  gatewayRefundId: string | null;
  reference: string | null;
  lastError: string | null;
  closedBy: string | null;
  createdAt: string;
  updatedAt: string;
  payment: { txnId: string } | null;
}

export interface ConfirmPaymentResult {
  orderId: string;
  /** gateway: the gateway reported it paid when asked; operator: recorded on the operator's reference. */
  confirmedBy: 'gateway' | 'operator';
  provider: string;
  paymentId: number;
}

export type { WebhookEventType } from '../../domain/events.js';

export interface WebhookEndpointRecord {
  id: number;
  channelId: string;
  url: string;
  events: string[];
  includeKeys: boolean;
  description: string;
  disabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type WebhookDeliveryStatus = 'queued' | 'retrying' | 'delivered' | 'failed';

export interface WebhookTry { id: number; n: number; startedAt: string; durationMs: number; statusCode: number | null; error: string | null; responseExcerpt: string | null }

export interface WebhookDeliveryRecord {
  id: number;
  eventId: string;
  endpointId: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
  endpoint: { id: number; url: string; channelId: string; includeKeys: boolean; disabled: boolean };
  event: { id: string; type: string; orderId: string | null; channelId: string | null; occurredAt: string; data: Record<string, unknown> };
  /** On the show route only. */
  tries?: WebhookTry[];
}

/** The signed-in operator's Telegram link (GET /telegram). */
export interface TelegramLinkState {
  configured: boolean;
  bot: string | null;
  linked: boolean;
  username: string | null;
  linkedAt: string | null;
  codePendingUntil: string | null;
}

export interface TelegramLinkCode { code: string; command: string; deepLink: string | null; expiresAt: string }

/** A partner channel's API key: listed by id and dates only (the secret is shown once, when issued). */
export interface ChannelCredentialRecord {
  keyId: string;
  createdBy: string;
  createdAt: string;
  /** Set by a rotation: the key works until then. */
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface ChannelRecord {
  id: string;
  name: string;
  kind: ChannelKind;
  disabled: boolean;
  /** With defaults filled in; null for retail (the storefront has no partner settings). */
  settings: ChannelSettings | null;
  /** Rule overrides, edited as the rules record `channel:<id>`. */
  rules: Partial<RuleSettings>;
  rulesVersion: number;
  createdAt: string;
  updatedAt: string;
  credentials: ChannelCredentialRecord[];
  balances: { currency: string; balanceMinor: number }[];
}

/** A key just issued: the one time its secret is shown. */
export interface IssuedChannelKey { keyId: string; secret: string; othersEndAt?: string }

export interface ChannelLedgerRecord {
  id: number;
  channelId: string;
  currency: string;
  amountMinor: number;
  balanceAfter: number;
  kind: 'deposit' | 'adjustment' | 'order' | 'refund';
  orderId: string | null;
  refundId: number | null;
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ChannelPriceTier { minQuantity: number; maxQuantity: number | null; unitPriceMinor: number }

/** One product's price list for a channel, in the product's currency. */
export interface ChannelPriceRow {
  productId: string;
  sku: string;
  name: string;
  active: boolean;
  currency: string;
  listPriceMinor: number;
  tiers: ChannelPriceTier[];
}
