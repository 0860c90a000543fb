import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SIGNATURE_HEADER, signSandboxNotification } from '../../infra/payments/sandbox.js';
import { createHttpClient } from './http.js';
import type { Shop, ShopKind } from './shops.js';

/** One order as its buyer lived it (client clock, milliseconds). */
export interface BuyerRecord {
  shop: ShopKind;
  orderId: string;
  quantity: number;
  /** A --flagged buyer (the rules send the order to review; a merchant approves it). */
  flagged: boolean;
  /** performance.now() just before the checkout call. */
  startedAt: number;
  checkoutMs: number;
  /** Round trip of the gateway's signed notification to the shop's webhook. */
  notifyMs: number;
  /** Just before the notification POST → the GET answer that shows the keys. */
  payToReadableMs: number;
  /** GET /api/v1/orders/:id calls until the keys showed. */
  reads: number;
  keys: string[];
}

export interface PlannedOrder { quantity: number; flagged: boolean }

/**
 * `orders` orders of `quantity` keys; ⌊orders × fraction⌋ of them, spread evenly, are flagged
 * orders of `flaggedQuantity` keys instead.
 */
export function planOrders(orders: number, quantity: number, fraction: number, flaggedQuantity: number): PlannedOrder[] {
  return Array.from({ length: orders }, (_, i) => {
    const flagged = fraction > 0 && Math.floor((i + 1) * fraction + 1e-9) > Math.floor(i * fraction + 1e-9);
    return { quantity: flagged ? flaggedQuantity : quantity, flagged };
  });
}

/** Buyers are distinct people: each gets its own email and address (X-Forwarded-For, which both shops trust from loopback). */
let buyerSeq = 0;
const nextBuyer = () => {
  const n = ++buyerSeq;
  return { email: `buyer-${n}@bench.example`, ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
};

/** How the buyer asks the shop to hold its read: `?wait=10s`, or `?wait=10` for a shop that takes plain seconds. */
const WAIT_QUERIES = ['wait=10s', 'wait=10'] as const;
let waitQuery: string = WAIT_QUERIES[0];
export const readQuery = () => waitQuery;

/** A buyer whose GET came back without keys after less than this was not held by the shop: wait --poll-ms and read again. */
const HELD_READ_MS = 1000;
const GIVE_UP_MS = 60_000;
const FLAGGED_GIVE_UP_MS = 180_000;
const FLAGGED_POLL_MS = 200;

/**
 * The buyers of one shop, and the payment gateway they pay through. Per order: checkout
 * (POST /api/v1/orders) → the gateway signs the notification with the sandbox webhook secret and
 * POSTs it to /api/v1/payments/sandbox/notify → the buyer reads GET /api/v1/orders/:id?wait=10s
 * (a shop that holds the read answers once the keys are readable; one that does not is read again
 * after `pollMs`) until the keys show.
 */
export function createBuyers(shop: Shop, webhookSecret: string, pollMs: number) {
  const http = createHttpClient(shop.baseUrl);

  async function checkout(sku: string, quantity: number) {
    const buyer = nextBuyer();
    const startedAt = performance.now();
    const created = await http.call('POST', '/api/v1/orders', 201, { body: { sku, quantity, email: buyer.email }, headers: { 'x-forwarded-for': buyer.ip } }) as
      { orderId: string; accessToken: string; amountDueCents: number; currency: string };
    return { ...created, startedAt, checkoutMs: performance.now() - startedAt };
  }

  /** `mark` is called after the checkout and after the notification answered (the SQL-counting pass splits its counts there). */
  async function buy(sku: string, { quantity, flagged }: PlannedOrder, mark?: (step: 'checkout' | 'notify') => void): Promise<BuyerRecord> {
    const order = await checkout(sku, quantity);
    mark?.('checkout');
    const { orderId, accessToken } = order;
    const body = JSON.stringify({ orderId, txnId: `bench_${orderId}`, amountCents: order.amountDueCents, currency: order.currency, paidAt: new Date().toISOString() });
    const signature = signSandboxNotification(webhookSecret, body);
    const payStart = performance.now();
    await http.call('POST', '/api/v1/payments/sandbox/notify', 200, { body, headers: { [SIGNATURE_HEADER]: signature } });
    const notifyMs = performance.now() - payStart;
    mark?.('notify');
    const giveUp = flagged ? FLAGGED_GIVE_UP_MS : GIVE_UP_MS;
    for (let reads = 1; ; reads++) {
      const asked = performance.now();
      let view: { keys?: string[]; status: string };
      const query = waitQuery;
      try {
        view = await http.call('GET', `/api/v1/orders/${orderId}?${query}`, 200, { headers: { authorization: `Bearer ${accessToken}` } });
      } catch (err) {
        // a shop that takes the wait in plain seconds refuses "10s" (400 naming the wait field): use that form from now on
        if (query !== WAIT_QUERIES[0] || !/answered 400: .*"wait"/.test((err as Error).message)) throw err;
        waitQuery = WAIT_QUERIES[1];
        reads--;
        continue;
      }
      const now = performance.now();
      if (view.keys?.length) {
        if (view.keys.length !== quantity) throw new Error(`order ${orderId} shows ${view.keys.length} keys, expected ${quantity}`);
        return { shop: shop.kind, orderId, quantity, flagged, startedAt: order.startedAt, checkoutMs: order.checkoutMs, notifyMs, payToReadableMs: now - payStart, reads, keys: view.keys };
      }
      if (now - payStart > giveUp) throw new Error(`order ${orderId}: keys not readable ${giveUp / 1000}s after payment (status ${view.status})`);
      // a flagged order waits for a person: its buyer looks again less eagerly
      if (now - asked < HELD_READ_MS) await sleep(flagged ? Math.max(pollMs, FLAGGED_POLL_MS) : pollMs);
    }
  }

  return { checkout, buy, close: () => http.close() };
}
export type Buyers = ReturnType<typeof createBuyers>;

const PROGRESS_EVERY_MS = 2000;

/** Prints `label: n/total orders · rate · elapsed` every 2 s until stopped. */
export function progressLine(label: string, total: number, done: () => number, say: (line: string) => void, note?: () => string) {
  const started = performance.now();
  const timer = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    say(`    ${label}: ${done()}/${total} orders · ${(done() / s).toFixed(1)} orders/s · ${s.toFixed(0)}s${note?.() ?? ''}`);
  }, PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}

/**
 * Closed loop: `concurrency` buyers, each placing its next order as soon as the last one's keys
 * showed, until the plan is done. The first failure stops every buyer and is thrown.
 */
export async function closedLoop(run: (p: PlannedOrder) => Promise<BuyerRecord>, plan: PlannedOrder[], concurrency: number, signal: AbortSignal): Promise<BuyerRecord[]> {
  const records: BuyerRecord[] = [];
  let next = 0;
  let failure: Error | undefined;
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.length) }, async () => {
    while (!failure && next < plan.length && !signal.aborted) {
      const planned = plan[next++]!;
      try {
        records.push(await run(planned));
      } catch (err) {
        failure ??= err as Error;
      }
    }
  }));
  signal.throwIfAborted();
  if (failure) throw failure;
  return records;
}

export interface OpenLoopRun { records: BuyerRecord[]; offeredRate: number; achievedRate: number; maxLagMs: number; maxInFlight: number }

/**
 * Open loop: order i starts at t0 + i / rate whatever happened to the others (no buyer waits for a
 * free slot, so queueing in the shop shows in the latencies instead of slowing the arrivals). The
 * lag of a start behind its schedule is reported: a large one means the load generator fell behind.
 */
export async function openLoop(run: (p: PlannedOrder) => Promise<BuyerRecord>, plan: PlannedOrder[], rate: number, signal: AbortSignal, maxInFlight = 5000): Promise<OpenLoopRun> {
  const records: BuyerRecord[] = [];
  let failure: Error | undefined;
  let inFlight = 0, peak = 0, maxLag = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < plan.length && !failure && !signal.aborted; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    maxLag = Math.max(maxLag, performance.now() - due);
    if (inFlight >= maxInFlight) { failure = new Error(`open loop: ${maxInFlight} orders in flight; the shop cannot keep up with ${rate.toFixed(1)} orders/s`); break; }
    inFlight++;
    peak = Math.max(peak, inFlight);
    pending.push(run(plan[i]!).then((r) => { records.push(r); }, (err) => { failure ??= err as Error; }).finally(() => { inFlight--; }));
  }
  const lastStart = performance.now();
  await Promise.all(pending);
  signal.throwIfAborted();
  if (failure) throw failure;
  return { records, offeredRate: rate, achievedRate: plan.length > 1 ? (plan.length - 1) / ((lastStart - started) / 1000) : rate, maxLagMs: maxLag, maxInFlight: peak };
}
