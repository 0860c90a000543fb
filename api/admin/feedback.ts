import { Router } from 'express';
import { z } from 'zod';
import { INT4_MAX } from '../../domain/ids.js';
import { Prisma } from '../../infra/db.js';
import { batchFeedback, productFeedback } from '../../infra/feedback-store.js';
import type { ApiDeps } from '../deps.js';
import { oneOrMany, parseListQuery, sendList, type ListQuery } from './list-query.js';
import { requireRole } from './session.js';

const BatchId = z.int().positive().max(INT4_MAX);

const FEEDBACK_LIST = {
  sortable: ['createdAt', 'updatedAt', 'rating'],
  defaultSort: ['createdAt', 'DESC'],
  filter: z.strictObject({
    productId: z.uuid().optional(),
    batchId: BatchId.optional(),
    rating: oneOrMany(z.int().min(1).max(5)).optional(),
    q: z.string().trim().min(1).max(200).optional(),
  }),
} as const;

const FIGURES = ['sold', 'reports', 'reportRate', 'ratings', 'avgRating'];
const PRODUCTS_LIST = {
  sortable: ['name', ...FIGURES],
  defaultSort: ['name', 'ASC'],
  filter: z.strictObject({ id: oneOrMany(z.uuid()).optional() }),
} as const;
const BATCHES_LIST = {
  sortable: ['id', 'createdAt', ...FIGURES],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({ id: oneOrMany(BatchId).optional(), productId: z.uuid().optional(), jumped: z.boolean().optional() }),
} as const;

/** Sorts and pages rows computed in full (a shop's products and import batches are few); nulls last. */
function page<T extends object>(rows: T[], q: ListQuery<unknown>): T[] {
  const key = q.sort.field as keyof T;
  const sign = q.sort.order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key] as number | string | null, y = b[key] as number | string | null;
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  }).slice(q.skip, q.skip + q.take);
}

interface FeedbackRow { order_id: string; product_id: string; product_name: string; rating: number; comment: string; created_at: Date; updated_at: Date; batch_ids: number[] }

/**
 * What buyers said, for every role: each rating and comment (`feedback`), and figures per product and
 * per key batch — ratings, invalid-key reports and their rate against keys sold, and the batches whose
 * rate jumped — so a merchant can pull a bad batch or product.
 */
export function feedbackRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/feedback', requireRole('viewer'), async (req, res) => {
    const q = parseListQuery(req.query, FEEDBACK_LIST);
    const f = q.filter;
    const where = Prisma.sql`WHERE true
      ${f.productId ? Prisma.sql`AND f.product_id = ${f.productId}::uuid` : Prisma.empty}
      ${f.rating ? Prisma.sql`AND f.rating = ANY(${f.rating}::int[])` : Prisma.empty}
      ${f.batchId ? Prisma.sql`AND EXISTS (SELECT 1 FROM card_key k WHERE k.order_id = f.order_id AND k.batch_id = ${f.batchId})` : Prisma.empty}
      ${f.q ? Prisma.sql`AND f.comment ILIKE ${`%${f.q.replace(/[\\%_]/g, '\\$&')}%`}` : Prisma.empty}`;
    const column = Prisma.raw({ createdAt: 'f.created_at', updatedAt: 'f.updated_at', rating: 'f.rating' }[q.sort.field as 'createdAt']);
    const direction = Prisma.raw(q.sort.order === 'asc' ? 'ASC' : 'DESC');
    const [rows, [count]] = await Promise.all([
      db.$queryRaw<FeedbackRow[]>`
        SELECT f.order_id, f.product_id::text AS product_id, p.name AS product_name, f.rating, f.comment, f.created_at, f.updated_at,
          ARRAY(SELECT DISTINCT k.batch_id FROM card_key k WHERE k.order_id = f.order_id AND k.batch_id IS NOT NULL ORDER BY 1) AS batch_ids
        FROM order_feedback f JOIN product p ON p.id = f.product_id ${where}
        ORDER BY ${column} ${direction}, f.order_id LIMIT ${q.take} OFFSET ${q.skip}`,
      db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM order_feedback f ${where}`,
    ]);
    sendList(res, 'feedback', rows.map((r) => ({
      id: r.order_id, orderId: r.order_id, productId: r.product_id, productName: r.product_name, rating: r.rating, comment: r.comment,
      createdAt: r.created_at, updatedAt: r.updated_at, batchIds: r.batch_ids,
    })), count!.n, q.range);
  });

  router.get('/feedback-products', requireRole('viewer'), async (req, res) => {
    const q = parseListQuery(req.query, PRODUCTS_LIST);
    const rows = (await productFeedback(db)).filter((p) => !q.filter.id || q.filter.id.includes(p.id));
    sendList(res, 'feedback-products', page(rows, q), rows.length, q.range);
  });

  router.get('/feedback-batches', requireRole('viewer'), async (req, res) => {
    const q = parseListQuery(req.query, BATCHES_LIST);
    const f = q.filter;
    const rows = (await batchFeedback(db, { productId: f.productId, ids: f.id })).filter((b) => f.jumped === undefined || b.jumped === f.jumped);
    sendList(res, 'feedback-batches', page(rows, q), rows.length, q.range);
  });

  return router;
}
