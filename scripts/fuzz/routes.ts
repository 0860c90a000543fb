import type express from 'express';
import { z } from 'zod';
import { KeyImportBody, KeyImportPreviewBody, KeyRevealBody, KeyVoidBody, LoginBody, OperatorCreate, OperatorUpdate, ProductInput, ProductUpdate, ROLES } from '../../domain/admin-schemas.js';
import { IDENTITY_KINDS } from '../../domain/identity.js';
import { ORDER_STATUSES } from '../../domain/order-status.js';
import { RuleSettingsSchema } from '../../domain/rules-schema.js';
import { REASON_CODES } from '../../domain/rules.js';
import { ChannelCreateInput, ChannelUpdateInput, LEDGER_KINDS, LedgerEntryInput, RotateCredentialInput } from '../../domain/channels.js';
import { WEBHOOK_EVENT_TYPES, WebhookEndpointInput, WebhookEndpointUpdate, WebhookUrl } from '../../domain/events.js';
import { PriceTiersSchema } from '../../domain/pricing.js';
import { PROVIDER_NAMES } from '../../domain/payment-providers.js';
import { LOGO_TYPES, ShopSettingsInput } from '../../domain/shop.js';
import { CouponInput, CouponUpdate, SaleInput, SaleUpdate, StackingPolicySchema } from '../../domain/promotions.js';
import { SandboxNotification } from '../../infra/payments/sandbox.js';

/**
 * Every route the fuzzer knows, public and admin, in one table. `routeInventory(app)` walks the
 * express app so a route added to Kami but not here fails the inventory check (and `npm run fuzz`).
 * Public routes take their parameter, query, header and body schemas from Kami's own OpenAPI
 * document (GET /openapi.json); the admin API has no such document, so its inputs are listed here:
 * the exported zod schemas where Kami exports them, a copy of the router's schema where it does not.
 */

/** How a path parameter is generated: which seeded ids it draws from, next to junk. */
export type ParamKind = 'orderId' | 'provider' | 'productId' | 'operatorId' | 'ruleId' | 'keyId' | 'batchId' | 'auditId' | 'buyerId' | 'refundId'
  | 'channelId' | 'channelKeyId' | 'webhookEndpointId' | 'webhookDeliveryId' | 'secret' | 'partnerOrderId' | 'sku' | 'couponId' | 'saleId'
  /** A product's merchant endpoint kind (`fulfilment`, `licence`). */
  | 'endpointKind'
  /** A singleton record's fixed id (the stacking policy is `shop`). */
  | 'singleton';

/** Who the request claims to be. */
export type AuthKind =
  | 'none'
  /** `Authorization: Bearer <accessToken>` of the order in the path. */
  | 'bearer'
  /** `Kami-Signature` over the raw body, with the sandbox webhook secret. */
  | 'signature'
  /** `?token=<accessToken>` of the order in the path (buyer pages). */
  | 'token-query'
  /** Operator panel session cookie and X-CSRF-Token. */
  | 'session'
  /** A partner channel's signed request: Kami-Key-Id, Kami-Timestamp, Kami-Nonce, Kami-Signature over the exact bytes. */
  | 'partner';

export interface ListSpec { sortable: readonly string[]; filter: z.ZodType }

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The express path, e.g. `/admin/api/products/:id`. */
  path: string;
  area: 'public' | 'admin';
  auth: AuthKind;
  params?: Record<string, ParamKind>;
  /** Public routes: inputs from the OpenAPI document; `body` overrides a body the document leaves out. */
  openapi?: boolean;
  body?: z.ZodType;
  query?: z.ZodType;
  /** ra-data-simple-rest list: `sort`, `range` and `filter` as JSON in the query. */
  list?: ListSpec;
  /** May answer errors as an HTML page (buyer pages in a browser). */
  html?: boolean;
  /** An HTML form: its body is sent form-encoded (`application/x-www-form-urlencoded`) when clean. */
  form?: boolean;
  /** A file upload: the body is raw bytes of the given types (a logo), not JSON. */
  upload?: { types: readonly string[]; sample: Buffer };
  /** `?wait=` holds the answer up to 30 s by design. */
  longPoll?: boolean;
  /** After it succeeds, check the shop still lists and sells the products it touched. */
  probe?: boolean;
  /** After it succeeds, the harness's own sessions may be gone (sign-out, operator changes). */
  touchesSessions?: boolean;
  /**
   * Tables a refused request may write by design, and why: the only exceptions to "a refused request
   * changes nothing". Keep them few and explained.
   */
  refusedMayWrite?: { tables: string[]; why: string };
  /**
   * Served only when Kami is configured for it (the OpenAPI document lists it regardless): the
   * inventory does not expect it, and it is fuzzed only where it is served.
   */
  onlyWhen?: string;
}

export const routeId = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

// ---- copies of admin inputs the routers keep private (api/admin/*.ts); keep them in step ------------

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1).max(1000)]);
const dateBound = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const KEY_STATUSES = ['available', 'reserved', 'sold', 'void'] as const;

const LISTS = {
  orders: {
    sortable: ['id', 'status', 'quantity', 'amountCents', 'email', 'paymentProvider', 'createdAt', 'paidAt', 'deliveredAt', 'expiresAt', 'updatedAt'],
    filter: z.strictObject({
      id: oneOrMany(z.string().max(40)).optional(), status: oneOrMany(z.enum(ORDER_STATUSES)).optional(), productId: z.uuid().optional(),
      email: z.string().max(254).optional(), q: z.string().min(1).max(254).optional(), createdFrom: dateBound.optional(), createdTo: dateBound.optional(),
      paymentProvider: z.string().max(32).optional(),
    }),
  },
  products: {
    sortable: ['id', 'sku', 'name', 'priceCents', 'currency', 'active', 'createdAt', 'updatedAt'],
    filter: z.strictObject({ id: oneOrMany(z.uuid()).optional(), q: z.string().min(1).max(200).optional(), sku: z.string().max(64).optional(), active: z.boolean().optional(), demo: z.boolean().optional() }),
  },
  keys: {
    sortable: ['id', 'batchId', 'status', 'createdAt', 'soldAt'],
    filter: z.strictObject({
      id: oneOrMany(z.int().positive()).optional(), productId: z.uuid().optional(), batchId: z.int().positive().optional(),
      status: oneOrMany(z.enum(KEY_STATUSES)).optional(), orderId: z.string().max(40).optional(),
    }),
  },
  batches: {
    sortable: ['id', 'label', 'createdAt'],
    filter: z.strictObject({ id: oneOrMany(z.int().positive()).optional(), productId: z.uuid().optional(), q: z.string().min(1).max(200).optional() }),
  },
  audit: {
    sortable: ['id', 'createdAt', 'action', 'actorEmail', 'targetType'],
    filter: z.strictObject({
      id: oneOrMany(z.int().positive()).optional(), actorEmail: z.string().min(1).max(254).optional(), action: z.string().min(1).max(64).optional(),
      targetType: z.string().max(40).optional(), targetId: z.string().max(64).optional(), createdFrom: dateBound.optional(), createdTo: dateBound.optional(),
    }),
  },
  operators: {
    sortable: ['id', 'email', 'name', 'role', 'disabled', 'createdAt'],
    filter: z.strictObject({ id: oneOrMany(z.uuid()).optional(), q: z.string().min(1).max(254).optional(), role: oneOrMany(z.enum(ROLES)).optional(), disabled: z.boolean().optional() }),
  },
  reviews: {
    sortable: ['reviewSince', 'createdAt', 'amountCents', 'quantity', 'id'],
    filter: z.strictObject({
      id: oneOrMany(z.string().max(40)).optional(), status: oneOrMany(z.enum(['in_review', 'backorder'])).optional(), reason: z.enum(REASON_CODES).optional(),
      productId: z.uuid().optional(), olderThanMinutes: z.int().min(0).max(525_600).optional(),
    }),
  },
  buyers: {
    sortable: ['lastOrderAt', 'orders', 'paidOrders', 'value', 'kind'],
    filter: z.strictObject({ q: z.string().min(1).max(254).optional(), kind: z.enum(IDENTITY_KINDS).optional(), blacklisted: z.boolean().optional() }),
  },
  paymentNotifications: {
    sortable: ['id', 'receivedAt', 'provider', 'outcome'],
    filter: z.strictObject({ orderId: z.string().min(1).max(40).optional(), provider: z.string().max(16).optional(), verified: z.boolean().optional(), unmatched: z.boolean().optional() }),
  },
  paymentAttempts: {
    sortable: ['id', 'createdAt', 'seq'],
    filter: z.strictObject({ orderId: z.string().min(1).max(40).optional(), provider: z.string().max(16).optional(), status: z.string().max(16).optional() }),
  },
  refunds: {
    sortable: ['id', 'createdAt', 'status', 'amountMinor'],
    filter: z.strictObject({ id: oneOrMany(z.int().positive()).optional(), orderId: z.string().min(1).max(40).optional(), status: oneOrMany(z.string().max(16)).optional() }),
  },
} satisfies Record<string, ListSpec>;

const Note = z.string().max(1000).optional();
const DecisionBody = z.strictObject({ note: Note, quantity: z.int().min(1).optional(), reviewSeq: z.int().min(1).optional() });
const BulkBody = z.strictObject({ ids: z.array(z.string().min(1).max(40)).min(1).max(200), decision: z.enum(['approve', 'reject']), note: Note });
const GoodsBody = z.strictObject({ goods: z.array(z.string().min(1).max(500)).min(1).max(500) });
const CancelBody = z.strictObject({ note: Note });
const BlacklistBody = z.object({ blacklisted: z.boolean(), blacklistReason: z.string().max(500).nullish() });
const RulesBody = z.object({ settings: z.union([RuleSettingsSchema, RuleSettingsSchema.partial()]) });
const ConfirmPaymentBody = z.strictObject({ reference: z.string().min(3).max(100).optional(), note: z.string().max(1000).optional() });
const CloseRefundBody = z.strictObject({ reference: z.string().min(3).max(200) });
const ProviderUpdate = z.strictObject({
  enabled: z.boolean(), displayName: z.string().min(1).max(60),
  settings: z.record(z.string().max(64), z.union([z.string().max(4000), z.number(), z.boolean()])).optional(),
  secrets: z.record(z.string().max(64), z.string().max(8000)).optional(),
});
const ExportQuery = z.object({ productId: z.uuid(), batchId: z.int().positive().optional() });
const StatsQuery = z.object({ tz: z.string().max(64).optional() });
/** What an Epay-style gateway sends as a GET notification (signed query parameters). */
const EpayQuery = z.object({
  pid: z.string().max(20).optional(), trade_no: z.string().max(64).optional(), out_trade_no: z.string().max(64).optional(), type: z.string().max(20).optional(),
  name: z.string().max(100).optional(), money: z.string().max(20).optional(), trade_status: z.string().max(20).optional(), sign: z.string().max(64).optional(), sign_type: z.string().max(8).optional(),
});
/** Gateways' notifications are kept raw, verified or not, for disputes (infra/payment-store.ts keepNotification). */
const KEPT_NOTIFICATIONS = { tables: ['payment_notification'], why: 'every notification is kept raw, refused ones too, for disputes' };

const ChannelListFilter = z.strictObject({ id: z.union([z.string().min(1).max(40), z.array(z.string().min(1).max(40)).max(1000)]).optional(), kind: z.string().max(16).optional(), q: z.string().min(1).max(120).optional() });
const LedgerListFilter = z.strictObject({ channelId: z.string().min(1).max(40).optional(), currency: z.string().max(8).optional(), kind: z.enum(LEDGER_KINDS).optional() });
const WebhookEndpointFilter = z.strictObject({ id: oneOrMany(z.int().positive()).optional(), channelId: z.string().min(1).max(40).optional(), disabled: z.boolean().optional() });
const WebhookDeliveryFilter = z.strictObject({
  id: oneOrMany(z.int().positive()).optional(), endpointId: z.int().positive().optional(), channelId: z.string().min(1).max(40).optional(),
  status: oneOrMany(z.enum(['queued', 'retrying', 'delivered', 'failed'])).optional(), eventType: z.enum([...WEBHOOK_EVENT_TYPES, 'webhook.test']).optional(),
  orderId: z.string().min(1).max(40).optional(),
});
const PriceTiersBody = z.strictObject({ tiers: PriceTiersSchema });
/** What Telegram posts to the bot's webhook (api/telegram.ts keeps its copy private). */
const TelegramUpdate = z.object({
  update_id: z.int(),
  message: z.object({ message_id: z.int(), from: z.object({ id: z.int().positive(), username: z.string().max(64).optional() }).optional(), chat: z.object({ id: z.int(), type: z.string() }), text: z.string().max(4096).optional() }).optional(),
  callback_query: z.object({ id: z.string().min(1).max(100), from: z.object({ id: z.int().positive() }), data: z.string().max(64).optional() }).optional(),
});
/** The partner API's nonces (and a key's last use) are remembered once a request passed its signature, whatever comes after. */
const PARTNER_NONCES = { tables: ['channel_nonce', 'channel_credential'], why: 'a signed request uses up its nonce (replays refused) before the body is judged' };

/** What the storefront's forms post (api/pages/storefront.ts, api/pages/routes.ts read them field by field). */
const ProductForm = z.object({
  email: z.email().max(254), quantity: z.string().regex(/^\d{1,4}$/), phone: z.string().max(32).optional(), deviceId: z.string().max(128).optional(),
  provider: z.enum(PROVIDER_NAMES).optional(), password: z.string().min(6).max(64).optional(),
});
const LookupForm = z.object({ by: z.enum(['order', 'password']).optional(), email: z.email().max(254), orderId: z.string().max(40).optional(), password: z.string().max(64).optional() });
const FeedbackForm = z.object({ rating: z.string().regex(/^[1-5]$/), comment: z.string().max(1000).optional() });
const ReportForm = z.object({ key: z.string().max(500), reason: z.string().max(500) });
const FeedbackListFilter = z.strictObject({ productId: z.uuid().optional(), batchId: z.int().positive().optional(), rating: oneOrMany(z.int().min(1).max(5)).optional(), q: z.string().min(1).max(200).optional() });
const CouponFilter = z.strictObject({ id: oneOrMany(z.int().positive()).optional(), q: z.string().min(1).max(32).optional(), active: z.boolean().optional() });
const CouponUseFilter = z.strictObject({ couponId: z.int().positive().optional(), orderId: z.string().min(1).max(40).optional() });
const SaleFilter = z.strictObject({ id: oneOrMany(z.int().positive()).optional(), productId: z.uuid().optional(), active: z.boolean().optional() });
const PolicyBody = z.object({ policy: StackingPolicySchema });
/** A 1×1 PNG: the smallest logo the shop accepts. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

// ---- the table ------------------------------------------------------------------------------------

const pub = (method: RouteSpec['method'], path: string, o: Partial<RouteSpec> = {}): RouteSpec => ({ method, path, area: 'public', auth: 'none', ...o });
const adm = (method: RouteSpec['method'], path: string, o: Partial<RouteSpec> = {}): RouteSpec => ({ method, path: `/admin/api${path}`, area: 'admin', auth: 'session', ...o });

export const ROUTES: RouteSpec[] = [
  // public: the checkout API (OpenAPI), its webhook, health and the buyer's pages
  pub('GET', '/healthz'),
  pub('GET', '/readyz'),
  pub('GET', '/openapi.json'),
  pub('GET', '/api/v1/products', { openapi: true }),
  pub('GET', '/api/v1/products/:sku', { openapi: true, params: { sku: 'sku' } }),
  pub('POST', '/api/v1/lookup', { openapi: true }),
  pub('POST', '/api/v1/quote', { openapi: true }),
  pub('POST', '/api/v1/orders/:orderId/resend', { openapi: true, auth: 'bearer', params: { orderId: 'orderId' } }),
  pub('PUT', '/api/v1/orders/:orderId/feedback', { openapi: true, auth: 'bearer', params: { orderId: 'orderId' } }),
  pub('POST', '/api/v1/orders', { openapi: true, probe: false }),
  pub('GET', '/api/v1/orders/:orderId', { openapi: true, auth: 'bearer', params: { orderId: 'orderId' }, longPoll: true }),
  pub('POST', '/api/v1/orders/:orderId/reports', { openapi: true, auth: 'bearer', params: { orderId: 'orderId' } }),
  pub('POST', '/api/v1/payments/:provider/notify', { openapi: true, auth: 'signature', params: { provider: 'provider' }, body: SandboxNotification, refusedMayWrite: KEPT_NOTIFICATIONS }),
  pub('GET', '/api/v1/payments/:provider/notify', { params: { provider: 'provider' }, query: EpayQuery, refusedMayWrite: KEPT_NOTIFICATIONS }),
  pub('GET', '/metrics'),
  pub('GET', '/orders/:orderId', { auth: 'token-query', params: { orderId: 'orderId' }, html: true }),
  pub('GET', '/orders/:orderId/return', { params: { orderId: 'orderId' }, html: true }),
  pub('GET', '/pay/:orderId', { auth: 'token-query', params: { orderId: 'orderId' }, html: true }),
  pub('POST', '/pay/:orderId/:provider', { auth: 'token-query', params: { orderId: 'orderId', provider: 'provider' }, html: true }),
  // the storefront: pages and their forms
  pub('GET', '/', { html: true }),
  pub('GET', '/p/:sku', { params: { sku: 'sku' }, html: true }),
  pub('POST', '/p/:sku', { params: { sku: 'sku' }, html: true, form: true, body: ProductForm }),
  pub('GET', '/lookup', { html: true }),
  pub('POST', '/lookup', { html: true, form: true, body: LookupForm }),
  pub('GET', '/shop/logo'),
  pub('POST', '/orders/:orderId/feedback', { auth: 'token-query', params: { orderId: 'orderId' }, html: true, form: true, body: FeedbackForm }),
  pub('POST', '/orders/:orderId/report', { auth: 'token-query', params: { orderId: 'orderId' }, html: true, form: true, body: ReportForm }),
  pub('POST', '/orders/:orderId/resend', { auth: 'token-query', params: { orderId: 'orderId' }, html: true, form: true }),
  pub('GET', '/sandbox/pay/:orderId', { auth: 'token-query', params: { orderId: 'orderId' }, html: true }),
  pub('POST', '/sandbox/pay/:orderId', { auth: 'token-query', params: { orderId: 'orderId' }, html: true }),
  // the partner API (signed requests of a channel) and Telegram's webhook
  pub('POST', '/api/v1/partner/orders', { openapi: true, auth: 'partner', refusedMayWrite: PARTNER_NONCES, longPoll: true }),
  pub('GET', '/api/v1/partner/orders', { openapi: true, auth: 'partner', refusedMayWrite: PARTNER_NONCES }),
  pub('GET', '/api/v1/partner/orders/:orderId', { openapi: true, auth: 'partner', params: { orderId: 'partnerOrderId' }, refusedMayWrite: PARTNER_NONCES, longPoll: true }),
  pub('GET', '/api/v1/partner/orders/:orderId/keys', { openapi: true, auth: 'partner', params: { orderId: 'partnerOrderId' }, refusedMayWrite: PARTNER_NONCES }),
  pub('GET', '/api/v1/partner/balance', { openapi: true, auth: 'partner', refusedMayWrite: PARTNER_NONCES }),
  pub('GET', '/api/v1/partner/products', { openapi: true, auth: 'partner', refusedMayWrite: PARTNER_NONCES }),
  pub('POST', '/api/v1/telegram/updates/:secret', { openapi: true, params: { secret: 'secret' }, body: TelegramUpdate, onlyWhen: 'a Telegram bot is configured (KAMI_TELEGRAM_BOT_TOKEN)' }),

  // admin: sign-in
  adm('POST', '/auth/login', { auth: 'none', body: LoginBody, refusedMayWrite: { tables: ['operator'], why: 'a failed sign-in counts against the account (failed_logins, locked_until)' } }),
  adm('GET', '/auth/me'),
  adm('POST', '/auth/logout', { touchesSessions: true }),
  // key commands
  adm('POST', '/keys/import/preview', { body: KeyImportPreviewBody }),
  adm('POST', '/keys/import', { body: KeyImportBody, probe: true }),
  adm('POST', '/keys/void', { body: KeyVoidBody, probe: true }),
  adm('POST', '/keys/reveal', { body: KeyRevealBody }),
  adm('GET', '/keys/export', { query: ExportQuery }),
  // orders and decisions
  adm('GET', '/orders', { list: LISTS.orders }),
  adm('GET', '/orders/:id', { params: { id: 'orderId' } }),
  adm('POST', '/orders/:id/approve', { params: { id: 'orderId' }, body: DecisionBody }),
  adm('POST', '/orders/:id/reject', { params: { id: 'orderId' }, body: DecisionBody }),
  adm('POST', '/orders/bulk-decide', { body: BulkBody }),
  adm('POST', '/orders/:id/resend', { params: { id: 'orderId' } }),
  adm('POST', '/orders/:id/mark-delivered', { params: { id: 'orderId' }, body: GoodsBody }),
  adm('POST', '/orders/:id/cancel', { params: { id: 'orderId' }, body: CancelBody }),
  adm('POST', '/orders/:id/confirm-payment', { params: { id: 'orderId' }, body: ConfirmPaymentBody }),
  // the money trail and the gateways
  adm('GET', '/payment-notifications', { list: LISTS.paymentNotifications }),
  adm('GET', '/payment-attempts', { list: LISTS.paymentAttempts }),
  adm('GET', '/refunds', { list: LISTS.refunds }),
  adm('POST', '/refunds/:id/close', { params: { id: 'refundId' }, body: CloseRefundBody }),
  adm('GET', '/payment-providers'),
  adm('GET', '/payment-providers/:id', { params: { id: 'provider' } }),
  adm('PUT', '/payment-providers/:id', { params: { id: 'provider' }, body: ProviderUpdate, probe: true }),
  // catalogue
  adm('GET', '/products', { list: LISTS.products }),
  adm('GET', '/products/:id', { params: { id: 'productId' } }),
  adm('POST', '/products', { body: ProductInput, probe: true }),
  adm('PUT', '/products/:id', { params: { id: 'productId' }, body: ProductUpdate, probe: true }),
  adm('DELETE', '/products/:id', { params: { id: 'productId' }, probe: true }),
  adm('PUT', '/products/:id/endpoints/:kind', { params: { id: 'productId', kind: 'endpointKind' }, body: z.strictObject({ url: WebhookUrl }), probe: true }),
  adm('DELETE', '/products/:id/endpoints/:kind', { params: { id: 'productId', kind: 'endpointKind' }, probe: true }),
  adm('GET', '/keys', { list: LISTS.keys }),
  adm('GET', '/keys/:id', { params: { id: 'keyId' } }),
  adm('GET', '/batches', { list: LISTS.batches }),
  adm('GET', '/batches/:id', { params: { id: 'batchId' } }),
  // audit, operators, dashboard
  adm('GET', '/audit', { list: LISTS.audit }),
  adm('GET', '/audit/:id', { params: { id: 'auditId' } }),
  adm('GET', '/operators', { list: LISTS.operators }),
  adm('GET', '/operators/:id', { params: { id: 'operatorId' } }),
  adm('POST', '/operators', { body: OperatorCreate }),
  adm('PUT', '/operators/:id', { params: { id: 'operatorId' }, body: OperatorUpdate, touchesSessions: true }),
  adm('DELETE', '/operators/:id', { params: { id: 'operatorId' }, touchesSessions: true }),
  adm('GET', '/stats', { query: StatsQuery }),
  // inbox, rules, buyers
  adm('GET', '/reviews', { list: LISTS.reviews }),
  adm('GET', '/reviews/:id', { params: { id: 'orderId' } }),
  adm('GET', '/rules'),
  adm('GET', '/rules/:id', { params: { id: 'ruleId' } }),
  adm('PUT', '/rules/:id', { params: { id: 'ruleId' }, body: RulesBody, probe: true }),
  adm('GET', '/buyers', { list: LISTS.buyers }),
  adm('GET', '/buyers/:id', { params: { id: 'buyerId' } }),
  adm('PUT', '/buyers/:id', { params: { id: 'buyerId' }, body: BlacklistBody, probe: true }),
  // partner channels, their keys, balances and price lists
  adm('GET', '/channels', { list: { sortable: ['id', 'name', 'kind', 'disabled', 'createdAt', 'updatedAt'], filter: ChannelListFilter } }),
  adm('GET', '/channels/:id', { params: { id: 'channelId' } }),
  adm('POST', '/channels', { body: ChannelCreateInput }),
  adm('PUT', '/channels/:id', { params: { id: 'channelId' }, body: ChannelUpdateInput, probe: true }),
  adm('POST', '/channels/:id/credentials', { params: { id: 'channelId' }, body: RotateCredentialInput }),
  adm('POST', '/channels/:id/credentials/:keyId/revoke', { params: { id: 'channelId', keyId: 'channelKeyId' } }),
  adm('GET', '/channel-ledger', { list: { sortable: ['id', 'createdAt', 'amountMinor'], filter: LedgerListFilter } }),
  adm('POST', '/channels/:id/ledger', { params: { id: 'channelId' }, body: LedgerEntryInput }),
  adm('GET', '/channels/:id/prices', { params: { id: 'channelId' } }),
  adm('PUT', '/channels/:id/prices/:productId', { params: { id: 'channelId', productId: 'productId' }, body: PriceTiersBody, probe: true }),
  // webhooks to partners, and the operator's Telegram link
  adm('GET', '/webhook-endpoints', { list: { sortable: ['id', 'channelId', 'createdAt', 'url'], filter: WebhookEndpointFilter } }),
  adm('GET', '/webhook-endpoints/:id', { params: { id: 'webhookEndpointId' } }),
  adm('POST', '/webhook-endpoints', { body: WebhookEndpointInput }),
  adm('PUT', '/webhook-endpoints/:id', { params: { id: 'webhookEndpointId' }, body: WebhookEndpointUpdate }),
  adm('POST', '/webhook-endpoints/:id/test', { params: { id: 'webhookEndpointId' } }),
  adm('GET', '/webhook-deliveries', { list: { sortable: ['id', 'createdAt', 'updatedAt', 'status', 'attempts'], filter: WebhookDeliveryFilter } }),
  adm('GET', '/webhook-deliveries/:id', { params: { id: 'webhookDeliveryId' } }),
  adm('POST', '/webhook-deliveries/:id/redeliver', { params: { id: 'webhookDeliveryId' } }),
  // promotions: coupons, sale prices, how they stack; SMS delivery
  adm('GET', '/coupons', { list: { sortable: ['id', 'code', 'createdAt', 'startsAt', 'endsAt', 'active'], filter: CouponFilter } }),
  adm('GET', '/coupons/:id', { params: { id: 'couponId' } }),
  adm('POST', '/coupons', { body: CouponInput, probe: true }),
  adm('PUT', '/coupons/:id', { params: { id: 'couponId' }, body: CouponUpdate, probe: true }),
  adm('DELETE', '/coupons/:id', { params: { id: 'couponId' }, probe: true }),
  adm('GET', '/coupon-uses', { list: { sortable: ['createdAt', 'orderId'], filter: CouponUseFilter } }),
  adm('GET', '/sale-prices', { list: { sortable: ['id', 'productId', 'startsAt', 'endsAt', 'active', 'createdAt'], filter: SaleFilter } }),
  adm('GET', '/sale-prices/:id', { params: { id: 'saleId' } }),
  adm('POST', '/sale-prices', { body: SaleInput, probe: true }),
  adm('PUT', '/sale-prices/:id', { params: { id: 'saleId' }, body: SaleUpdate, probe: true }),
  adm('DELETE', '/sale-prices/:id', { params: { id: 'saleId' }, probe: true }),
  adm('GET', '/promotion-policy/:id', { params: { id: 'singleton' } }),
  adm('PUT', '/promotion-policy/:id', { params: { id: 'singleton' }, body: PolicyBody, probe: true }),
  adm('GET', '/sms'),
  adm('POST', '/orders/:id/resend-sms', { params: { id: 'orderId' } }),
  // the storefront's settings, buyers' feedback
  adm('GET', '/shop-settings/shop'),
  adm('PUT', '/shop-settings/shop', { body: ShopSettingsInput }),
  adm('PUT', '/shop-settings/shop/logo', { upload: { types: LOGO_TYPES, sample: PNG_1X1 } }),
  adm('DELETE', '/shop-settings/shop/logo'),
  adm('GET', '/feedback', { list: { sortable: ['createdAt', 'updatedAt', 'rating'], filter: FeedbackListFilter } }),
  adm('GET', '/feedback-products', { list: { sortable: ['name', 'sold', 'reports', 'reportRate', 'ratings', 'avgRating'], filter: z.strictObject({ id: oneOrMany(z.uuid()).optional() }) } }),
  adm('GET', '/feedback-batches', { list: { sortable: ['id', 'createdAt', 'sold', 'reports', 'reportRate', 'ratings', 'avgRating'], filter: z.strictObject({ id: oneOrMany(z.int().positive()).optional(), productId: z.uuid().optional(), jumped: z.boolean().optional() }) } }),
  adm('GET', '/telegram'),
  adm('POST', '/telegram/link'),
  adm('DELETE', '/telegram/link'),
];

// ---- inventory: what the express app really serves ----------------------------------------------

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[] | RegExp;
}

const join = (prefix: string, path: string) => (`${prefix}/${path}`).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/** `METHOD /path` of every route the app serves, found by walking its router stack and mounted routers. */
export function routeInventory(app: express.Express): string[] {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') found.add(`${m.toUpperCase()} ${join(prefix, p)}`);
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        if (layer.rawPath instanceof RegExp || Array.isArray(layer.rawPath)) found.add(`USE ${String(layer.rawPath)} (a mount the fuzzer cannot read)`);
        walk(layer.handle.stack, join(prefix, mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...found].sort();
}

/** Routes the app serves that the table does not know (`unknown`), and table rows the app no longer serves (`stale`). */
export function compareInventory(app: express.Express, routes: RouteSpec[] = ROUTES) {
  const served = routeInventory(app);
  const known = new Set(routes.map(routeId));
  const optional = new Set(routes.filter((r) => r.onlyWhen).map(routeId));
  return {
    served,
    unknown: served.filter((r) => !known.has(r)),
    stale: [...known].filter((r) => !served.includes(r) && !optional.has(r)),
    /** Routes served only when configured, and not served here: not fuzzed in this run. */
    notHere: [...optional].filter((r) => !served.includes(r)),
  };
}

/** OpenAPI paths (`/api/v1/orders/{orderId}`) as express paths, with their methods. */
export function openApiRoutes(doc: { paths?: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
}
