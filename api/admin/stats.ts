import { Router } from 'express';
import { z } from 'zod';
import { AWAITING_PERSON } from '../../domain/order-status.js';
import { Prisma } from '../../infra/db.js';
import { jumpedBatches } from '../../infra/feedback-store.js';
import type { ApiDeps } from '../deps.js';
import { requireRole } from './session.js';

/** Which calendar day "today" is: an IANA zone such as Asia/Shanghai (the panel sends the browser's). */
const StatsQuery = z.object({
  tz: z.string().max(64).refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Asia/Shanghai').default('UTC'),
});

/** Orders that end paid but were declined afterwards are not sales; partial refunds are subtracted. */
const NET_SALES = Prisma.sql`CASE WHEN status IN ('rejected', 'refunded') THEN 0 ELSE amount_cents - refund_cents END`;

/**
 * GET /stats: the dashboard's figures, all computed by PostgreSQL from the order tables (never from
 * Temporal). Rolling figures cover the last 24 hours; figures with no data are null, not 0.
 */
export function statsRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/stats', requireRole('viewer'), async (req, res) => {
    const { tz } = StatsQuery.parse(req.query);
    const dayStart = Prisma.sql`(date_trunc('day', now() AT TIME ZONE ${tz}) AT TIME ZONE ${tz})`;
    const [sales, [today], perHour, [automation], [inbox], [latency], lowStock, jumped] = await Promise.all([
      db.$queryRaw<{ currency: string; salesCents: number }[]>`
        SELECT currency, sum(${NET_SALES})::float8 AS "salesCents" FROM "order"
        WHERE paid_at >= ${dayStart} GROUP BY currency ORDER BY 2 DESC`,
      db.$queryRaw<{ orders: number; delivered: number; currency: string | null }[]>`
        SELECT (SELECT count(*)::int FROM "order" WHERE created_at >= ${dayStart}) AS orders,
               (SELECT count(*)::int FROM "order" WHERE delivered_at >= ${dayStart}) AS delivered,
               (SELECT currency FROM product WHERE active GROUP BY currency ORDER BY count(*) DESC LIMIT 1) AS currency`,
      db.$queryRaw<{ hour: Date; count: number }[]>`
        SELECT h.hour, count(o.id)::int AS count
        FROM generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') AS h(hour)
        LEFT JOIN "order" o ON o.created_at >= h.hour AND o.created_at < h.hour + interval '1 hour'
        GROUP BY h.hour ORDER BY h.hour`,
      // a person was involved when any event of the order names an actor other than Kami itself
      db.$queryRaw<{ delivered: number; automatic: number }[]>`
        SELECT count(*)::int AS delivered,
               count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM order_event e WHERE e.order_id = o.id AND e.actor <> 'system'))::int AS automatic
        FROM "order" o WHERE o.delivered_at >= now() - interval '24 hours'`,
      db.$queryRaw<{ pending: number; oldestWaitSeconds: number | null }[]>`
        SELECT count(*)::int AS pending,
               floor(extract(epoch FROM now() - min(coalesce(review_since, updated_at))))::int AS "oldestWaitSeconds"
        FROM "order" WHERE status = ANY(${[...AWAITING_PERSON]}::text[])`,
      db.$queryRaw<{ p50: number | null; p95: number | null }[]>`
        SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::float8 AS p50,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms))::float8 AS p95
        FROM (SELECT extract(epoch FROM delivered_at - paid_at) * 1000 AS ms FROM "order"
              WHERE delivered_at >= now() - interval '24 hours' AND paid_at IS NOT NULL) t`,
      // manual-delivery products hold no keys, so they are never "low"
      db.$queryRaw<{ id: string; sku: string; name: string; available: number; threshold: number }[]>`
        SELECT p.id::text AS id, p.sku, p.name, count(k.id)::int AS available, p.low_stock_threshold AS threshold
        FROM product p LEFT JOIN card_key k ON k.product_id = p.id AND k.status = 'available'
        WHERE p.active AND p.delivery_mode = 'auto'
        GROUP BY p.id HAVING count(k.id) < p.low_stock_threshold
        ORDER BY count(k.id), p.name`,
      jumpedBatches(db),
    ]);
    res.json({
      today: {
        salesCents: sales[0]?.salesCents ?? 0,
        currency: sales[0]?.currency ?? today!.currency ?? 'USD',
        salesByCurrency: sales,
        orders: today!.orders,
        delivered: today!.delivered,
      },
      ordersPerHour: perHour.map((h) => ({ hour: h.hour.toISOString(), count: h.count })),
      automationRate: automation!.delivered ? automation!.automatic / automation!.delivered : null,
      inbox: inbox!,
      deliveryLatencyMs: latency!,
      lowStock,
      // key batches whose invalid-report rate jumped (domain/feedback.ts batchJumped)
      jumpedBatches: jumped.map((b) => ({
        id: b.id, label: b.label, productId: b.productId, productName: b.productName, reports: b.reports, sold: b.sold,
        reportRate: b.reportRate, productReportRate: b.productReportRate,
      })),
    });
  });

  return router;
}
