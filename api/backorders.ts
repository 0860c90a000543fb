import { allocateBackorders } from '../infra/order-store.js';
import type { ApiDeps } from './deps.js';

/**
 * After keys are imported: reserve them for orders waiting on backorder (oldest payment first) and
 * tell those orders' workflows, which then claim and deliver by themselves.
 */
export async function releaseBackorders(deps: Pick<ApiDeps, 'db' | 'runs' | 'log'>, productId: string): Promise<string[]> {
  const ready = await allocateBackorders(deps.db, productId);
  await Promise.all(ready.map((id) => deps.runs.stockArrived(id)));
  if (ready.length) deps.log.info({ productId, orders: ready.length }, 'backorders released by new stock');
  return ready;
}
