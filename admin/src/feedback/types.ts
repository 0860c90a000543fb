import type { FeedbackFigures } from '../../../domain/feedback.js';

export interface ProductFeedbackRecord extends FeedbackFigures {
  id: string; sku: string; name: string; active: boolean; ratingCounts: number[]; jumpedBatches: number;
}

export interface BatchFeedbackRecord extends FeedbackFigures {
  id: number; label: string; productId: string; productName: string; createdAt: string; productReportRate: number | null; jumped: boolean;
}

export interface FeedbackRecord {
  id: string; orderId: string; productId: string; productName: string; rating: number; comment: string; createdAt: string; updatedAt: string; batchIds: number[];
}
