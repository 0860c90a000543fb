import { randomBytes } from 'node:crypto';
import type { KeyVault } from '../../infra/crypto.js';
import type { Db } from '../../infra/db.js';
import { importKeys } from '../../infra/key-import.js';
import type { ActivityTiming } from './activity-timing.js';
import type { HistoryBreakdown } from './history.js';
import type { Merchant } from './merchant.js';

/**
 * A shop under load. Kami and the baseline answer the same three buyer routes, so one load driver
 * measures both: POST /api/v1/orders, POST /sandbox/pay/:orderId?token= (the gateway, which calls
 * the shop's signed webhook), GET /api/v1/orders/:orderId with the order's bearer token.
 */
export interface Target {
  name: string;
  baseUrl: string;
  db: Db;
  /** Kami only: where the time went inside Temporal for these orders. */
  history?(orderIds: string[]): Promise<HistoryBreakdown>;
  /** Kami only: activity durations since the last call (which resets them). */
  takeActivityTimings?(): ActivityTiming[];
  /** Kami only: a signed-in operator approving every order of the product that waits in review. */
  startMerchant?(productId: string, signal: AbortSignal): Promise<Merchant>;
  stop(): Promise<void>;
}

/** Every bench key matches this, so the keys in a delivery email can be picked out of its text. */
export const KEY_PATTERN = /BK-[0-9a-f]{16}/g;

/** A product of its own per run, stocked with `stock` encrypted keys through the real importer. */
export async function createBenchProduct(db: Db, vault: KeyVault, label: string, stock: number): Promise<{ id: string; sku: string }> {
  const sku = `BENCH-${label.toUpperCase()}-${randomBytes(3).toString('hex')}`;
  const product = await db.product.create({
    data: { sku, name: `Bench ${label}`, priceCents: 100, currency: 'USD', guide: 'Benchmark key: it redeems **nowhere**.' },
  });
  const secrets = Array.from({ length: stock }, () => `BK-${randomBytes(8).toString('hex')}`);
  await importKeys(db, vault, product.id, secrets, 'bench');
  return { id: product.id, sku };
}
