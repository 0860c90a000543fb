import { z } from 'zod';
import { RETAIL_CHANNEL } from '../../domain/channels.js';
import { normalizeEmail, normalizePhone } from '../../domain/identity.js';
import { formatMinor } from '../../domain/money.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import { checkCouponUses, CouponField, PriceBreakdownOut, priceCheckout } from './pricing.js';
import { CreateOrderBody, Money } from './schemas.js';

/** `POST /api/v1/quote`: the price an order would have, for the storefront's checkout form and API clients. */
export const QuoteBody = z.strictObject({
  sku: CreateOrderBody.shape.sku,
  quantity: CreateOrderBody.shape.quantity,
  coupon: CouponField,
  email: CreateOrderBody.shape.email.optional().meta({ description: "the buyer's email, to count a coupon's uses per buyer as checkout will" }),
  phone: CreateOrderBody.shape.phone,
  deviceId: CreateOrderBody.shape.deviceId,
}).meta({ id: 'QuoteRequest' });

export const QuoteOut = z.object({
  sku: z.string(),
  quantity: z.int(),
  currency: z.string(),
  amountDue: Money,
  amountDueCents: z.int(),
  price: PriceBreakdownOut,
}).meta({ id: 'Quote' });

/**
 * What an order would cost now, holding nothing: the same computation as checkout, and the same
 * refusals for a coupon (its uses as counted now; checkout counts again under the coupon's lock).
 */
export async function quote(deps: ApiDeps, body: z.infer<typeof QuoteBody>): Promise<z.infer<typeof QuoteOut>> {
  const { config } = deps;
  if (body.quantity > config.KAMI_MAX_QUANTITY) {
    throw new ApiError(400, 'invalid_request', `at most ${config.KAMI_MAX_QUANTITY} keys per order`, { quantity: `must be at most ${config.KAMI_MAX_QUANTITY}` });
  }
  const notOnSale = new ApiError(404, 'product_not_found', `no product with sku "${body.sku}" is on sale`);
  const product = await deps.rules.forSku(body.sku);
  if (!product) throw notOnSale;
  const question = { productId: product.productId, sku: body.sku, quantity: body.quantity, channelId: RETAIL_CHANNEL, coupon: body.coupon };
  let priced = await priceCheckout(deps, question);
  // nothing is placed to compare the versions against: compare them here (a quote is no hot path)
  const used = { policyVersion: priced.terms.policyVersion, ...(priced.coupon ? { coupon: priced.coupon } : {}) };
  if (!(await deps.pricing.isCurrent(product.productId, used))) priced = await priceCheckout(deps, question);
  if (!(await deps.pricing.product(product.productId)).active) throw notOnSale;
  if (priced.coupon) {
    await checkCouponUses(deps, priced.coupon, {
      ...(body.email ? { email: normalizeEmail(body.email) } : {}),
      ...(body.phone ? { phone: normalizePhone(body.phone, config.KAMI_DEFAULT_PHONE_REGION) } : {}),
      ...(body.deviceId ? { device: body.deviceId } : {}),
    });
  }
  const p = priced.price;
  return { sku: body.sku, quantity: body.quantity, currency: p.currency, amountDue: formatMinor(p.totalMinor, p.currency), amountDueCents: p.totalMinor, price: p };
}

registry.registerPath({
  method: 'post', path: '/api/v1/quote', summary: 'Price an order as checkout would (promotions and a coupon included), holding nothing',
  request: { body: { content: { 'application/json': { schema: QuoteBody } } } },
  responses: {
    200: { description: 'the price', content: { 'application/json': { schema: QuoteOut } } },
    ...errorResponses(400, 404, 409, 429),
    // 404: product_not_found, coupon_not_found; 409: coupon_expired, coupon_used_up, coupon_not_applicable
  },
});
