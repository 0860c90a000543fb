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
