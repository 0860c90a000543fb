import type { ActivityDeps } from './deps.js';
import { createDeliveryActivities } from './delivery.js';
import { createOrderActivities } from './orders.js';
import { createReviewActivities } from './review.js';
import { createStockActivities } from './stock.js';

/** Every side effect the order workflow needs, built over real dependencies (tests pass real ones too). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
    ...createStockActivities(deps),
    ...createDeliveryActivities(deps),
    ...createReviewActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
