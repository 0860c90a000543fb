import { AsyncLocalStorage } from 'node:async_hooks';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { orderWorkflowId } from '../domain/ids.js';
import type { AfterSales, Decision, OrderTimeouts, OrderView, PaymentSignal } from '../domain/order.js';
import type { afterSalesWorkflow } from '../workflows/after-sales.js';
import type { orderWorkflow } from '../workflows/order.js';
import {
  approveOrder, cancelOrder, getOrderStatus, KamiProductSku, paymentAttempted, paymentConfirmed, rejectOrder, stockArrived,
} from '../workflows/messages.js';

/**
 * The API request being served (api/app.ts enters it for each request). A run started within it
 * carries the request's id in its memo, and the worker's activities log with it (activities/log.ts).
 * Messages to a run that exists already cannot change its memo: it keeps the id that started it.
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** The memo of a run started now: `{ requestId }` within an API request, nothing otherwise (the worker's sweep). */
function requestMemo(): { memo?: { requestId: string } } {
  const requestId = requestContext.getStore()?.requestId;
  return requestId ? { memo: { requestId } } : {};
}

/** How long a start or a message may take before the caller gives up (503, try again). */
const CALL_MS = 5_000;
/** An Update waits for the run to take it: a busy worker may need longer than a plain call. */
const UPDATE_MS = 15_000;

/** What starting an order's run needs to know about it. */
export interface RunOrder { id: string; productId: string; sku: string; expiresAt: Date }

/**
 * The one module that starts order runs and sends them messages, for the API and the worker alike.
 * Every run of an order lives under workflow id `order:<orderId>`: the order run from checkout, a
 * new run for a payment that arrives after it ended, and after-sales runs — one open at a time.
 */
export function orderRuns(temporal: Client, taskQueue: string, timeouts: OrderTimeouts) {
  const handle = (orderId: string) => temporal.workflow.getHandle<typeof orderWorkflow>(orderWorkflowId(orderId));
  // the client retries an unreachable server for ~20 s by itself; bounded, a caller answers 503 fast
  // instead (and a start delay computed before the call cannot be stretched by the retries)
  const within = <T>(ms: number, fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + ms, fn);
  const input = (o: RunOrder) => ({ orderId: o.id, productId: o.productId, expiresAt: o.expiresAt.toISOString(), timeouts });
  const searchAttributes = (o: RunOrder) => [{ key: KamiProductSku, value: o.sku }];
  // a task on a worker that died is handed to another after this (the SDK's default is 10 s)
  const workflowTaskTimeout = '5s';

  return {
    /**
     * Checkout: the run exists at once but runs no workflow task until its start delay (the payment
     * hold) ends, or a payment, a cancellation or an operator's message wakes it. A retried checkout
     * finds the same run; an order whose run already finished is never started again from here.
     */
    async start(o: RunOrder): Promise<void> {
      try {
        await within(CALL_MS, () => temporal.workflow.start<typeof orderWorkflow>('orderWorkflow', {
          taskQueue, workflowId: orderWorkflowId(o.id), args: [input(o)], typedSearchAttributes: searchAttributes(o), workflowTaskTimeout, ...requestMemo(),
          startDelay: Math.max(0, o.expiresAt.getTime() - Date.now()),
          workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }));
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },

    /**
     * A verified payment was stored: Signal-With-Start skips the start delay, so the run wakes with
     * the payment in its first task. If the order's run has ended (expired, delivered), a new run
     * starts and settles it as a late or extra payment.
     */
    async paymentRecorded(o: RunOrder, payment: PaymentSignal): Promise<void> {
      await within(CALL_MS, () => temporal.workflow.signalWithStart<typeof orderWorkflow, [PaymentSignal]>('orderWorkflow', {
        taskQueue, workflowId: orderWorkflowId(o.id), args: [input(o)], typedSearchAttributes: searchAttributes(o), workflowTaskTimeout, ...requestMemo(),
        signal: paymentConfirmed, signalArgs: [payment], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }));
    },

    /**
     * A payment attempt opened on a gateway Kami can ask: Signal-With-Start wakes the run (skipping
     * its start delay), which then queries that gateway on a backoff until the hold ends.
     */
    async attemptOpened(o: RunOrder, attemptId: number): Promise<void> {
      await within(CALL_MS, () => temporal.workflow.signalWithStart<typeof orderWorkflow, [{ attemptId: number }]>('orderWorkflow', {
        taskQueue, workflowId: orderWorkflowId(o.id), args: [input(o)], typedSearchAttributes: searchAttributes(o), workflowTaskTimeout, ...requestMemo(),
        signal: paymentAttempted, signalArgs: [{ attemptId }], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }));
    },

    /** Waits for the order to close (or for a payment that won); refused unless it awaits payment. */
    cancel: (orderId: string, by: string, reason?: string): Promise<OrderView> =>
      within(UPDATE_MS, () => handle(orderId).executeUpdate(cancelOrder, { args: [{ by, reason }] })),

    decide: (orderId: string, action: 'approve' | 'reject', d: Decision): Promise<OrderView> =>
      within(UPDATE_MS, () => handle(orderId).executeUpdate(action === 'approve' ? approveOrder : rejectOrder, { args: [d] })),

    /** Keys were reserved for a backorder: its run claims and delivers them. */
    stockArrived: (orderId: string): Promise<void> => within(CALL_MS, () => handle(orderId).signal(stockArrived)),

    status: (orderId: string): Promise<OrderView> => handle(orderId).query(getOrderStatus),

    /** Starts after-sales work on a delivered order; false while any run of the order is still open. */
    async startAfterSales(o: RunOrder, request: AfterSales): Promise<boolean> {
      try {
        await within(CALL_MS, () => temporal.workflow.start<typeof afterSalesWorkflow>('afterSalesWorkflow', {
          taskQueue, workflowId: orderWorkflowId(o.id), typedSearchAttributes: searchAttributes(o), workflowTaskTimeout, ...requestMemo(),
          args: [{ orderId: o.id, productId: o.productId, request, timeouts }],
          workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        }));
        return true;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw err;
      }
    },
  };
}
export type OrderRuns = ReturnType<typeof orderRuns>;
