import type { ActivityTiming } from './activity-timing.js';
import type { HistoryBreakdown } from './history.js';
import { DEFAULT_RULES } from '../../domain/rules.js';
import { driveBuyers, planOrders } from './load.js';
import type { Merchant, MerchantStats } from './merchant.js';
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
  /** Only with --flagged on a shop that has reviews (Kami). */
  automation?: Automation;
}

/** Layered automation: how many orders needed nobody, and what the review step costs whom. */
export interface Automation {
  flaggedOrders: number;
  flaggedQuantity: number;
  delivered: number;
  /** Delivered orders without an order_event of type 'decision'. */
  deliveredWithoutPerson: number;
  /** confirmed→readable of the orders placed unflagged, and of the flagged ones (the merchant's wait included). */
  unflagged: Percentiles & { n: number };
  flagged: Percentiles & { n: number };
  /** For the flagged orders: payment confirmed → the decision event, and the decision event → delivered_at. */
  confirmedToDecision: Percentiles;
  decisionToDelivered: Percentiles;
  merchant: MerchantStats;
}

const MAIL_WAIT_MS = 60_000;

/**
 * N orders through one shop. Throughput runs from the first checkout to the last order `delivered`
 * (email sent, `closed_at`); latencies are differences of timestamps the shop itself wrote.
 */
export async function runEndToEnd(stack: Stack, target: Target, o: BenchOptions, say: (line: string) => void, signal: AbortSignal): Promise<EndToEnd> {
  // flagged buyers order one key more than the default rules' bulk threshold, so their orders wait for review
  const flaggedQuantity = DEFAULT_RULES.bulkQuantity + 1;
  const fraction = target.startMerchant ? o.flagged : 0;
  const plan = planOrders(o.orders, o.quantity, fraction, flaggedQuantity);
  const flaggedOrders = plan.filter((p) => p.flagged).length;
  const stock = plan.reduce((sum, p) => sum + p.quantity, 0);
  // 10% spare: an oversold key then shows in the sale check instead of as an out-of-stock error
  const product = await createBenchProduct(target.db, stack.vault, target.name.split(' ')[0]!, Math.ceil(stock * 1.1));
  const watcher = await startReadableWatcher(stack.databaseUrl, signal);
  let merchant: Merchant | undefined;
  try {
    if (flaggedOrders) merchant = await target.startMerchant!(product.id, signal);
    say(`  ${target.name}: ${o.orders} orders × ${o.quantity} key${flaggedOrders ? ` (${flaggedOrders} of them flagged: × ${flaggedQuantity} keys, approved by a merchant)` : ''}, ${o.concurrency} concurrent buyers`);
    target.takeActivityTimings?.();
    await new Promise((r) => setTimeout(r, 1100)); // let the warm-up's transaction counters reach pg_stat_database
    const commits = () => target.db.$queryRaw<{ n: bigint }[]>`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`.then((r) => Number(r[0]!.n));
    const commitsBefore = await commits() - watcher.queries();
    const usage = await measureUsage(stack.temporalPid, async () =>
      (await target.db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`).map((r) => r.pid));
    const progressNote = merchant && (() => {
      const m = merchant!.stats();
      return ` · merchant approved ${m.approved}/${flaggedOrders}${m.errors ? `, ${m.errors} errors (last: ${merchant!.lastError()})` : ''}`;
    });
    const run = await driveBuyers(target.baseUrl, product.sku, { orders: o.orders, concurrency: o.concurrency, plan, progressNote }, watcher, say, signal);
    await watcher.allDelivered(product.id, o.orders, signal);
    const merchantStats = await merchant?.stop();
    merchant = undefined;
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

    const rows = await target.db.$queryRaw<{ id: string; status: string; received: Date; delivered: Date; closed: Date; decided: Date | null }[]>`
      SELECT o.id, o.status, p.received_at AS received, o.delivered_at AS delivered, o.closed_at AS closed,
             (SELECT min(e.created_at) FROM order_event e WHERE e.order_id = o.id AND e.type = 'decision') AS decided
      FROM "order" o JOIN payment p ON p.order_id = o.id WHERE o.product_id = ${product.id}::uuid`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const lastClosed = Math.max(...rows.map((r) => r.closed.getTime()));
    const seconds = (lastClosed - run.startedAt) / 1000;
    const readable = (r: { received: Date; delivered: Date }) => r.delivered.getTime() - r.received.getTime();
    const flaggedIds = new Set(run.records.filter((r) => r.flagged).map((r) => r.orderId));
    const withN = (values: number[]) => ({ ...percentiles(values), n: values.length });
    const decided = rows.filter((r) => flaggedIds.has(r.id) && r.decided);
    const delivered = rows.filter((r) => r.status === 'delivered');
    const automation: Automation | undefined = merchantStats && {
      flaggedOrders,
      flaggedQuantity,
      delivered: delivered.length,
      deliveredWithoutPerson: delivered.filter((r) => !r.decided).length,
      unflagged: withN(rows.filter((r) => !flaggedIds.has(r.id)).map(readable)),
      flagged: withN(rows.filter((r) => flaggedIds.has(r.id)).map(readable)),
      confirmedToDecision: percentiles(decided.map((r) => r.decided!.getTime() - r.received.getTime())),
      decisionToDelivered: percentiles(decided.map((r) => r.delivered.getTime() - r.decided!.getTime())),
      merchant: merchantStats,
    };
    return {
      name: target.name,
      orders: o.orders,
      seconds,
      ordersPerSecond: o.orders / seconds,
      confirmedToReadable: percentiles(rows.map(readable)),
      payToReadable: percentiles(run.records.map((b) => byId.get(b.orderId)!.delivered.getTime() - b.payStart)),
      payCall: percentiles(run.records.map((b) => b.payEnd - b.payStart)),
      sales: await checkSales(target.db, product.id, run.records, mails()),
      usage: used,
      history: await target.history?.(run.records.map((r) => r.orderId)),
      activities,
      checkoutCall: percentiles(run.records.map((b) => b.checkoutMs)),
      commitsPerOrder: (commitsAfter - commitsBefore) / o.orders,
      automation,
    };
  } finally {
    await merchant?.stop();
    await watcher.stop();
  }
}
