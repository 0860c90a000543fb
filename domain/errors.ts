/**
 * The one table that pairs HTTP error codes (snake_case, in API responses) with Temporal
 * ApplicationFailure types (PascalCase, raised by workflows and activities).
 */
export const FAILURE_TO_HTTP = {
  OutOfStock: { code: 'out_of_stock', status: 409 },
  OrderNotPayable: { code: 'order_not_payable', status: 409 },
  AmountMismatch: { code: 'amount_mismatch', status: 409 },
  NotAwaitingPayment: { code: 'not_awaiting_payment', status: 409 },
} as const;
export type FailureType = keyof typeof FAILURE_TO_HTTP;
