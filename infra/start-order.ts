import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowIdConflictPolicy, type WorkflowIdReusePolicy } from '@temporalio/client';
import { orderWorkflowId } from '../domain/ids.js';
import type { OrderInput } from '../domain/order.js';

/** Starts a run of the order's workflow under its business id; false when the policies refuse it. */
async function startRun(temporal: Client, taskQueue: string, input: OrderInput,
  workflowIdConflictPolicy: WorkflowIdConflictPolicy, workflowIdReusePolicy: WorkflowIdReusePolicy): Promise<boolean> {
  try {
    await temporal.workflow.start('orderWorkflow', {
      taskQueue, workflowId: orderWorkflowId(input.orderId), args: [input], workflowIdConflictPolicy, workflowIdReusePolicy,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** Starts an order's workflow, or finds it running; a finished one is never started again. */
export async function startOrderWorkflow(temporal: Client, taskQueue: string, input: OrderInput): Promise<void> {
  await startRun(temporal, taskQueue, input, 'USE_EXISTING', 'REJECT_DUPLICATE');
}

/**
 * Starts an after-sales run of a delivered order under the same workflow id, so the order's history
 * stays in one place. Refused (false) while any run of that order is still open: one thing at a time.
 */
export function startAfterSales(temporal: Client, taskQueue: string, input: OrderInput): Promise<boolean> {
  return startRun(temporal, taskQueue, input, 'FAIL', 'ALLOW_DUPLICATE');
}
