export { orderWorkflow } from './order.js';
export { afterSalesWorkflow } from './after-sales.js';
export { paymentSweepWorkflow } from './payment-sweep.js';
export { outboundWorkflow } from './outbound.js';
