import { z } from 'zod';
import { ORDER_STATUSES } from '../../domain/order-status.js';
import { errorResponses, registry } from '../openapi.js';
import { CouponField, PriceBreakdownOut } from './pricing.js';
import { INT4_MAX } from '../../domain/ids.js';
import { PROVIDER_NAMES } from '../../domain/payment-providers.js';
import { QueryPassword } from '../../domain/order-lookup.js';
import { BuyerInputBody, KEY_FORMATS } from '../../domain/product-types.js';

export const Money = z.string().regex(/^\d+(\.\d+)?$/).meta({ example: '12.50', description: 'an amount in major units, with the currency\'s own number of decimals' });

export const ProductOut = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  description: z.string(),
  price: Money,
  priceCents: z.int(),
  currency: z.string().length(3),
  available: z.int().meta({ description: 'keys in stock and not held by an unpaid order' }),
  purchaseLimit: z.object({ quantity: z.int(), window: z.string() }).nullable()
    .meta({ description: 'at most this many keys per buyer per window (限购), or null' }),
  demo: z.boolean(),
}).meta({ id: 'Product' });

export const CreateOrderBody = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  quantity: z.int().min(1).max(INT4_MAX),
  email: z.email().max(254),
  phone: z.string().trim().regex(/^\+?[\d\s().-]{5,24}$/, 'a phone number such as +86 138 0013 8000').optional(),
  deviceId: z.string().trim().min(8).max(128).optional().meta({ description: 'an optional device fingerprint from the shop front' }),
  provider: z.enum(PROVIDER_NAMES).optional()
    .meta({ description: 'the payment gateway to pay with; without one, the only enabled gateway, or the buyer picks on the payment page' }),
  queryPassword: QueryPassword.optional(),
  coupon: CouponField,
  buyerInput: BuyerInputBody.optional(),
}).meta({ id: 'CreateOrder' });

/**
 * For an anonymous buyer the key is also the secret that opens a replay of its order (with its
 * access token), so it must be unguessable: 16+ characters with some variety, e.g. a UUID.
 */
export const IdempotencyKey = z.string().min(16, 'use at least 16 random characters (a UUID will do)').max(128)
  .regex(/^[\w.:-]+$/, 'use letters, digits and _ . : -')
  .refine((k) => new Set(k).size >= 8, 'use random characters (a UUID will do): this key is too easy to guess');

export const OrderStatusSchema = z.enum(ORDER_STATUSES).meta({ id: 'OrderStatus' });

export const OrderCreated = z.object({
  orderId: z.string(),
  status: OrderStatusSchema,
  amountDue: Money,
  amountDueCents: z.int(),
  currency: z.string(),
  price: PriceBreakdownOut.meta({ description: 'how amountDue was reached: the list price, each promotion applied (a sale, a quantity price, the coupon), the total' }),
  expiresAt: z.iso.datetime(),
  paymentUrl: z.url().meta({ description: 'the page where the buyer pays (or picks a gateway)' }),
  payment: z.object({
    provider: z.string(), status: z.string(), url: z.url().optional(), qrCode: z.string().optional(),
    amount: z.string().optional().meta({ description: 'what the buyer pays at the gateway, in its currency' }), currency: z.string().optional(),
    expiresAt: z.iso.datetime(), error: z.string().optional(),
  }).optional().meta({ description: 'the payment attempt opened with the gateway chosen at checkout' }),
  orderUrl: z.url(),
  accessToken: z.string().meta({ description: 'Bearer token for GET /api/v1/orders/{orderId}; keep it private' }),
}).meta({ id: 'OrderCreated' });

export const OrderReplayed = z.object({
  orderId: z.string(),
  status: OrderStatusSchema,
  replayed: z.literal(true),
  message: z.string(),
}).meta({ id: 'OrderReplayed', description: 'a retried Idempotency-Key from another address than the one that placed the order: no access token' });

export const OrderParams = z.object({ orderId: z.string().regex(/^ord_[0-9A-Z]{22}$/, 'not an order id') });

/** Long poll: `?wait=10` holds the read until the keys are readable or the order settles otherwise, at most that many seconds. */
export const OrderReadQuery = z.object({
  wait: z.coerce.number().int().min(1).max(30).optional()
    .meta({ description: 'seconds to wait for the keys (1–30) before answering with the order as it is' }),
});

export const OrderOut = z.object({
  orderId: z.string(),
  status: OrderStatusSchema,
  sku: z.string(),
  productName: z.string(),
  quantity: z.int(),
  amountDue: Money,
  amountDueCents: z.int(),
  price: PriceBreakdownOut,
  currency: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  paidAt: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
  keys: z.array(z.string()).meta({ description: 'the card keys, present once the order is paid and delivered (a pair as `cardNumber<TAB>password`)' }),
  keyFormat: z.enum(KEY_FORMATS).meta({ description: '`pair`: each key is a card number and its password, also given labelled in `cards`' }),
  cards: z.array(z.object({ cardNumber: z.string(), password: z.string() })).meta({ description: 'for a `pair` product, the keys as card number and password (empty otherwise)' }),
  buyerInput: z.array(z.object({ name: z.string(), label: z.string(), value: z.string() }))
    .meta({ description: "what the buyer filled in for the product's own checkout fields, labelled" }),
  email: z.object({ status: z.string(), attempts: z.int() }).nullable(),
  guide: z.string(),
  feedback: z.object({ rating: z.int(), comment: z.string(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() }).nullable()
    .meta({ description: 'the buyer\'s rating (1–5) and comment, once left (PUT /api/v1/orders/{orderId}/feedback)' }),
}).meta({ id: 'Order' });

registry.registerPath({
  method: 'get', path: '/api/v1/products', summary: 'List products with their available stock',
  responses: { 200: { description: 'products', content: { 'application/json': { schema: z.object({ data: z.array(ProductOut) }) } } } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/orders', summary: 'Create an order and hold its stock until payment',
  request: {
    headers: z.object({ 'Idempotency-Key': IdempotencyKey.optional() }),
    body: { content: { 'application/json': { schema: CreateOrderBody } } },
  },
  responses: {
    201: { description: 'order created (or the same order again for a retried Idempotency-Key from the same address)', content: { 'application/json': { schema: OrderCreated } } },
    200: { description: 'the same Idempotency-Key retried from another address: the order, without its access token', content: { 'application/json': { schema: OrderReplayed } } },
    ...errorResponses(400, 404, 409, 413, 429, 503),
    // 404: product_not_found, coupon_not_found; 409 codes: out_of_stock, limit_exceeded, hold_too_large, idempotency_key_reused,
    // coupon_expired, coupon_used_up, coupon_not_applicable; 429: rate_limited, too_many_unpaid
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/orders/{orderId}', summary: 'Read an order and, once delivered, its keys',
  security: [{ bearer: [] }],
  request: { params: OrderParams, query: OrderReadQuery },
  responses: { 200: { description: 'the order', content: { 'application/json': { schema: OrderOut } } }, ...errorResponses(400, 401, 403, 404) },
});
registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'the accessToken returned at checkout' });
