export { orderWorkflow } from './order.js';
export { afterSalesWorkflow } from './after-sales.js';
