/** What buyers said about a product or a key batch (api/admin/feedback.ts, infra/feedback-store.ts). */
export interface FeedbackFigures {
  sold: number;
  reports: number;
  reportRate: number | null;
  ratings: number;
  avgRating: number | null;
}

export interface ProductFeedbackRecord extends FeedbackFigures {
  id: string; sku: string; name: string; active: boolean; ratingCounts: number[]; jumpedBatches: number;
}

export interface BatchFeedbackRecord extends FeedbackFigures {
  id: number; label: string; productId: string; productName: string; createdAt: string; productReportRate: number | null; jumped: boolean;
}

export interface FeedbackRecord {
  id: string; orderId: string; productId: string; productName: string; rating: number; comment: string; createdAt: string; updatedAt: string; batchIds: number[];
}
