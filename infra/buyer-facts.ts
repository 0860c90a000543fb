import type { Identities, IdentityKind } from '../domain/identity.js';
import { NOT_COUNTED } from '../domain/order-status.js';
import type { RuleFacts, RuleSettings } from '../domain/rules.js';
import { durationMs } from './config.js';
import type { Db } from './db.js';
import { Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

const COLUMN: Record<IdentityKind, string> = {
  email: 'email_normalized', phone: 'phone', ip: 'buyer_ip', device: 'device_id', payment_account: 'payment_account',
};
const NOT_COUNTED_SQL = Prisma.join(NOT_COUNTED.map((s) => Prisma.sql`${s}`));

/** `(email_normalized = $1 OR phone = $2 …)` over the identities present; FALSE when none is. */
export function sameBuyer(ids: Identities, kinds: readonly IdentityKind[]): Prisma.Sql {
  const parts = kinds.filter((k) => ids[k]).map((k) => Prisma.sql`${Prisma.raw(`"${COLUMN[k]}"`)} = ${ids[k]}`);
  return parts.length ? Prisma.sql`(${Prisma.join(parts, ' OR ')})` : Prisma.sql`FALSE`;
}

const since = (window: string) => Prisma.sql`now() - ${durationMs(window)}::int * interval '1 millisecond'`;

/** Keys of a product this buyer holds or bought within the limit window (orders that still count). */
export async function keysBoughtInWindow(tx: Tx, productId: string, ids: Identities, s: RuleSettings, excludeOrderId = ''): Promise<number> {
  const [row] = await tx.$queryRaw<{ n: number }[]>`
    SELECT COALESCE(SUM(COALESCE(approved_quantity, quantity)), 0)::int AS n FROM "order"
    WHERE product_id = ${productId}::uuid AND id <> ${excludeOrderId} AND created_at > ${since(s.purchaseLimitWindow)}
      AND status NOT IN (${NOT_COUNTED_SQL}) AND ${sameBuyer(ids, s.purchaseLimitBy)}`;
  return row?.n ?? 0;
}

/** Everything the rules need about one paid order and its buyer. */
export async function gatherFacts(db: Db, orderId: string, s: RuleSettings, payment: RuleFacts['payment']): Promise<RuleFacts> {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
  const ids: Identities = {
    email: order.emailNormalized, phone: order.phone ?? undefined, ip: order.buyerIp ?? undefined,
    device: order.deviceId ?? undefined, payment_account: order.paymentAccount ?? undefined,
  };
  const person = sameBuyer(ids, ['email', 'phone', 'device', 'payment_account']);
  // the IP only counts when a per-IP limit is set, and only inside the window: a reseller's address
  // carries its whole order history
  const byIp = s.velocityMaxOrdersPerIp === null ? Prisma.sql`FALSE` : Prisma.sql`(${sameBuyer(ids, ['ip'])} AND created_at > ${since(s.velocityWindow)})`;
  const [counts] = await db.$queryRaw<{ prior: number; recent: number; unpaid: number; ip: number; dup: number }[]>`
    SELECT
      COUNT(*) FILTER (WHERE paid_at IS NOT NULL AND created_at < ${order.createdAt} AND ${person})::int AS prior,
      COUNT(*) FILTER (WHERE created_at > ${since(s.velocityWindow)} AND ${person})::int AS recent,
      COUNT(*) FILTER (WHERE created_at > ${since(s.velocityWindow)} AND status IN ('expired', 'cancelled') AND ${person})::int AS unpaid,
      COUNT(*) FILTER (WHERE ${byIp})::int AS ip,
      COUNT(*) FILTER (WHERE id <> ${orderId} AND product_id = ${order.productId}::uuid AND quantity = ${order.quantity}
        AND email_normalized = ${order.emailNormalized} AND paid_at > ${since(s.duplicateWindow)}
        AND status NOT IN (${NOT_COUNTED_SQL}))::int AS dup
    FROM "order" WHERE ${person} OR ${byIp}`;
  const present = Object.entries(ids).filter(([, v]) => v) as [IdentityKind, string][];
  const hits = present.length
    ? await db.blacklistEntry.findMany({ where: { OR: present.map(([kind, value]) => ({ kind, value })) }, select: { kind: true, value: true } })
    : [];
  return {
    quantity: order.quantity,
    amountCents: order.amountCents,
    currency: order.currency,
    payment,
    priorPaidOrders: counts?.prior ?? 0,
    recentOrders: counts?.recent ?? 0,
    recentUnpaid: counts?.unpaid ?? 0,
    recentOrdersFromIp: counts?.ip ?? 0,
    duplicatePaidOrders: counts?.dup ?? 0,
    boughtInLimitWindow: s.purchaseLimit === null ? 0 : await keysBoughtInWindow(db, order.productId, ids, s, orderId),
    blacklistHits: hits.map((h) => ({ kind: h.kind as IdentityKind, value: h.value })),
  };
}
