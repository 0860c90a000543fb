import { Router } from 'express';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/ids.js';
import { REASON_CODES } from '../../domain/rules.js';
import type { Prisma } from '../../infra/db.js';
import { availableStock } from '../../infra/order-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { oneOrMany, orderBy, parseListQuery, sendList } from './list-query.js';
import { requireRole } from './session.js';

const LIST = {
  sortable: ['reviewSince', 'createdAt', 'amountCents', 'quantity', 'id'],
  defaultSort: ['reviewSince', 'ASC'],
  filter: z.strictObject({
    id: oneOrMany(z.string().max(40)).optional(),
    status: oneOrMany(z.enum(['in_review', 'backorder'])).optional(),
    reason: z.enum(REASON_CODES).optional(),
    productId: z.uuid().optional(),
    olderThanMinutes: z.coerce.number().int().min(0).max(525_600).optional(),
  }),
} as const;

const INCLUDE = {
  product: { select: { sku: true, name: true, deliveryMode: true } },
} satisfies Prisma.OrderInclude;
type Row = Prisma.OrderGetPayload<{ include: typeof INCLUDE }>;

/**
 * `reviews`: the inbox. Orders waiting for a person, with everything needed to decide on one screen:
 * the reasons, the facts the rules saw, the buyer's history and the product's stock.
 */
export function reviewsRouter({ db, config }: ApiDeps): Router {
  const router = Router();

  async function records(rows: Row[]) {
    const stock = await availableStock(db, [...new Set(rows.map((r) => r.productId))]);
    const history = rows.length ? await db.order.findMany({
      where: { emailNormalized: { in: [...new Set(rows.map((r) => r.emailNormalized))] } },
      orderBy: { createdAt: 'desc' }, take: 50 * rows.length,
      select: { id: true, status: true, createdAt: true, amountCents: true, currency: true, quantity: true, emailNormalized: true, product: { select: { sku: true } } },
    }) : [];
    return rows.map(({ product, requestHash: _h, idempotencyKey: _k, reviewKey: _r, ...o }) => ({
      ...o,
      sku: product.sku,
      productName: product.name,
      deliveryMode: product.deliveryMode,
      waitingSince: o.reviewSince,
      facts: (o.ruleDecision as { facts?: unknown } | null)?.facts ?? null,
      buyerHistory: history.filter((h) => h.emailNormalized === o.emailNormalized && h.id !== o.id).slice(0, 10)
        .map(({ emailNormalized: _e, product: p, ...h }) => ({ ...h, sku: p.sku })),
      stock: { available: stock.get(o.productId) ?? 0 },
      temporalUrl: `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(orderWorkflowId(o.id))}`,
    }));
  }

  router.get('/reviews', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const where: Prisma.OrderWhereInput = {
      id: f.id && { in: f.id },
      status: { in: f.status ?? ['in_review', 'backorder'] },
      productId: f.productId,
      reviewReasons: f.reason ? { array_contains: [{ code: f.reason }] } : undefined,
      reviewSince: f.olderThanMinutes !== undefined ? { lt: new Date(Date.now() - f.olderThanMinutes * 60_000) } : undefined,
    };
    const [rows, total] = await Promise.all([
      db.order.findMany({ where, include: INCLUDE, orderBy: orderBy<Prisma.OrderOrderByWithRelationInput>(sort), skip, take }),
      db.order.count({ where }),
    ]);
    sendList(res, 'reviews', await records(rows), total, range);
  });

  router.get('/reviews/:id', requireRole('viewer'), async (req, res) => {
    const id = z.string().max(40).parse(req.params.id);
    const row = await db.order.findUnique({ where: { id }, include: INCLUDE });
    if (!row) throw new ApiError(404, 'order_not_found', `no order ${id}`);
    res.json((await records([row]))[0]);
  });

  return router;
}
