import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Decision, OrderView, PaymentFacts } from '../domain/order.js';

/** A verified payment notification. Ignored unless the order awaits payment and the amount and currency match. */
export const paymentConfirmed = defineSignal<[PaymentFacts]>('paymentConfirmed');

/** Buyer or operator cancels before payment. Rejected unless the order is awaiting payment. */
export const cancelOrder = defineUpdate<OrderView, [{ by: string; reason?: string }]>('cancelOrder');

/** Merchant approves an order in review (optionally fewer keys), or keeps a backorder waiting. Rejected unless the order awaits that decision. */
export const approveOrder = defineUpdate<OrderView, [Decision]>('approveOrder');

/** Merchant rejects an order in review, or refunds a backorder. Rejected unless the order awaits that decision. */
export const rejectOrder = defineUpdate<OrderView, [Decision]>('rejectOrder');

/** Keys for this order's product were imported and reserved for it; a backorder tries its claim again. */
export const stockArrived = defineSignal('stockArrived');

/** The order's live state as the workflow sees it. */
export const getOrderStatus = defineQuery<OrderView>('getOrderStatus');

/** Search attributes Kami sets on every order workflow; register them on the Temporal server. */
export const KamiOrderStatus = defineSearchAttributeKey('KamiOrderStatus', SearchAttributeType.KEYWORD);
export const KamiProductSku = defineSearchAttributeKey('KamiProductSku', SearchAttributeType.KEYWORD);
export const KamiReviewReason = defineSearchAttributeKey('KamiReviewReason', SearchAttributeType.KEYWORD_LIST);
export const SEARCH_ATTRIBUTES = { KamiOrderStatus: 'Keyword', KamiProductSku: 'Keyword', KamiReviewReason: 'KeywordList' } as const;
