import type { ActivityDeps } from './deps.js';
import { bindStockKey } from '../infra/device-binding.js';

export const createDeviceActivities = ({ db, vault }: ActivityDeps) => ({
  /**
   * A device-bound product delivered from stock, before its first delivery: binds the buyer's device
   * to the order's key, or gives the order the code bound to that device before (its own key is
   * voided: it was readable for a moment). Idempotent on the order id; returns the ids of the keys it delivers.
   */
  async bindDevice(orderId: string): Promise<number[]> {
    return bindStockKey(db, vault, orderId);
  },
});
