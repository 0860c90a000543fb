import { z } from 'zod';

/** What a buyer tells the shop about a delivered order: a rating and, optionally, a few words. */
export const FeedbackInput = z.strictObject({
  rating: z.int('a whole number from 1 to 5').min(1, 'from 1 to 5').max(5, 'from 1 to 5'),
  comment: z.string().trim().max(1000, 'at most 1000 characters').default(''),
}).meta({ id: 'Feedback' });

/** Share of sold keys that buyers reported invalid; null while none was sold. */
/** What buyers said about a product or a key batch, as the server counts it and the panel shows it. */
export interface FeedbackFigures {
  sold: number;
  reports: number;
  /** reports / sold, or null while nothing was sold. */
  reportRate: number | null;
  ratings: number;
  avgRating: number | null;
}

export const reportRate = (reports: number, sold: number): number | null => (sold > 0 ? reports / sold : null);

/**
 * When a key batch's invalid-report rate has "jumped": at least MIN_REPORTS reports, and a rate at
 * least FACTOR times the rest of its product's rate (the product's other batches), that rest counted
 * as no lower than BASELINE_FLOOR so a product whose other batches drew no report (or that has no
 * other batch) still needs a real excess.
 */
export const BATCH_JUMP = { minReports: 3, factor: 3, baselineFloor: 0.01 } as const;

export interface ReportCounts { reports: number; sold: number }

/** Whether `batch` stands out against `product` (the product's totals, this batch included). */
export function batchJumped(batch: ReportCounts, product: ReportCounts): boolean {
  const rate = reportRate(batch.reports, batch.sold);
  if (rate === null || batch.reports < BATCH_JUMP.minReports) return false;
  const rest = reportRate(product.reports - batch.reports, product.sold - batch.sold) ?? 0;
  return rate >= BATCH_JUMP.factor * Math.max(rest, BATCH_JUMP.baselineFloor);
}
