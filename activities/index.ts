import type { ActivityDeps } from './deps.js';
import { createDeliveryActivities } from './delivery.js';
import { createDeviceActivities } from './device.js';
import { createSmsDeliveryActivities } from './delivery-sms.js';
import { createEventActivities } from './events.js';
import { createFulfilmentActivities } from './fulfilment.js';
import { createGatewayActivities } from './gateways.js';
import { createLegacyActivities } from './legacy.js';
import { createOrderActivities } from './orders.js';
import { createPaymentActivities } from './payment.js';
import { createRefundActivities } from './refunds.js';
import { createReviewActivities } from './review.js';
import { createStockActivities } from './stock.js';

/** Every side effect the order workflows need, built over real dependencies (tests pass real ones too). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
    ...createGatewayActivities(deps),
    ...createRefundActivities(deps),
    ...createOrderActivities(deps),
    ...createStockActivities(deps),
    ...createFulfilmentActivities(deps),
    ...createDeviceActivities(deps),
    ...createDeliveryActivities(deps),
    ...createSmsDeliveryActivities(deps),
    ...createReviewActivities(deps),
    ...createLegacyActivities(deps),
    ...createEventActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
