import type { ReadableWatcher } from './watcher.js';

export interface BuyerRecord {
  orderId: string;
  /** Client clock (ms): just before the buyer pressed Pay, and when the pay call answered 200. */
  payStart: number;
  payEnd: number;
  checkoutMs: number;
  /** The keys the buyer read through GET /api/v1/orders/:id. */
  keys: string[];
  /** Keys ordered, and whether this was a flagged buyer (an order the rules send to review). */
  quantity: number;
  flagged: boolean;
}

/** What the n-th order of a run buys. */
export interface PlannedOrder { quantity: number; flagged: boolean }

export interface LoadOptions {
  orders: number;
  concurrency: number;
  /** One entry per order, in the order they are placed. */
  plan: PlannedOrder[];
  /** Appended to the progress line (e.g. the merchant's approvals). */
  progressNote?: () => string;
}

/**
 * `orders` orders of `quantity` keys, a `fraction` of them (spread evenly over the run, ⌊orders × fraction⌋
 * in all) of `flaggedQuantity` keys instead.
 */
export function planOrders(orders: number, quantity: number, fraction: number, flaggedQuantity: number): PlannedOrder[] {
  return Array.from({ length: orders }, (_, i) => {
    const flagged = fraction > 0 && Math.floor((i + 1) * fraction + 1e-9) > Math.floor(i * fraction + 1e-9);
    return { quantity: flagged ? flaggedQuantity : quantity, flagged };
  });
}

const PROGRESS_EVERY_MS = 2000;

/** Buyers are distinct people: each gets its own email and address (X-Forwarded-For, which both shops trust from loopback). */
let buyerSeq = 0;
const nextBuyer = () => {
  const n = ++buyerSeq;
  return { email: `buyer-${n}@bench.example`, ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
};

/**
 * `concurrency` buyers in a closed loop until `orders` orders are done. Each buyer: checkout → pay
 * (the gateway calls the shop's signed webhook) → open the order (GET); if the keys are not readable
 * yet, wait for the watcher and GET again. The first failure stops every buyer and is thrown.
 */
export async function driveBuyers(baseUrl: string, sku: string, o: LoadOptions, watcher: ReadableWatcher, say: (line: string) => void, signal: AbortSignal) {
  const records: BuyerRecord[] = [];
  let next = 0;
  let failure: Error | undefined;
  const startedAt = Date.now();

  const call = async (method: string, path: string, expect: number, init: { body?: unknown; token?: string; ip?: string } = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.ip ? { 'x-forwarded-for': init.ip } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal,
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path.replace(/\?.*/, '')} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };

  const buy = async ({ quantity, flagged }: PlannedOrder): Promise<BuyerRecord> => {
    const buyer = nextBuyer();
    const checkoutStart = Date.now();
    const created = await call('POST', '/api/v1/orders', 201, { body: { sku, quantity, email: buyer.email }, ip: buyer.ip });
    const { orderId, accessToken: token } = created as { orderId: string; accessToken: string };
    const payStart = Date.now();
    const checkoutMs = payStart - checkoutStart;
    await call('POST', `/sandbox/pay/${orderId}?token=${encodeURIComponent(token)}`, 200);
    const payEnd = Date.now();
    let view = await call('GET', `/api/v1/orders/${orderId}`, 200, { token });
    if (!view.keys.length) {
      await watcher.readable(orderId);
      view = await call('GET', `/api/v1/orders/${orderId}`, 200, { token });
    }
    if (view.keys.length !== quantity) throw new Error(`order ${orderId} shows ${view.keys.length} keys, expected ${quantity}`);
    return { orderId, payStart, payEnd, checkoutMs, keys: view.keys, quantity, flagged };
  };

  const progress = setInterval(() => {
    const s = (Date.now() - startedAt) / 1000;
    say(`    ${records.length}/${o.orders} orders done · ${(records.length / s).toFixed(1)} orders/s · ${s.toFixed(0)}s${o.progressNote?.() ?? ''}`);
  }, PROGRESS_EVERY_MS);
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.orders) }, async () => {
      while (!failure && next < o.orders) {
        const planned = o.plan[next++]!;
        try {
          signal.throwIfAborted();
          records.push(await buy(planned));
        } catch (err) {
          failure ??= err as Error;
        }
      }
    }));
  } finally {
    clearInterval(progress);
  }
  if (failure) throw failure;
  return { records, startedAt, buyersDoneAt: Date.now() };
}
