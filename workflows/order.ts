import {
  ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes, allHandlersFinished,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { OrderInput, OrderResult, OrderView, PaymentFacts } from '../domain/order.js';
import { paymentMismatch } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import { cancelOrder, getOrderStatus, KamiOrderStatus, KamiProductSku, paymentConfirmed } from './messages.js';

// Short database steps run as local activities: no round trip through the server between them,
// which keeps payment → keys-readable fast. Each is idempotent on the order id.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', maximumInterval: '5s' },
});

/** One order: await payment → rule check → claim reserved keys → deliver by email. */
export async function orderWorkflow(input: OrderInput): Promise<OrderResult> {
  let status: OrderStatus = 'awaiting_payment';
  let payment: PaymentFacts | undefined;
  let cancelledBy: { by: string; reason?: string } | undefined;
  let keyIds: number[] = [];
  let emailAttempts = 0;

  const view = (): OrderView => ({ orderId: input.orderId, status, keyIds, payment, emailAttempts });
  const setStatus = (next: OrderStatus) => {
    status = next;
    upsertSearchAttributes([{ key: KamiOrderStatus, value: next }]);
  };
  upsertSearchAttributes([{ key: KamiProductSku, value: input.sku }, { key: KamiOrderStatus, value: status }]);

  setHandler(getOrderStatus, view);
  setHandler(paymentConfirmed, (p) => {
    // a replayed or second notification, or one for another amount, changes nothing
    if (status === 'awaiting_payment' && !payment && !cancelledBy && paymentMismatch(input, p) === null) payment = p;
  });
  setHandler(cancelOrder, (c) => { cancelledBy = c; return view(); }, {
    validator: (_c) => {
      if (status !== 'awaiting_payment' || payment) {
        throw ApplicationFailure.create({ type: 'NotAwaitingPayment', message: `order is ${status}, not awaiting payment` });
      }
    },
  });

  await condition(() => payment !== undefined || cancelledBy !== undefined, input.timeouts.paymentHold);
  if (!payment) {
    const outcome = cancelledBy ? 'cancelled' : 'expired';
    await db.releaseHold(input.orderId, outcome, cancelledBy?.by ?? 'system');
    setStatus(outcome);
    return finish();
  }

  await db.markPaid(input.orderId, payment);
  setStatus('paid');

  // The single place where order rules decide; the review pause plugs in here.
  await db.checkRules(input.orderId);

  // claim before notifying: a retry after a crash must find the same keys
  keyIds = await db.claimKeys(input.orderId);
  setStatus('delivering');

  const email = proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: input.timeouts.emailGiveUpAfter,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: input.timeouts.emailRetryMaxInterval },
  });
  try {
    emailAttempts = (await email.sendDeliveryEmail(input.orderId)).attempts;
    await db.recordStatus(input.orderId, 'delivered');
    setStatus('delivered');
  } catch {
    // the keys stay readable on the order page; a person decides what to do about the email
    await db.recordStatus(input.orderId, 'needs_attention', 'delivery email kept failing');
    setStatus('needs_attention');
  }
  return finish();

  async function finish(): Promise<OrderResult> {
    await condition(allHandlersFinished);
    return view();
  }
}
