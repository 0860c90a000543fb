import { loadavg } from 'node:os';
import type { ClaimBench } from './claims.js';
import { CORES } from './cpu.js';
import type { HistoryBreakdown } from './history.js';
import type { MerchantStats } from './merchant.js';
import type { BenchOptions } from './options.js';
import { cpuTotal, type RoundResult } from './round.js';
import type { ShopKind } from './shops.js';
import type { SqlPass } from './sql-count.js';
import { median, medianPercentiles, type Percentiles } from './stats.js';
import type { UnpaidResult } from './unpaid.js';
import type { SaleCheck } from './verify.js';

const round1 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);
const ratio2 = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null);
const pct = (p: Percentiles) => ({ p50: round1(p.p50), p95: round1(p.p95), p99: round1(p.p99) });

export interface CpuPerOrder { shop: number; byProcess: Record<string, number>; temporal: number | null; postgres: number; harness: number; total: number }

export interface ShopSummary {
  shop: ShopKind;
  name: string;
  closed: RoundResult[];
  open: RoundResult[];
  alone: RoundResult[];
  /** Median closed-loop orders/s. */
  ordersPerSecond: number;
  /** The closed-loop round whose CPU per order (harness excluded) is the median, split. */
  cpu: CpuPerOrder;
  cpuOpen: CpuPerOrder | null;
  payToReadable: Percentiles;
  closedPayToReadable: Percentiles;
  alonePayToReadable: Percentiles;
  checkout: Percentiles;
  notify: Percentiles;
  readsPerOrder: number;
  offeredRate: number | null;
  sql?: SqlPass;
  history?: HistoryBreakdown;
  sales: SaleCheck;
}

const perOrder = (r: RoundResult): CpuPerOrder => ({
  shop: r.cpu.shop / r.orders,
  byProcess: Object.fromEntries(Object.entries(r.cpu.byProcess).map(([k, v]) => [k, v / r.orders])),
  temporal: r.cpu.temporal === null ? null : r.cpu.temporal / r.orders,
  postgres: r.cpu.postgres / r.orders,
  harness: r.cpu.harness / r.orders,
  total: cpuTotal(r.cpu) / r.orders,
});

/** The round whose CPU per order is the median one. */
const medianCpu = (rounds: RoundResult[]): CpuPerOrder | null => {
  if (!rounds.length) return null;
  const sorted = rounds.map(perOrder).sort((a, b) => a.total - b.total);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

export function summarize(shop: ShopKind, name: string, rounds: RoundResult[], sales: SaleCheck, sql?: SqlPass, history?: HistoryBreakdown): ShopSummary {
  const of = (mode: RoundResult['mode']) => rounds.filter((r) => r.shop === shop && r.mode === mode);
  const closed = of('closed'), open = of('open'), alone = of('alone');
  return {
    shop, name, closed, open, alone,
    ordersPerSecond: median(closed.map((r) => r.ordersPerSecond)),
    cpu: medianCpu(closed)!,
    cpuOpen: medianCpu(open),
    payToReadable: medianPercentiles(open.map((r) => r.payToReadable)),
    closedPayToReadable: medianPercentiles(closed.map((r) => r.payToReadable)),
    alonePayToReadable: medianPercentiles(alone.map((r) => r.payToReadable)),
    checkout: medianPercentiles(open.map((r) => r.checkout)),
    notify: medianPercentiles(open.map((r) => r.notify)),
    readsPerOrder: median(open.map((r) => r.readsPerOrder)),
    offeredRate: open[0]?.offeredRate ?? null,
    sql, history, sales,
  };
}

export interface Target { name: string; value: string; goal: string; met: boolean | null; stretch?: { goal: string; met: boolean | null } }

/** The targets for Kami, as reported figures (the bench never fails on them). */
export function targets(kami: ShopSummary | undefined, base: ShopSummary | undefined, unpaid: UnpaidResult | undefined, keySoldTwice: number): Target[] {
  const t: Target[] = [];
  const f = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));
  const le = (n: number | null | undefined, max: number) => (n === null || n === undefined || !Number.isFinite(n) ? null : n <= max);
  if (kami) {
    const h = kami.history;
    t.push({ name: 'workflow tasks after payment per routine order', value: f(h?.workflowTasksAfterPayment, 2), goal: '≤ 1', met: le(h?.workflowTasksAfterPayment, 1) });
    t.push({ name: 'history events per routine order', value: f(h?.eventsPerOrder), goal: '≤ 12', met: le(h?.eventsPerOrder, 12) });
    t.push({ name: 'SQL statements per order (checkout + payment + delivery + one read)', value: f(kami.sql?.statementsPerOrder), goal: '≤ 8', met: le(kami.sql?.statementsPerOrder, 8) });
    t.push({ name: 'CPU ms per order (Kami + Temporal + PostgreSQL)', value: f(kami.cpu.total), goal: '≤ 30', met: le(kami.cpu.total, 30), stretch: { goal: '≤ 20', met: le(kami.cpu.total, 20) } });
    if (base) {
      const ratio = kami.ordersPerSecond / base.ordersPerSecond;
      t.push({ name: 'max throughput ÷ baseline (same run)', value: `${f(ratio, 2)}×`, goal: '≥ 1.0×', met: ratio >= 1, stretch: { goal: '≥ 1.5×', met: ratio >= 1.5 } });
    }
    const p = kami.payToReadable;
    const at = kami.offeredRate ? ` at ${f(kami.offeredRate)} orders/s` : '';
    t.push({ name: `pay → keys readable p50${at}`, value: `${f(p.p50, 0)} ms`, goal: '≤ 50 ms', met: le(p.p50, 50) });
    t.push({ name: `pay → keys readable p99${at}`, value: `${f(p.p99, 0)} ms`, goal: '≤ 250 ms', met: le(p.p99, 250) });
    t.push({ name: 'pay → keys readable p50, one buyer alone', value: `${f(kami.alonePayToReadable.p50, 0)} ms`, goal: '≤ 30 ms', met: le(kami.alonePayToReadable.p50, 30) });
  }
  if (unpaid) {
    const u = unpaidComparison(unpaid);
    t.push({ name: `${unpaid.unpaid} unpaid orders open: paid p50 / p99 after ÷ before`, value: `${f(u.p50Ratio, 2)}× / ${f(u.p99Ratio, 2)}×`, goal: '≤ 1.10×', met: u.p50Ratio <= 1.1 && u.p99Ratio <= 1.1 });
    t.push({ name: `${unpaid.unpaid} unpaid orders open: worker RSS after ÷ before`, value: `${f(u.rssRatio, 2)}× (${f(unpaid.memory.before.worker, 0)} → ${f(unpaid.memory.after.worker, 0)} MiB)`, goal: '≤ 1.10× (flat)', met: le(u.rssRatio, 1.1) });
  }
  t.push({ name: 'keys sold twice (all shops, all rounds)', value: String(keySoldTwice), goal: '0', met: keySoldTwice === 0 });
  return t;
}

export function unpaidComparison(u: UnpaidResult) {
  const before = medianPercentiles(u.before.map((r) => r.payToReadable));
  const after = medianPercentiles(u.after.map((r) => r.payToReadable));
  return {
    before, after,
    p50Ratio: after.p50 / before.p50, p99Ratio: after.p99 / before.p99,
    rssRatio: u.memory.after.worker !== undefined && u.memory.before.worker !== undefined ? u.memory.after.worker / u.memory.before.worker : NaN,
  };
}

/** Layered automation over Kami's closed-loop rounds with --flagged. */
export interface Automation {
  flaggedOrders: number;
  flaggedQuantity: number;
  delivered: number;
  deliveredWithoutPerson: number;
  unflagged: Percentiles & { n: number };
  all: Percentiles & { n: number };
  flagged: Percentiles & { n: number };
  paymentToDecision: Percentiles;
  decisionToDelivered: Percentiles;
  merchant: MerchantStats;
}

export function buildJson(o: BenchOptions, meta: { startedAt: Date; seconds: number; dynamicConfig: Record<string, unknown> }, shops: ShopSummary[],
  rounds: RoundResult[], keySoldTwice: number, ordersFailed: number, t: Target[], extra: { unpaid?: UnpaidResult; automation?: Automation; claims?: ClaimBench }) {
  const cpu = (c: CpuPerOrder | null) => c && ({
    shop: round1(c.shop), ...Object.fromEntries(Object.entries(c.byProcess).map(([k, v]) => [k, round1(v)])),
    temporal: round1(c.temporal), postgres: round1(c.postgres), harness: round1(c.harness), total: round1(c.total), totalWithHarness: round1(c.total + c.harness),
  });
  const kami = shops.find((s) => s.shop === 'kami'), base = shops.find((s) => s.shop === 'baseline');
  return {
    startedAt: meta.startedAt.toISOString(),
    seconds: Math.round(meta.seconds),
    machine: { cores: CORES, loadAverage: loadavg().map((l) => round1(l)) },
    options: {
      orders: o.orders, concurrency: o.concurrency, rounds: o.rounds, warmup: o.warmup, openSeconds: o.openSeconds, load: o.load, rate: o.rate ?? null,
      alone: o.alone, countOrders: o.countOrders, quantity: o.quantity, flagged: o.flagged, unpaid: o.unpaid, quick: o.quick, temporalDb: o.temporalDb,
    },
    temporalDynamicConfig: meta.dynamicConfig,
    runs: shops.map((s) => ({
      shop: s.shop,
      ordersPerSecond: round1(s.ordersPerSecond),
      cpuMsPerOrder: round1(s.cpu.total),
      sqlStatementsPerOrder: round1(s.sql?.statementsPerOrder),
      workflowTasksPerOrder: s.shop === 'baseline' ? 0 : round1(s.history?.workflowTasksPerOrder),
      historyEventsPerOrder: s.shop === 'baseline' ? 0 : round1(s.history?.eventsPerOrder),
      payToReadableMs: pct(s.payToReadable),
      // more figures
      offeredRate: round1(s.offeredRate),
      ordersPerSecondRounds: s.closed.map((r) => round1(r.ordersPerSecond)),
      cpuMsPerOrderSplit: cpu(s.cpu),
      cpuMsPerOrderAtOfferedRate: cpu(s.cpuOpen),
      sqlTransactionsPerOrder: round1(s.sql?.transactionsPerOrder),
      sqlStatementsPerOrderAsRun: round1(s.sql?.statementsPerOrderAsRun),
      sqlReadsPerOrder: round1(s.sql?.readsPerOrder),
      sqlStatementsPerRead: round1(s.sql?.statementsPerRead),
      sqlByProcess: s.sql && Object.fromEntries(s.sql.byProcess.map((p) => [p.label, {
        statements: round1(p.counts.statements / s.sql!.orders), transactions: round1(p.counts.transactions / s.sql!.orders), control: round1(p.counts.control / s.sql!.orders),
      }])),
      workflowTasksAfterPaymentPerOrder: s.shop === 'baseline' ? 0 : round1(s.history?.workflowTasksAfterPayment),
      historiesSampled: s.history?.sampled ?? 0,
      closedLoopPayToReadableMs: pct(s.closedPayToReadable),
      aloneMs: pct(s.alonePayToReadable),
      checkoutMs: pct(s.checkout),
      notifyMs: pct(s.notify),
      readsPerOrder: round1(s.readsPerOrder),
      saleCheck: s.sales,
    })),
    throughputRatio: kami && base ? Math.round((kami.ordersPerSecond / base.ordersPerSecond) * 100) / 100 : null,
    keySoldTwice,
    ordersFailed,
    targets: t,
    rounds: rounds.map((r) => ({
      shop: r.shop, mode: r.mode, round: r.round, orders: r.orders, seconds: round1(r.seconds), ordersPerSecond: round1(r.ordersPerSecond),
      concurrency: r.concurrency ?? null, offeredRate: round1(r.offeredRate), achievedRate: round1(r.achievedRate), maxLagMs: round1(r.maxLagMs),
      payToReadableMs: pct(r.payToReadable), readsPerOrder: round1(r.readsPerOrder), cpuMsPerOrder: cpu(perOrder(r)),
      machineBusyPercent: round1(r.cpu.machineBusy), harnessEventLoop: round1(r.cpu.harnessEventLoop * 100),
    })),
    unpaid: extra.unpaid && (() => {
      const c = unpaidComparison(extra.unpaid);
      return {
        orders: extra.unpaid.unpaid, placedPerSecond: round1(extra.unpaid.placedPerSecond), before: pct(c.before), after: pct(c.after),
        p50Ratio: ratio2(c.p50Ratio), p99Ratio: ratio2(c.p99Ratio), rssRatio: ratio2(c.rssRatio),
        memoryMiB: extra.unpaid.memory,
        unpaidOrderHistory: extra.unpaid.history && { sampled: extra.unpaid.history.sampled, events: round1(extra.unpaid.history.eventsPerOrder), workflowTasks: round1(extra.unpaid.history.workflowTasksPerOrder) },
      };
    })(),
    automation: extra.automation && {
      ...extra.automation, unflagged: pct(extra.automation.unflagged), all: pct(extra.automation.all), flagged: pct(extra.automation.flagged),
      paymentToDecision: pct(extra.automation.paymentToDecision), decisionToDelivered: pct(extra.automation.decisionToDelivered),
    },
    claims: extra.claims ?? null,
  };
}
