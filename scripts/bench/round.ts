import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RULES } from '../../domain/rules.js';
import { closedLoop, createBuyers, openLoop, planOrders, progressLine, type BuyerRecord, type PlannedOrder } from './buyers.js';
import { startCpuWindow, type CpuSplit } from './cpu.js';
import { startMerchant, type MerchantStats } from './merchant.js';
import type { BenchOptions } from './options.js';
import { createBenchProduct, type BenchProduct } from './products.js';
import type { Shop, ShopKind } from './shops.js';
import { HARNESS_APP, type BenchDatabase, type Stack } from './stack.js';
import { percentiles, type Percentiles } from './stats.js';

export type Mode = 'warmup' | 'closed' | 'open' | 'alone' | 'unpaid-before' | 'unpaid-after';

export interface Ctx { stack: Stack; o: BenchOptions; say: (line: string) => void; signal: AbortSignal }

export interface RoundResult {
  shop: ShopKind;
  mode: Mode;
  /** 1-based within its mode and shop. */
  round: number;
  orders: number;
  /** First checkout → every order of the round `delivered` (email sent). */
  seconds: number;
  ordersPerSecond: number;
  concurrency?: number;
  offeredRate?: number;
  achievedRate?: number;
  maxLagMs?: number;
  maxInFlight?: number;
  payToReadable: Percentiles;
  checkout: Percentiles;
  notify: Percentiles;
  /** Over the routine (unflagged) orders, as payToReadable. */
  readsPerOrder: number;
  cpu: CpuSplit;
  records: BuyerRecord[];
  product: BenchProduct;
  merchant?: MerchantStats;
}

/** Flagged buyers order one key more than the default rules' bulk threshold, so their orders wait for review. */
export const FLAGGED_QUANTITY = DEFAULT_RULES.bulkQuantity + 1;
const DELIVERED_TIMEOUT_MS = 180_000;

/** Σ CPU ms of the shop, Temporal (Kami only) and PostgreSQL: what an order costs, the harness left out. */
export const cpuTotal = (c: CpuSplit) => c.shop + (c.temporal ?? 0) + c.postgres;

/** The backends of a shop's database, for the CPU window. */
export const backends = (data: BenchDatabase) => async () =>
  (await data.pg.query<{ pid: number; app: string }>('SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = $1', [data.name])).rows;

/** Polls (harness connection, every 50 ms) until `count` orders of the product are `delivered`. */
export async function waitDelivered(data: BenchDatabase, productId: string, count: number, signal: AbortSignal, timeoutMs = DELIVERED_TIMEOUT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const { rows } = await data.pg.query<{ n: string }>(`SELECT count(*) AS n FROM "order" WHERE product_id = $1 AND status = 'delivered'`, [productId]);
    if (Number(rows[0]!.n) >= count) return;
    if (performance.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${count} orders were delivered ${timeoutMs / 1000}s after the last buyer finished`);
    await sleep(50);
  }
}

/**
 * One measured round of one shop on a product of its own: `closed` (and `alone`, `warmup`) run
 * `concurrency` buyers in a closed loop, `open` and `unpaid-*` start orders at `rate` per second.
 * CPU is measured from just before the first checkout until every order is delivered.
 */
export async function runRound(ctx: Ctx, shop: Shop, mode: Mode, round: number, spec: { orders: number; concurrency?: number; rate?: number; flagged?: number }): Promise<RoundResult> {
  const { stack, o, say, signal } = ctx;
  const fraction = shop.kind === 'kami' && mode === 'closed' ? spec.flagged ?? 0 : 0;
  const plan: PlannedOrder[] = planOrders(spec.orders, o.quantity, fraction, FLAGGED_QUANTITY);
  const stock = plan.reduce((sum, p) => sum + p.quantity, 0);
  // 10% spare: an oversold key then shows in the sale check instead of as an out-of-stock error
  const product = await createBenchProduct(shop.data.db, stack.vault, `${shop.kind}-${mode}-${round}`, Math.ceil(stock * 1.1) + 5);
  const buyers = createBuyers(shop, stack.vault.sandboxWebhookSecret, o.pollMs);
  const onAbort = () => buyers.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const flaggedCount = plan.filter((p) => p.flagged).length;
  const merchant = flaggedCount ? await startMerchant(shop.baseUrl, shop.admin!, () => [product.id], signal) : undefined;
  const label = `${shop.kind} ${mode}${mode === 'warmup' ? '' : ` ${round}/${o.rounds}`}`
    + (spec.rate ? ` @ ${spec.rate.toFixed(1)}/s` : ` × ${spec.concurrency}`);
  const records: BuyerRecord[] = [];
  const run = (p: PlannedOrder) => buyers.buy(product.sku, p).then((r) => (records.push(r), r));
  const stopProgress = progressLine(label, spec.orders, () => records.length, say,
    merchant && (() => ` · merchant approved ${merchant.stats().approved}/${flaggedCount}${merchant.lastError() ? ` (last error: ${merchant.lastError()})` : ''}`));
  try {
    const cpuWindow = await startCpuWindow({
      shop: shop.processes.map((p) => ({ label: p.label, pid: p.child.pid })),
      temporalPid: shop.kind === 'kami' ? stack.temporalPid : undefined,
      harnessChildren: [stack.mail.child.pid],
      backends: backends(shop.data),
      shopApps: shop.pgApps,
      harnessApps: [HARNESS_APP],
    });
    const t0 = performance.now();
    const open = spec.rate ? await openLoop(run, plan, spec.rate, signal) : undefined;
    if (!open) await closedLoop(run, plan, spec.concurrency ?? 1, signal);
    await waitDelivered(shop.data, product.id, spec.orders, signal);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = await cpuWindow();
    const routine = records.filter((r) => !r.flagged);
    return {
      shop: shop.kind, mode, round, orders: spec.orders, seconds, ordersPerSecond: spec.orders / seconds,
      concurrency: open ? undefined : spec.concurrency,
      offeredRate: open?.offeredRate, achievedRate: open?.achievedRate, maxLagMs: open?.maxLagMs, maxInFlight: open?.maxInFlight,
      payToReadable: percentiles(routine.map((r) => r.payToReadableMs)),
      checkout: percentiles(records.map((r) => r.checkoutMs)),
      notify: percentiles(records.map((r) => r.notifyMs)),
      readsPerOrder: routine.reduce((s, r) => s + r.reads, 0) / Math.max(1, routine.length),
      cpu, records, product,
      merchant: await merchant?.stop(),
    };
  } finally {
    stopProgress();
    await merchant?.stop();
    signal.removeEventListener('abort', onAbort);
    buyers.close();
  }
}

/** One line per finished round, for the progress log. */
export function roundLine(r: RoundResult): string {
  const per = (ms: number | null) => (ms === null ? '–' : (ms / r.orders).toFixed(1));
  const p = r.payToReadable;
  return `    ✔ ${r.shop} ${r.mode} ${r.round}: ${r.orders} orders in ${r.seconds.toFixed(1)} s = ${r.ordersPerSecond.toFixed(1)} orders/s`
    + (r.offeredRate ? ` (offered ${r.offeredRate.toFixed(1)}/s)` : '')
    + ` · pay→readable p50/p95/p99 ${p.p50.toFixed(0)}/${p.p95.toFixed(0)}/${p.p99.toFixed(0)} ms`
    + ` · CPU ms/order ${(cpuTotal(r.cpu) / r.orders).toFixed(1)} (shop ${per(r.cpu.shop)}, Temporal ${per(r.cpu.temporal)}, PG ${per(r.cpu.postgres)}; harness ${per(r.cpu.harness)})`
    + ` · ${r.readsPerOrder.toFixed(2)} reads/order`;
}
