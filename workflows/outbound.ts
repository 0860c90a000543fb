import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities/index.js';

/** What one outgoing message is: a webhook delivery (event → endpoint) or a merchant notice (event → recipient). */
export type OutboundKind = 'webhook' | 'notice';

export interface OutboundInput {
  kind: OutboundKind;
  /** The webhook_delivery or merchant_notice row: the run carries ids only, never a body, a secret or a key. */
  id: number;
  /** Exponential backoff from `initialInterval` (doubling, capped at `maximumInterval`) until `giveUpAfter`. */
  retry: { initialInterval: Duration; maximumInterval: Duration; giveUpAfter: Duration };
}

const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { initialInterval: '100ms', maximumInterval: '5s' } });

/**
 * Sends one webhook or merchant notice until it gets through, retrying with backoff for the give-up
 * period (Temporal's retry policy: no history event per try; each try is recorded by the activity in
 * the database, which the panel shows), then records it failed. Runs on the events task queue, apart
 * from the orders: a slow or failing endpoint never holds up an order. Workflow id
 * `<events task queue>/webhook-delivery:<id>` / `…/merchant-notice:<id>`; a redelivery is a new run of the same id.
 */
export async function outboundWorkflow({ kind, id, retry }: OutboundInput): Promise<'sent' | 'failed'> {
  const send = proxyActivities<Activities>({
    // one try: the request's own timeout (KAMI_WEBHOOK_TIMEOUT) and the bookkeeping around it
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: retry.giveUpAfter,
    retry: { initialInterval: retry.initialInterval, backoffCoefficient: 2, maximumInterval: retry.maximumInterval, nonRetryableErrorTypes: ['OutboundCancelled'] },
  });
  try {
    if (kind === 'webhook') await send.sendWebhook(id);
    else await send.sendNotice(id);
    return 'sent';
  } catch (err) {
    await db.giveUpOutbound(kind, id, failureText(err));
    return 'failed';
  }
}

function failureText(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) return 'gave up: still failing at the end of the retry period';
  if (cause instanceof ApplicationFailure) return cause.message;
  return (cause as Error)?.message ?? 'failed';
}
