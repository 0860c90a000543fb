import { z } from 'zod';
import { normalizeEmail } from '../../domain/identity.js';
import { formatMinor } from '../../domain/money.js';
import { LOOKUP_DAYS, LookupInput } from '../../domain/order-lookup.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { Prisma } from '../../infra/db.js';
import { decoyHash, verifyPassword } from '../../infra/operators.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import { OrderCreated, OrderOut } from './schemas.js';

/** Orders a query password is tried against, newest first: each try is one argon2 verification. */
const MAX_CANDIDATES = 20;

/** A found order: the order's own summary fields, and the link and token that open it. */
export const LookupOut = z.object({
  orders: z.array(OrderOut.pick({ orderId: true, status: true, sku: true, productName: true, quantity: true, amountDue: true, currency: true, createdAt: true })
    .extend(OrderCreated.pick({ orderUrl: true, accessToken: true }).shape)),
}).meta({ id: 'OrderLookupResult' });
export type FoundOrder = z.infer<typeof LookupOut>['orders'][number];

registry.registerPath({
  method: 'post', path: '/api/v1/lookup', summary: `Find orders of the last ${LOOKUP_DAYS} days again: by order number and email, or by email and the query password set at checkout`,
  description: 'Only orders the buyer proved are returned, each with its access token. Lookups that find nothing are limited per address and per email (429 rate_limited).',
  request: { body: { content: { 'application/json': { schema: LookupInput } } } },
  responses: { 200: { description: 'the orders found', content: { 'application/json': { schema: LookupOut } } }, ...errorResponses(400, 404, 429) },
});

interface Row {
  id: string; status: OrderStatus; sku: string; name: string; quantity: number; amount_cents: bigint; currency: string; created_at: Date; lookup_secret: string | null;
}

/**
 * The buyer's orders of the last LOOKUP_DAYS days that this lookup proves: the one its number names
 * (with the email it was placed with), or those whose query password matches. Retail orders only (a
 * partner's buyers are the partner's). 404 no_matching_orders when none; the caller's rate limits
 * count those. A password lookup costs the same argon2 work whether or not the email has orders.
 */
export async function lookupOrders(deps: Pick<ApiDeps, 'db' | 'vault' | 'config'>, input: LookupInput): Promise<FoundOrder[]> {
  const { db, vault, config } = deps;
  const email = normalizeEmail(input.email);
  const rows = await db.$queryRaw<Row[]>`
    SELECT o.id, o.status, p.sku, p.name, o.quantity, o.amount_cents, o.currency, o.created_at, o.lookup_secret
    FROM "order" o JOIN product p ON p.id = o.product_id
    WHERE o.email_normalized = ${email} AND o.channel_id = 'retail' AND o.created_at > now() - ${LOOKUP_DAYS} * interval '1 day'
      AND ${input.orderId === undefined ? Prisma.sql`o.lookup_secret IS NOT NULL` : Prisma.sql`o.id = ${input.orderId}`}
    ORDER BY o.created_at DESC LIMIT ${MAX_CANDIDATES}`;
  let found = rows;
  if (input.password !== undefined) {
    const password = input.password;
    if (!rows.length) await verifyPassword(await decoyHash(), password);
    const verdicts = await Promise.all(rows.map((r) => verifyPassword(r.lookup_secret!, password)));
    found = rows.filter((_, i) => verdicts[i]);
  }
  if (!found.length) {
    throw new ApiError(404, 'no_matching_orders', input.orderId === undefined
      ? `no order of the last ${LOOKUP_DAYS} days matches this email and query password`
      : `no order of the last ${LOOKUP_DAYS} days matches this order number and email`);
  }
  return found.map((o) => {
    const accessToken = vault.orderAccessToken(o.id);
    return {
      orderId: o.id, status: o.status, sku: o.sku, productName: o.name, quantity: o.quantity,
      amountDue: formatMinor(Number(o.amount_cents), o.currency), currency: o.currency, createdAt: o.created_at.toISOString(),
      orderUrl: `${config.publicUrl}/orders/${o.id}?token=${encodeURIComponent(accessToken)}`, accessToken,
    };
  });
}
