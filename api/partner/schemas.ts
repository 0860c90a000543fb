import { z } from 'zod';
import { KEY_FORMATS } from '../../domain/product-types.js';
import { INT4_MAX } from '../../domain/ids.js';
import { CreateOrderBody, Money, OrderParams, OrderStatusSchema } from '../checkout/schemas.js';
import { errorResponses, registry } from '../openapi.js';
import { CouponField, PriceBreakdownOut } from '../checkout/pricing.js';

/** A partner's own order id: what makes a retry find its order (unique per channel). */
export const ExternalOrderId = z.string().trim().min(1).max(64).regex(/^[\w.:#/-]+$/, 'use letters, digits and _ . : # / -')
  .meta({ example: 'shop-4711', description: "the partner's own order id; a retry with it returns the same order, never a second one" });

export const PartnerOrderBody = z.strictObject({
  sku: CreateOrderBody.shape.sku,
  quantity: z.int().min(1).max(INT4_MAX),
  externalOrderId: ExternalOrderId,
  email: z.email().max(254).optional()
    .meta({ description: 'the buyer, for purchase limits and rules (and the keys, if emailed); without one the channel itself is the buyer' }),
  phone: CreateOrderBody.shape.phone,
  deviceId: CreateOrderBody.shape.deviceId,
  paymentReference: z.string().trim().min(1).max(80).regex(/^[\x21-\x7e]+$/, 'printable characters without spaces').optional()
    .meta({ description: "for a channel that confirms its own payments: the payment's reference on the partner's side (one per order)" }),
  emailKeys: z.boolean().optional().meta({ description: "also email the keys to `email` (default: the channel's setting)" }),
  coupon: CouponField,
  buyerInput: CreateOrderBody.shape.buyerInput,
}).meta({ id: 'PartnerOrderRequest' });

/** `wait=true` holds the answer until the keys are there (at most KAMI_PARTNER_WAIT); `wait=N` at most N seconds. */
export const PartnerWaitQuery = z.object({
  wait: z.union([z.enum(['true', 'false']), z.coerce.number().int().min(1).max(30)]).optional()
    .meta({ description: 'true: answer when the keys are delivered (202 with the order to poll when that takes longer than a few seconds); or 1–30 seconds' }),
});

export const PartnerOrderLookup = z.object({ externalOrderId: ExternalOrderId });

export const KeysFormat = z.object({ format: z.enum(['txt', 'csv', 'json']).default('txt') });

export const PartnerOrderOut = z.object({
  orderId: z.string(),
  externalOrderId: z.string(),
  status: OrderStatusSchema,
  sku: z.string(),
  productName: z.string(),
  quantity: z.int(),
  deliveredQuantity: z.int().meta({ description: 'keys delivered so far (a split order receives them in parts)' }),
  currency: z.string(),
  unitPrice: Money,
  amount: Money,
  amountMinor: z.int(),
  price: PriceBreakdownOut,
  refund: z.object({ amount: Money, amountMinor: z.int() }).nullable(),
  keys: z.array(z.string()).meta({ description: 'the card keys delivered so far (a pair as `cardNumber<TAB>password`)' }),
  keyFormat: z.enum(KEY_FORMATS).meta({ description: '`pair`: each key is a card number and its password, also given labelled in `cards`' }),
  cards: z.array(z.object({ cardNumber: z.string(), password: z.string() })).meta({ description: 'for a `pair` product, the keys as card number and password (empty otherwise)' }),
  parts: z.array(z.object({ part: z.int(), quantity: z.int(), deliveredAt: z.iso.datetime() }))
    .meta({ description: 'the parts of a split delivery, in order (empty when delivered in one go)' }),
  emailKeys: z.boolean().meta({ description: 'whether the keys are also emailed to the buyer' }),
  guide: z.string(),
  createdAt: z.iso.datetime(),
  paidAt: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
}).meta({ id: 'PartnerOrder' });

const SIGNATURE_RECIPE = `Every partner request is signed with the channel's secret (shown once when the channel or a rotated key is created):

    Kami-Key-Id:    the key id (ck_…)
    Kami-Timestamp: unix seconds; refused when more than 300 s from Kami's clock (401 stale_timestamp)
    Kami-Nonce:     16–64 of [A-Za-z0-9_-], new for every request (401 nonce_reused on a replay)
    Kami-Signature: lowercase hex HMAC-SHA256(secret, METHOD + "\\n" + PATH + "\\n" + TIMESTAMP + "\\n" + NONCE + "\\n" + SHA256HEX(raw body))

PATH is the request target as sent, query string included (/api/v1/partner/orders?wait=true); an empty body hashes as the empty string.
Example (secret cs_test): POST /api/v1/partner/orders at 1767225600 with nonce 0123456789abcdef and body {"sku":"X","quantity":1,"externalOrderId":"o-1"}
(SHA-256 a458ac8b5154bca868bc51394c53b4877644acbc98269202bc42ef92c66048b4) is signed
Kami-Signature: 76dc715b8087f7304546af23fdd02241d484b3802565bcc58c580e7c1262fa33
Refusals: 401 missing_signature | stale_timestamp | invalid_nonce | unknown_key | invalid_signature | nonce_reused, 403 ip_not_allowed, 429 rate_limited.`;

registry.registerComponent('securitySchemes', 'kamiSignature', { type: 'apiKey', in: 'header', name: 'Kami-Signature', description: SIGNATURE_RECIPE });

const SignedHeaders = z.object({
  'Kami-Key-Id': z.string().meta({ example: 'ck_7Yc1mQ0b3vJk2Qx8' }),
  'Kami-Timestamp': z.string().regex(/^\d+$/).meta({ example: '1767225600' }),
  'Kami-Nonce': z.string().regex(/^[A-Za-z0-9_-]{16,64}$/).meta({ example: '0123456789abcdef' }),
});
const security = [{ kamiSignature: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

registry.registerPath({
  method: 'post', path: '/api/v1/partner/orders', summary: 'Place an order for a partner channel (idempotent on externalOrderId)',
  description: 'Prices the order from the channel\'s tiers, pays it from the channel\'s balance (or the partner\'s own payment reference) in the same '
    + 'transaction that holds its keys, and runs the same durable order workflow as any order. A retry with the same externalOrderId returns the same order.',
  security, request: { headers: SignedHeaders, query: PartnerWaitQuery, body: { content: { 'application/json': { schema: PartnerOrderBody } } } },
  responses: {
    201: json(PartnerOrderOut, 'placed (with wait: and delivered, keys included)'),
    200: json(PartnerOrderOut, 'the same externalOrderId again: the order it placed'),
    202: json(PartnerOrderOut, 'placed, but not delivered yet (review, backorder, or longer than the wait): poll GET /api/v1/partner/orders/{orderId}'),
    ...errorResponses(400, 401, 402, 403, 404, 409, 413, 429, 503),
    // 402 insufficient_balance; 404 coupon_not_found; 409 out_of_stock, limit_exceeded, external_order_id_reused, payment_reference_reused, coupon_expired, coupon_used_up, coupon_not_applicable
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/partner/orders/{orderId}', summary: "Read one of the channel's orders and its keys",
  security, request: { headers: SignedHeaders, params: OrderParams, query: PartnerWaitQuery },
  responses: { 200: json(PartnerOrderOut, 'the order'), ...errorResponses(400, 401, 403, 404, 429) },
});
registry.registerPath({
  method: 'get', path: '/api/v1/partner/orders', summary: "Find one of the channel's orders by the partner's own order id",
  security, request: { headers: SignedHeaders, query: PartnerOrderLookup },
  responses: { 200: json(PartnerOrderOut, 'the order'), ...errorResponses(400, 401, 403, 404, 429) },
});
registry.registerPath({
  method: 'get', path: '/api/v1/partner/orders/{orderId}/keys', summary: "Download an order's delivered keys (txt: one a line; csv; json)",
  security, request: { headers: SignedHeaders, params: OrderParams, query: KeysFormat },
  responses: { 200: { description: 'the keys, as an attachment' }, ...errorResponses(400, 401, 403, 404, 429) },
});
registry.registerPath({
  method: 'get', path: '/api/v1/partner/balance', summary: "The channel's prepaid balance in each currency",
  security, request: { headers: SignedHeaders },
  responses: {
    200: json(z.object({ data: z.array(z.object({ currency: z.string(), balance: Money, balanceMinor: z.int() })) }), 'balances'),
    ...errorResponses(401, 403, 429),
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/partner/products', summary: "Products on sale with the channel's price tiers and available stock",
  security, request: { headers: SignedHeaders },
  responses: {
    200: json(z.object({
      data: z.array(z.object({
        sku: z.string(), name: z.string(), currency: z.string(), listPrice: Money, listPriceMinor: z.int(), available: z.int(),
        tiers: z.array(z.object({ minQuantity: z.int(), maxQuantity: z.int().nullable(), unitPrice: Money, unitPriceMinor: z.int() })),
      })),
    }), 'products'),
    ...errorResponses(401, 403, 429),
  },
});
