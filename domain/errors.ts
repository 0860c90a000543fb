/**
 * The one table that pairs HTTP error codes (snake_case, in API responses) with Temporal
 * ApplicationFailure types (PascalCase, raised by workflows and their update validators).
 */
export const FAILURE_TO_HTTP = {
  NotAwaitingPayment: { code: 'not_awaiting_payment', status: 409 },
  NotAwaitingReview: { code: 'not_awaiting_review', status: 409 },
  StaleDecision: { code: 'stale_decision', status: 409 },
  InvalidQuantity: { code: 'invalid_quantity', status: 400 },
} as const;
type FailureType = keyof typeof FAILURE_TO_HTTP;

export const httpOfFailure = (type: string | undefined | null) =>
  type && type in FAILURE_TO_HTTP ? FAILURE_TO_HTTP[type as FailureType] : undefined;
