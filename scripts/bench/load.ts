import type { ReadableWatcher } from './watcher.js';

export interface BuyerRecord {
  orderId: string;
  /** Client clock (ms): just before the buyer pressed Pay, and when the pay call answered 200. */
  payStart: number;
  payEnd: number;
  checkoutMs: number;
  /** The keys the buyer read through GET /api/v1/orders/:id. */
  keys: string[];
}

export interface LoadOptions { orders: number; concurrency: number; quantity: number }

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

  const buy = async (): Promise<BuyerRecord> => {
    const buyer = nextBuyer();
    const checkoutStart = Date.now();
    const created = await call('POST', '/api/v1/orders', 201, { body: { sku, quantity: o.quantity, email: buyer.email }, ip: buyer.ip });
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
    if (view.keys.length !== o.quantity) throw new Error(`order ${orderId} shows ${view.keys.length} keys, expected ${o.quantity}`);
    return { orderId, payStart, payEnd, checkoutMs, keys: view.keys };
  };

  const progress = setInterval(() => {
    const s = (Date.now() - startedAt) / 1000;
    say(`    ${records.length}/${o.orders} orders done · ${(records.length / s).toFixed(1)} orders/s · ${s.toFixed(0)}s`);
  }, PROGRESS_EVERY_MS);
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.orders) }, async () => {
      while (!failure && next < o.orders) {
        next++;
        try {
          signal.throwIfAborted();
          records.push(await buy());
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
