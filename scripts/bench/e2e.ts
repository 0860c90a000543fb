import type { ActivityTiming } from './activity-timing.js';
import type { HistoryBreakdown } from './history.js';
import { driveBuyers } from './load.js';
import type { BenchOptions } from './options.js';
import type { Stack } from './stack.js';
import { percentiles, type Percentiles } from './stats.js';
import { createBenchProduct, type Target } from './target.js';
import { measureUsage, type Usage } from './usage.js';
import { checkSales, mailOrderId, type SaleCheck } from './verify.js';
import { startReadableWatcher } from './watcher.js';

export interface EndToEnd {
  name: string;
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  /** payment.received_at (webhook recorded the verified notification) → order.delivered_at (keys readable). */
  confirmedToReadable: Percentiles;
  /** Client clock just before the pay call → order.delivered_at: what the buyer waits after pressing Pay. */
  payToReadable: Percentiles;
  /** Round trip of the pay call (gateway → signed webhook → answer). */
  payCall: Percentiles;
  sales: SaleCheck;
  usage: Usage;
  history?: HistoryBreakdown;
  activities?: ActivityTiming[];
  /** Round trip of the checkout call. */
  checkoutCall: Percentiles;
  /** PostgreSQL transactions (reads included) committed in the bench database per order, the bench's own polling left out. */
  commitsPerOrder: number;
}

const MAIL_WAIT_MS = 60_000;

/**
 * N orders through one shop. Throughput runs from the first checkout to the last order `delivered`
 * (email sent, `closed_at`); latencies are differences of timestamps the shop itself wrote.
 */
export async function runEndToEnd(stack: Stack, target: Target, o: BenchOptions, say: (line: string) => void, signal: AbortSignal): Promise<EndToEnd> {
  const stock = o.orders * o.quantity;
  // 10% spare: an oversold key then shows in the sale check instead of as an out-of-stock error
  const product = await createBenchProduct(target.db, stack.vault, target.name.split(' ')[0]!, Math.ceil(stock * 1.1));
  const watcher = await startReadableWatcher(stack.databaseUrl, signal);
  try {
    say(`  ${target.name}: ${o.orders} orders × ${o.quantity} key, ${o.concurrency} concurrent buyers`);
    target.takeActivityTimings?.();
    await new Promise((r) => setTimeout(r, 1100)); // let the warm-up's transaction counters reach pg_stat_database
    const commits = () => target.db.$queryRaw<{ n: bigint }[]>`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`.then((r) => Number(r[0]!.n));
    const commitsBefore = await commits() - watcher.queries();
    const usage = await measureUsage(stack.temporalPid, async () =>
      (await target.db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`).map((r) => r.pid));
    const run = await driveBuyers(target.baseUrl, product.sku, o, watcher, say, signal);
    await watcher.allDelivered(product.id, o.orders, signal);
    const used = await usage();
    const activities = target.takeActivityTimings?.();
    await new Promise((r) => setTimeout(r, 1100)); // backends report their counters about once a second
    const commitsAfter = await commits() - watcher.queries();
    const ids = new Set(run.records.map((r) => r.orderId));
    const mails = () => stack.mail.messages.filter((m) => ids.has(mailOrderId(m.subject) ?? ''));
    const deadline = Date.now() + MAIL_WAIT_MS;
    while (mails().length < o.orders && Date.now() < deadline) {
      signal.throwIfAborted();
      await new Promise((r) => setTimeout(r, 100));
    }

    const rows = await target.db.$queryRaw<{ id: string; received: Date; delivered: Date; closed: Date }[]>`
      SELECT o.id, p.received_at AS received, o.delivered_at AS delivered, o.closed_at AS closed
      FROM "order" o JOIN payment p ON p.order_id = o.id WHERE o.product_id = ${product.id}::uuid`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const lastClosed = Math.max(...rows.map((r) => r.closed.getTime()));
    const seconds = (lastClosed - run.startedAt) / 1000;
    return {
      name: target.name,
      orders: o.orders,
      seconds,
      ordersPerSecond: o.orders / seconds,
      confirmedToReadable: percentiles(rows.map((r) => r.delivered.getTime() - r.received.getTime())),
      payToReadable: percentiles(run.records.map((b) => byId.get(b.orderId)!.delivered.getTime() - b.payStart)),
      payCall: percentiles(run.records.map((b) => b.payEnd - b.payStart)),
      sales: await checkSales(target.db, product.id, run.records, mails()),
      usage: used,
      history: await target.history?.(run.records.map((r) => r.orderId)),
      activities,
      checkoutCall: percentiles(run.records.map((b) => b.checkoutMs)),
      commitsPerOrder: (commitsAfter - commitsBefore) / o.orders,
    };
  } finally {
    await watcher.stop();
  }
}
