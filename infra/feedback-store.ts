import { BATCH_JUMP, batchJumped, reportRate, type FeedbackFigures } from '../domain/feedback.js';
import { Prisma, type Db } from './db.js';

/**
 * What buyers said about a product or a key batch: ratings and comments (order_feedback) and "this key
 * did not work" (key_report), against the keys sold (card_key.sold_at, kept when a sold key is voided).
 * A batch's feedback is that of the orders that received one of its keys.
 */
export interface ProductFeedback extends FeedbackFigures {
  id: string; sku: string; name: string; active: boolean;
  /** Ratings by stars, [1★, 2★, 3★, 4★, 5★]. */
  ratingCounts: number[];
  /** Batches of this product whose report rate jumped (domain/feedback.ts batchJumped). */
  jumpedBatches: number;
}

export interface BatchFeedback extends FeedbackFigures {
  id: number; label: string; productId: string; productName: string; createdAt: Date;
  /** The rest of its product (its other batches), for comparison. */
  productReportRate: number | null;
  jumped: boolean;
}

const figures = (r: { sold: number; reports: number; ratings: number; avg_rating: number | null }): FeedbackFigures => ({
  sold: r.sold, reports: r.reports, reportRate: reportRate(r.reports, r.sold), ratings: r.ratings, avgRating: r.avg_rating,
});

interface BatchRow { id: number; label: string; product_id: string; product_name: string; created_at: Date; sold: number; reports: number; ratings: number; avg_rating: number | null }
interface ProductTotals { product_id: string; sold: number; reports: number }

/** Every batch (of one product, or of some ids) with its figures and whether its report rate jumped. */
export async function batchFeedback(db: Db, where: { productId?: string; ids?: number[]; minReports?: number } = {}): Promise<BatchFeedback[]> {
  const rows = await db.$queryRaw<BatchRow[]>`
    SELECT b.id, b.label, b.product_id::text AS product_id, p.name AS product_name, b.created_at,
      (SELECT count(*)::int FROM card_key k WHERE k.batch_id = b.id AND k.sold_at IS NOT NULL) AS sold,
      (SELECT count(*)::int FROM key_report r WHERE r.batch_id = b.id) AS reports,
      fb.ratings, fb.avg_rating
    FROM key_batch b JOIN product p ON p.id = b.product_id
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS ratings, avg(f.rating)::float8 AS avg_rating FROM order_feedback f
      WHERE f.order_id IN (SELECT k.order_id FROM card_key k WHERE k.batch_id = b.id AND k.order_id IS NOT NULL)) fb ON true
    WHERE true
      ${where.productId ? Prisma.sql`AND b.product_id = ${where.productId}::uuid` : Prisma.empty}
      ${where.ids ? Prisma.sql`AND b.id = ANY(${where.ids}::int[])` : Prisma.empty}
      ${where.minReports ? Prisma.sql`AND (SELECT count(*) FROM key_report r WHERE r.batch_id = b.id) >= ${where.minReports}` : Prisma.empty}
    ORDER BY b.id DESC`;
  const totals = await productTotals(db, [...new Set(rows.map((r) => r.product_id))]);
  return rows.map((r) => {
    const product = totals.get(r.product_id) ?? { sold: r.sold, reports: r.reports };
    const batch = { sold: r.sold, reports: r.reports };
    return {
      id: r.id, label: r.label, productId: r.product_id, productName: r.product_name, createdAt: r.created_at, ...figures(r),
      productReportRate: reportRate(product.reports - batch.reports, product.sold - batch.sold),
      jumped: batchJumped(batch, product),
    };
  });
}

async function productTotals(db: Db, productIds: string[]): Promise<Map<string, { sold: number; reports: number }>> {
  if (!productIds.length) return new Map();
  const rows = await db.$queryRaw<ProductTotals[]>`
    SELECT p.id::text AS product_id,
      (SELECT count(*)::int FROM card_key k WHERE k.product_id = p.id AND k.sold_at IS NOT NULL) AS sold,
      (SELECT count(*)::int FROM key_report r WHERE r.product_id = p.id) AS reports
    FROM product p WHERE p.id = ANY(${productIds}::uuid[])`;
  return new Map(rows.map((r) => [r.product_id, r]));
}

/** Batches whose invalid-report rate jumped, for the dashboard: only batches with enough reports are even looked at. */
export const jumpedBatches = async (db: Db): Promise<BatchFeedback[]> =>
  (await batchFeedback(db, { minReports: BATCH_JUMP.minReports })).filter((b) => b.jumped);

/** Every product with its figures. */
export async function productFeedback(db: Db): Promise<ProductFeedback[]> {
  const rows = await db.$queryRaw<(ProductTotals & { sku: string; name: string; active: boolean; ratings: number; avg_rating: number | null; counts: number[] })[]>`
    SELECT p.id::text AS product_id, p.sku, p.name, p.active,
      (SELECT count(*)::int FROM card_key k WHERE k.product_id = p.id AND k.sold_at IS NOT NULL) AS sold,
      (SELECT count(*)::int FROM key_report r WHERE r.product_id = p.id) AS reports,
      f.ratings, f.avg_rating, f.counts
    FROM product p LEFT JOIN LATERAL (
      SELECT count(*)::int AS ratings, avg(rating)::float8 AS avg_rating,
        ARRAY[count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2), count(*) FILTER (WHERE rating = 3),
              count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5)]::int[] AS counts
      FROM order_feedback WHERE product_id = p.id) f ON true
    ORDER BY p.name`;
  const jumped = await jumpedBatches(db);
  return rows.map((r) => ({
    id: r.product_id, sku: r.sku, name: r.name, active: r.active, ...figures(r), ratingCounts: r.counts,
    jumpedBatches: jumped.filter((b) => b.productId === r.product_id).length,
  }));
}
