import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { OrderView, PaymentFacts } from '../domain/order.js';

/** A verified payment notification. Ignored unless the order awaits payment and the amount and currency match. */
export const paymentConfirmed = defineSignal<[PaymentFacts]>('paymentConfirmed');

/** Buyer or operator cancels before payment. Rejected unless the order is awaiting payment. */
export const cancelOrder = defineUpdate<OrderView, [{ by: string; reason?: string }]>('cancelOrder');

/** The order's live state as the workflow sees it. */
export const getOrderStatus = defineQuery<OrderView>('getOrderStatus');

/** Search attributes Kami sets on every order workflow; register them on the Temporal server. */
export const KamiOrderStatus = defineSearchAttributeKey('KamiOrderStatus', SearchAttributeType.KEYWORD);
export const KamiProductSku = defineSearchAttributeKey('KamiProductSku', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = { KamiOrderStatus: 'Keyword', KamiProductSku: 'Keyword' } as const;
