import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { orderWorkflowId } from '../domain/ids.js';
import type { OrderInput } from '../domain/order.js';

/** Starts an order's workflow, or finds it running; a finished one is never started again. */
export async function startOrderWorkflow(temporal: Client, taskQueue: string, input: OrderInput): Promise<void> {
  try {
    await temporal.workflow.start('orderWorkflow', {
      taskQueue,
      workflowId: orderWorkflowId(input.orderId),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}

/**
 * Starts an after-sales run of a delivered order under the same workflow id, so the order's history
 * stays in one place. Refused (false) while any run of that order is still open: one thing at a time.
 */
export async function startAfterSales(temporal: Client, taskQueue: string, input: OrderInput): Promise<boolean> {
  try {
    await temporal.workflow.start('orderWorkflow', {
      taskQueue,
      workflowId: orderWorkflowId(input.orderId),
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
