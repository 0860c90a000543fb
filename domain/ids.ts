/** Workflow ids are business keys: one order, one workflow id, so a retried start finds the same run. */
export const orderWorkflowId = (orderId: string) => `order:${orderId}`;
