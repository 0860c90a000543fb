import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { isSmsChannel } from '../domain/delivery-channels.js';
import type { AfterSalesInput, OrderResult } from '../domain/order.js';
import { orderSteps } from './steps.js';

const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', maximumInterval: '5s' },
});

/**
 * Later work on a delivered order, as its own run under the order's workflow id (so the order's
 * history stays in one place, and only one thing happens to an order at a time). An invalid-key
 * report waits for a merchant: approval voids the key, claims a fresh one and sends it; rejection
 * leaves the order as it was. A resend mails the order's keys again (or texts them: an `sms-…` channel).
 */
export async function afterSalesWorkflow({ orderId, productId, request, timeouts }: AfterSalesInput): Promise<OrderResult> {
  const o = orderSteps(orderId, productId, timeouts);
  o.s.status = 'delivered';
  if (request.kind === 'resend') {
    if (isSmsChannel(request.channel)) await o.deliverSms(request.channel);
    else await o.deliver(request.channel);
    return o.finish();
  }
  const decision = await o.awaitPerson('review', [{ code: 'invalid_key_report', message: `buyer reports key #${request.keyId} invalid: ${request.reason}` }]);
  if (decision?.action === 'approve') {
    await db.voidSoldKey(orderId, request.keyId, `reported invalid: ${request.reason}`);
    if (await o.claim()) await o.deliver(`replace-${request.keyId}`);
  } else {
    await db.recordStatus(orderId, 'delivered');
    o.setStatus('delivered');
  }
  return o.finish();
}
