import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Decision, OrderView, PaymentSignal } from '../domain/order.js';

/**
 * The webhook stored a verified payment notification for this order. The workflow settles it only
 * if the stored row proves it (this order's, not yet applied); the signal's own figures are ignored.
 */
export const paymentConfirmed = defineSignal<[PaymentSignal]>('paymentConfirmed');

/** A payment attempt opened on a gateway Kami can ask: the run queries it while the order awaits payment. */
export const paymentAttempted = defineSignal<[{ attemptId: number }]>('paymentAttempted');

/** Buyer or operator cancels before payment; answers once the order is closed (or a payment won). Rejected unless awaiting payment. */
export const cancelOrder = defineUpdate<OrderView, [{ by: string; reason?: string }]>('cancelOrder');

/** Merchant approves an order in review (optionally fewer keys), or keeps a backorder waiting. Rejected unless the order awaits that decision. */
export const approveOrder = defineUpdate<OrderView, [Decision]>('approveOrder');

/** Merchant rejects an order in review, or refunds a backorder. Rejected unless the order awaits that decision. */
export const rejectOrder = defineUpdate<OrderView, [Decision]>('rejectOrder');

/** Keys for this order's product were imported and reserved for it; a backorder tries its claim again. */
export const stockArrived = defineSignal('stockArrived');

/** The order's live state as the workflow sees it. */
export const getOrderStatus = defineQuery<OrderView>('getOrderStatus');

/**
 * Search attributes of order runs; register them on the Temporal server. KamiProductSku is set at
 * start; KamiOrderStatus and KamiReviewReason only once an order leaves the routine path (review,
 * backorder, rejection, a failing email), so a routine order costs no visibility write.
 */
export const KamiOrderStatus = defineSearchAttributeKey('KamiOrderStatus', SearchAttributeType.KEYWORD);
export const KamiProductSku = defineSearchAttributeKey('KamiProductSku', SearchAttributeType.KEYWORD);
export const KamiReviewReason = defineSearchAttributeKey('KamiReviewReason', SearchAttributeType.KEYWORD_LIST);
export const SEARCH_ATTRIBUTES = { KamiOrderStatus: 'Keyword', KamiProductSku: 'Keyword', KamiReviewReason: 'KeywordList' } as const;
