import { Router } from 'express';
import { z } from 'zod';
import { IDENTITY_KINDS, normalizeEmail, normalizePhone, type IdentityKind, type PhoneRegion } from '../../domain/identity.js';
import { audit } from '../../infra/audit.js';
import { Prisma } from '../../infra/db.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { parseListQuery, sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const LIST = {
  sortable: ['lastOrderAt', 'orders', 'paidOrders', 'value', 'kind'],
  defaultSort: ['lastOrderAt', 'DESC'],
  filter: z.strictObject({
    q: z.string().trim().min(1).max(254).optional(),
    kind: z.enum(IDENTITY_KINDS).optional(),
    blacklisted: z.boolean().optional(),
  }),
} as const;
const SORT_SQL: Record<string, string> = { lastOrderAt: 'last_order_at', orders: 'orders', paidOrders: 'paid_orders', value: 'value', kind: 'kind' };

/** `<kind>:<value>`, the record id of one buyer identity; a phone is read as checkout reads it (the shop's region). */
const buyerId = (region: PhoneRegion) => z.string().max(300).transform((s, ctx) => {
  const i = s.indexOf(':');
  const kind = s.slice(0, i) as IdentityKind;
  if (i < 1 || !IDENTITY_KINDS.includes(kind)) {
    ctx.addIssue({ code: 'custom', message: `expected <kind>:<value> with kind one of ${IDENTITY_KINDS.join(', ')}` });
    return z.NEVER;
  }
  const raw = s.slice(i + 1);
  return { kind, value: kind === 'email' ? normalizeEmail(raw) : kind === 'phone' ? normalizePhone(raw, region) : raw.trim() };
});

interface Row { kind: IdentityKind; value: string; orders: number; paid_orders: number; spent_cents: number; last_order_at: Date | null; blacklisted: boolean; reason: string | null }

/**
 * `buyers`: every identity Kami has seen (normalised email, phone, IP, device, payment account) with
 * its order history, and the blacklist switch the rules read.
 */
export function buyersRouter({ db, config }: ApiDeps): Router {
  const BuyerId = buyerId(config.KAMI_DEFAULT_PHONE_REGION);
  const router = Router();

  const identities = Prisma.sql`
    WITH seen AS (
      SELECT 'email' AS kind, email_normalized AS value, status, paid_at, amount_cents, created_at FROM "order" WHERE email_normalized <> ''
      UNION ALL SELECT 'phone', phone, status, paid_at, amount_cents, created_at FROM "order" WHERE phone IS NOT NULL
      UNION ALL SELECT 'ip', buyer_ip, status, paid_at, amount_cents, created_at FROM "order" WHERE buyer_ip IS NOT NULL
      UNION ALL SELECT 'device', device_id, status, paid_at, amount_cents, created_at FROM "order" WHERE device_id IS NOT NULL
      UNION ALL SELECT 'payment_account', payment_account, status, paid_at, amount_cents, created_at FROM "order" WHERE payment_account IS NOT NULL
    ), grouped AS (
      SELECT kind, value, COUNT(*)::int AS orders, COUNT(paid_at)::int AS paid_orders,
        COALESCE(SUM(amount_cents) FILTER (WHERE paid_at IS NOT NULL), 0)::int AS spent_cents, MAX(created_at) AS last_order_at
      FROM seen GROUP BY kind, value
    )
    SELECT COALESCE(g.kind, b.kind) AS kind, COALESCE(g.value, b.value) AS value, COALESCE(g.orders, 0) AS orders,
      COALESCE(g.paid_orders, 0) AS paid_orders, COALESCE(g.spent_cents, 0) AS spent_cents, g.last_order_at,
      b.id IS NOT NULL AS blacklisted, b.reason
    FROM grouped g FULL JOIN blacklist_entry b ON b.kind = g.kind AND b.value = g.value`;

  const record = (r: Row) => ({
    id: `${r.kind}:${r.value}`, kind: r.kind, value: r.value, orders: r.orders, paidOrders: r.paid_orders,
    spentCents: r.spent_cents, lastOrderAt: r.last_order_at, blacklisted: r.blacklisted, blacklistReason: r.reason,
  });

  router.get('/buyers', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const conds = [Prisma.sql`TRUE`];
    if (f.q) conds.push(Prisma.sql`value ILIKE ${`%${f.q}%`}`);
    if (f.kind) conds.push(Prisma.sql`kind = ${f.kind}`);
    if (f.blacklisted !== undefined) conds.push(Prisma.sql`blacklisted = ${f.blacklisted}`);
    const where = Prisma.join(conds, ' AND ');
    const order = Prisma.raw(`${SORT_SQL[sort.field]} ${sort.order === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, kind, value`);
    const [rows, [count]] = await Promise.all([
      db.$queryRaw<Row[]>`SELECT * FROM (${identities}) x WHERE ${where} ORDER BY ${order} LIMIT ${take} OFFSET ${skip}`,
      db.$queryRaw<{ n: number }[]>`SELECT COUNT(*)::int AS n FROM (${identities}) x WHERE ${where}`,
    ]);
    sendList(res, 'buyers', rows.map(record), count?.n ?? 0, range);
  });

  router.get('/buyers/:id', requireRole('viewer'), async (req, res) => {
    const { kind, value } = BuyerId.parse(req.params.id);
    const [row] = await db.$queryRaw<Row[]>`SELECT * FROM (${identities}) x WHERE kind = ${kind} AND value = ${value}`;
    res.json(record(row ?? { kind, value, orders: 0, paid_orders: 0, spent_cents: 0, last_order_at: null, blacklisted: false, reason: null }));
  });

  /** Blacklist on/off. The rules read it on the next order; audited. */
  router.put('/buyers/:id', requireRole('operator'), async (req, res) => {
    const { kind, value } = BuyerId.parse(req.params.id);
    if (!value) throw new ApiError(400, 'invalid_request', 'an identity needs a value', { id: 'empty value' });
    const body = z.object({ blacklisted: z.boolean(), blacklistReason: z.string().trim().max(500).nullish() }).parse(req.body);
    await db.$transaction(async (tx) => {
      if (body.blacklisted) {
        await tx.blacklistEntry.upsert({
          where: { kind_value: { kind, value } },
          create: { kind, value, reason: body.blacklistReason ?? '', createdBy: actorOf(req).email },
          update: { reason: body.blacklistReason ?? '' },
        });
      } else {
        await tx.blacklistEntry.deleteMany({ where: { kind, value } });
      }
      await audit(tx, actorOf(req), body.blacklisted ? 'buyer.blacklist' : 'buyer.unblacklist', { type: 'buyer', id: `${kind}:${value}` }, { reason: body.blacklistReason ?? null });
    });
    const [row] = await db.$queryRaw<Row[]>`SELECT * FROM (${identities}) x WHERE kind = ${kind} AND value = ${value}`;
    res.json(record(row ?? { kind, value, orders: 0, paid_orders: 0, spent_cents: 0, last_order_at: null, blacklisted: body.blacklisted, reason: null }));
  });

  return router;
}
