import { z } from 'zod';

/** How far back a buyer's order lookup reaches. */
export const LOOKUP_DAYS = 90;

/**
 * The query password (查询密码) a buyer may set at checkout to find their orders again with their
 * email alone. Kept only as a hash; lookups are rate-limited per address and per email.
 */
export const QueryPassword = z.string().min(6, 'at least 6 characters').max(64, 'at most 64 characters')
  .meta({ description: 'a query password (6–64 characters) to find this order again with the email; stored only as a hash', writeOnly: true });

const OrderNumber = z.string().trim().regex(/^ord_[0-9A-Z]{22}$/, 'an order number such as ord_… from the email or the order page');

/** A buyer proves an order with its number and email, or all their recent orders with email and query password. */
export const LookupInput = z.strictObject({
  email: z.email('the email address the order was placed with').max(254),
  orderId: OrderNumber.optional(),
  password: z.string().min(1, 'the query password set at checkout').max(64).optional(),
}).superRefine((v, ctx) => {
  if ((v.orderId === undefined) === (v.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['orderId'], message: 'give either the order number or the query password, with the email' });
  }
}).meta({ id: 'OrderLookup' });
export type LookupInput = z.infer<typeof LookupInput>;
