import { Router } from 'express';
import { z } from 'zod';
import { formatMinor } from '../../domain/money.js';
import { NOT_COUNTED } from '../../domain/order-status.js';
import { CouponInput, CouponUpdate, SaleInput, SaleUpdate, StackingPolicySchema } from '../../domain/promotions.js';
import { audit } from '../../infra/audit.js';
import { Prisma, type Db } from '../../infra/db.js';
import { loadPolicy } from '../../infra/promotions.js';
import { PG_CODES, pgErrorCode } from '../../infra/sql.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { changes } from './changes.js';
import { IntId, oneOrMany, orderBy, parseListQuery, SerialId, sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const COUPONS = {
  sortable: ['id', 'code', 'createdAt', 'startsAt', 'endsAt', 'active'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(SerialId).optional(),
    q: z.string().trim().min(1).max(32).optional(),
    active: z.boolean().optional(),
  }),
} as const;

const COUPON_USES = {
  sortable: ['createdAt', 'orderId'],
  defaultSort: ['createdAt', 'DESC'],
  filter: z.strictObject({ couponId: SerialId.optional(), orderId: z.string().trim().min(1).max(40).optional() }),
} as const;

const SALES = {
  sortable: ['id', 'productId', 'startsAt', 'endsAt', 'active', 'createdAt'],
  defaultSort: ['startsAt', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(SerialId).optional(),
    productId: z.uuid().optional(),
    active: z.boolean().optional(),
  }),
} as const;

/** Statuses whose coupon use no longer counts (the use went back with the order). */
const RELEASED = [...NOT_COUNTED];

/** How many of each coupon's uses count now and how many went back with their orders. */
async function usesOf(db: Db, ids: number[]) {
  if (!ids.length) return new Map<number, { counted: number; released: number; discountMinor: number }>();
  const rows = await db.$queryRaw<{ coupon_id: number; counted: number; released: number; discount: bigint }[]>`
    SELECT u.coupon_id, (count(*) FILTER (WHERE o.status <> ALL(${RELEASED})))::int AS counted,
      (count(*) FILTER (WHERE o.status = ANY(${RELEASED})))::int AS released,
      COALESCE(sum(u.discount_minor) FILTER (WHERE o.status <> ALL(${RELEASED})), 0)::bigint AS discount
    FROM coupon_use u JOIN "order" o ON o.id = u.order_id WHERE u.coupon_id = ANY(${ids}) GROUP BY u.coupon_id`;
  return new Map(rows.map((r) => [r.coupon_id, { counted: r.counted, released: r.released, discountMinor: Number(r.discount) }]));
}

/** The products and channels a scope names must exist (a typo would silently match nothing). */
async function checkScope(db: Db, scope: { products?: readonly string[]; channels?: readonly string[] }) {
  if (scope.products?.length) {
    const found = await db.product.count({ where: { id: { in: [...scope.products] } } });
    if (found !== scope.products.length) throw new ApiError(404, 'product_not_found', 'a product in the scope does not exist', { products: 'no such product' });
  }
  if (scope.channels?.length) {
    const found = await db.channel.count({ where: { id: { in: [...scope.channels] } } });
    if (found !== scope.channels.length) throw new ApiError(404, 'channel_not_found', 'a channel in the scope does not exist', { channels: 'no such channel' });
  }
}

const codeTaken = (err: unknown): never => {
  if (pgErrorCode(err) === PG_CODES.uniqueViolation || (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) {
    throw new ApiError(409, 'coupon_code_taken', 'another coupon already has this code (codes are not case-sensitive)', { code: 'already in use' });
  }
  throw err;
};

/** Reads only the fields an edit may change: react-admin sends the whole record back. */
const editable = (schema: { keyof(): { options: readonly string[] } }, body: unknown) => {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(schema.keyof().options.filter((k) => k in b).map((k) => [k, b[k]]));
};

/** A sale's state now: on, scheduled (starts later), ended, or switched off. */
const saleState = (s: { active: boolean; startsAt: Date; endsAt: Date | null }, now = new Date()) =>
  (!s.active ? 'off' : s.startsAt > now ? 'scheduled' : s.endsAt && s.endsAt <= now ? 'ended' : 'on');

/**
 * Promotions in the panel: `coupons` with their uses (`coupon-uses`), `sale-prices` per product, and
 * the shop's `promotion-policy`. Everyone signed in reads; operators change coupons and sales; the
 * stacking policy, which decides what a shop can lose, is the owner's. Every change is audited and
 * bumps the version checkout checks (triggers for coupons and sales, here for the policy).
 */
export function promotionsRouter({ db }: ApiDeps): Router {
  const router = Router();

  async function coupon(id: number) {
    const c = await db.coupon.findUnique({ where: { id } });
    if (!c) throw new ApiError(404, 'coupon_not_found', `no coupon ${id}`);
    return c;
  }
  const couponRecord = async (rows: Prisma.CouponGetPayload<object>[]) => {
    const uses = await usesOf(db, rows.map((c) => c.id));
    return rows.map((c) => ({ ...c, uses: uses.get(c.id) ?? { counted: 0, released: 0, discountMinor: 0 } }));
  };

  router.get('/coupons', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, COUPONS);
    const where: Prisma.CouponWhereInput = {
      id: f.id && { in: f.id }, active: f.active, ...(f.q ? { code: { contains: f.q, mode: 'insensitive' } } : {}),
    };
    const [rows, total] = await Promise.all([
      db.coupon.findMany({ where, orderBy: orderBy<Prisma.CouponOrderByWithRelationInput>(sort), skip, take }),
      db.coupon.count({ where }),
    ]);
    sendList(res, 'coupons', await couponRecord(rows), total, range);
  });

  router.get('/coupons/:id', requireRole('viewer'), async (req, res) => {
    res.json((await couponRecord([await coupon(IntId.parse(req.params).id)]))[0]);
  });

  router.post('/coupons', requireRole('operator'), async (req, res) => {
    const input = CouponInput.parse(req.body);
    await checkScope(db, input);
    const created = await db.$transaction(async (tx) => {
      const c = await tx.coupon.create({ data: { ...input, createdBy: actorOf(req).email } }).catch(codeTaken);
      await audit(tx, actorOf(req), 'coupon.create', { type: 'coupon', id: c.id }, { code: c.code, percentOff: c.percentOff, amountOffMinor: c.amountOffMinor, currency: c.currency });
      return c;
    });
    res.status(201).json((await couponRecord([created]))[0]);
  });

  router.put('/coupons/:id', requireRole('operator'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const input = CouponUpdate.parse(editable(CouponUpdate, req.body));
    await checkScope(db, input);
    const before = await coupon(id);
    const updated = await db.$transaction(async (tx) => {
      const c = await tx.coupon.update({ where: { id }, data: input });
      await audit(tx, actorOf(req), 'coupon.update', { type: 'coupon', id }, { code: c.code, changes: changes(before, c, Object.keys(input)) });
      return c;
    });
    res.json((await couponRecord([updated]))[0]);
  });

  /** Only a coupon never used goes: a used one is switched off instead (its uses stay on their orders). */
  router.delete('/coupons/:id', requireRole('operator'), async (req, res) => {
    const c = await coupon(IntId.parse(req.params).id);
    const used = await db.couponUse.count({ where: { couponId: c.id } });
    if (used) throw new ApiError(409, 'coupon_used', `coupon ${c.code} was used on ${used} order${used === 1 ? '' : 's'}; switch it off instead (its uses stay on their orders)`);
    await db.$transaction(async (tx) => {
      await tx.coupon.delete({ where: { id: c.id } });
      await audit(tx, actorOf(req), 'coupon.delete', { type: 'coupon', id: c.id }, { code: c.code });
    });
    res.json(c);
  });

  /** A coupon's uses with their orders: counted while the order counts, released with an expired, cancelled, rejected… order. */
  router.get('/coupon-uses', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, COUPON_USES);
    const where: Prisma.CouponUseWhereInput = { couponId: f.couponId, orderId: f.orderId };
    const [rows, total] = await Promise.all([
      db.couponUse.findMany({
        where, orderBy: orderBy<Prisma.CouponUseOrderByWithRelationInput>(sort, 'orderId'), skip, take,
        include: { order: { select: { status: true, amountCents: true, currency: true, email: true, createdAt: true } }, coupon: { select: { code: true } } },
      }),
      db.couponUse.count({ where }),
    ]);
    sendList(res, 'coupon-uses', rows.map((u) => ({
      id: u.orderId, orderId: u.orderId, couponId: u.couponId, code: u.coupon.code, email: u.order.email, discountMinor: u.discountMinor, currency: u.currency,
      orderStatus: u.order.status, amountMinor: u.order.amountCents, counted: !RELEASED.includes(u.order.status as never), createdAt: u.createdAt,
    })), total, range);
  });

  async function sale(id: number) {
    const s = await db.salePrice.findUnique({ where: { id }, include: { product: { select: { sku: true, name: true, currency: true, priceCents: true } } } });
    if (!s) throw new ApiError(404, 'sale_not_found', `no sale price ${id}`);
    return s;
  }
  const saleRecord = (s: Awaited<ReturnType<typeof sale>>) => ({ ...s, state: saleState(s) });

  /** A sale price must save something against the list price it is set for. */
  async function checkSale(productId: string, input: { priceMinor?: number | null; channels?: readonly string[] }) {
    const product = await db.product.findUnique({ where: { id: productId }, select: { priceCents: true, currency: true } });
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${productId}`, { productId: 'no such product' });
    if (input.priceMinor != null && input.priceMinor >= Number(product.priceCents)) {
      const list = formatMinor(Number(product.priceCents), product.currency);
      // the field's message says it all: the panel shows it under the sale price, where the list price (its helper text) is hidden
      const message = `a sale price must be below the list price (${list} ${product.currency})`;
      throw new ApiError(400, 'invalid_request', message, { priceMinor: message });
    }
    await checkScope(db, { channels: input.channels });
  }

  router.get('/sale-prices', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, SALES);
    const where: Prisma.SalePriceWhereInput = { id: f.id && { in: f.id }, productId: f.productId, active: f.active };
    const [rows, total] = await Promise.all([
      db.salePrice.findMany({
        where, orderBy: orderBy<Prisma.SalePriceOrderByWithRelationInput>(sort), skip, take,
        include: { product: { select: { sku: true, name: true, currency: true, priceCents: true } } },
      }),
      db.salePrice.count({ where }),
    ]);
    sendList(res, 'sale-prices', rows.map(saleRecord), total, range);
  });

  router.get('/sale-prices/:id', requireRole('viewer'), async (req, res) => {
    res.json(saleRecord(await sale(IntId.parse(req.params).id)));
  });

  router.post('/sale-prices', requireRole('operator'), async (req, res) => {
    const input = SaleInput.parse(req.body);
    await checkSale(input.productId, input);
    const created = await db.$transaction(async (tx) => {
      const s = await tx.salePrice.create({ data: { ...input, createdBy: actorOf(req).email } });
      await audit(tx, actorOf(req), 'sale_price.create', { type: 'product', id: s.productId }, { saleId: s.id, priceMinor: s.priceMinor, percentOff: s.percentOff, startsAt: s.startsAt, endsAt: s.endsAt });
      return s;
    });
    res.status(201).json(saleRecord(await sale(created.id)));
  });

  router.put('/sale-prices/:id', requireRole('operator'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const input = SaleUpdate.parse(editable(SaleUpdate, req.body));
    const before = await sale(id);
    await checkSale(before.productId, input);
    await db.$transaction(async (tx) => {
      const s = await tx.salePrice.update({ where: { id }, data: { ...input, updatedAt: new Date() } });
      await audit(tx, actorOf(req), 'sale_price.update', { type: 'product', id: s.productId }, { saleId: id, changes: changes(before, s, Object.keys(input)) });
    });
    res.json(saleRecord(await sale(id)));
  });

  /** A sale leaves no trace on orders but their breakdowns (which keep its label and terms): it can go. */
  router.delete('/sale-prices/:id', requireRole('operator'), async (req, res) => {
    const s = await sale(IntId.parse(req.params).id);
    await db.$transaction(async (tx) => {
      await tx.salePrice.delete({ where: { id: s.id } });
      await audit(tx, actorOf(req), 'sale_price.delete', { type: 'product', id: s.productId }, { saleId: s.id, priceMinor: s.priceMinor, percentOff: s.percentOff });
    });
    res.json(saleRecord(s));
  });

  const policyRecord = async () => {
    const [{ policy, version }, row] = await Promise.all([loadPolicy(db), db.promotionPolicy.findUnique({ where: { id: 'shop' }, select: { updatedBy: true, updatedAt: true } })]);
    return { id: 'shop', policy, version, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null };
  };

  /** The one policy is the record `shop` (react-admin's getOne and update). */
  const shopOnly = (id: string | string[] | undefined) => {
    if (id !== 'shop') throw new ApiError(404, 'policy_not_found', 'the stacking policy is the record "shop"');
  };

  router.get('/promotion-policy/:id', requireRole('viewer'), async (req, res) => {
    shopOnly(req.params.id);
    res.json(await policyRecord());
  });

  /** Takes `policy` (react-admin sends the whole record back: the rest is ignored). */
  router.put('/promotion-policy/:id', requireRole('owner'), async (req, res) => {
    shopOnly(req.params.id);
    const { policy } = z.object({ policy: StackingPolicySchema }).parse(req.body);
    await db.$transaction(async (tx) => {
      const before = await loadPolicy(tx);
      const json = policy as unknown as Prisma.InputJsonValue;
      const by = actorOf(req).email;
      const row = await tx.promotionPolicy.upsert({
        where: { id: 'shop' }, create: { id: 'shop', policy: json, version: before.version + 1, updatedBy: by },
        update: { policy: json, version: { increment: 1 }, updatedBy: by, updatedAt: new Date() },
      });
      await audit(tx, actorOf(req), 'promotion_policy.update', { type: 'promotion_policy', id: 'shop' }, { version: row.version, before: before.policy, after: policy });
    });
    res.json(await policyRecord());
  });

  return router;
}
