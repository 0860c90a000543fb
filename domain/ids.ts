/** Workflow ids are business keys: one order, one workflow id, so a retried start finds the same run. */
export const orderWorkflowId = (orderId: string) => `order:${orderId}`;

/** The largest value of a PostgreSQL integer column (serial ids, counts, quantities). */
export const INT4_MAX = 2_147_483_647;
