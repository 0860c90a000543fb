import type { ClaimBench } from './claims.js';
import { FILL_LEVELS } from './claims.js';
import { CORES } from './cpu.js';
import type { BenchOptions } from './options.js';
import { unpaidComparison, type Automation, type CpuPerOrder, type ShopSummary, type Target } from './results.js';
import { cpuTotal, type RoundResult } from './round.js';
import type { SqlPass } from './sql-count.js';
import { fmtMs, fmtRate, median, medianPercentiles, table } from './stats.js';
import type { UnpaidResult } from './unpaid.js';

const f1 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1));
const f2 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(2));
const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'NOT met');

/** The run's tables as plain text. */
export function renderReport(o: BenchOptions, shops: ShopSummary[], extra: {
  dynamicConfig: Record<string, unknown>; targets: Target[]; unpaid?: UnpaidResult; automation?: Automation; claims?: ClaimBench; logDir?: string;
  logs?: { name: string; lines: number; warnings: number; first?: string }[]; readQuery?: string;
}): string {
  const out: string[] = [];
  const kami = shops.find((s) => s.shop === 'kami'), base = shops.find((s) => s.shop === 'baseline');
  if (shops.length) {
    out.push(`1. Max throughput, closed loop: ${o.concurrency} buyers, ${o.orders} orders × ${o.quantity} key per round, ${o.rounds} rounds per shop interleaved (median; a round ends when every order is delivered, email sent)`);
    out.push(table(['', 'orders/s', 'rounds', 'pay→readable p50/p95/p99 ms', 'reads/order'],
      shops.map((s) => [s.name, fmtRate(s.ordersPerSecond), s.closed.map((r) => fmtRate(r.ordersPerSecond)).join(', '), fmtMs(s.closedPayToReadable),
        f2(median(s.closed.map((r) => r.readsPerOrder)))])));
    if (kami && base) out.push(`Kami ÷ baseline: ${(kami.ordersPerSecond / base.ordersPerSecond).toFixed(2)}× the throughput`);
    out.push('');

    out.push('2. CPU ms per order, closed loop (the round with the median total; utime + stime from /proc over the round)');
    const labels = [...new Set(shops.flatMap((s) => Object.keys(s.cpu.byProcess)))];
    const cpuRow = (name: string, c: CpuPerOrder | null, r?: RoundResult) => c ? [name, ...labels.map((l) => f1(c.byProcess[l])), f1(c.temporal), f1(c.postgres), f1(c.total),
      f1(c.harness), r ? `${r.cpu.machineBusy.toFixed(0)}%` : '', r ? `${(r.cpu.harnessEventLoop * 100).toFixed(0)}%` : ''] : [name, ...labels.map(() => '–'), '–', '–', '–', '–', '', ''];
    const medianRound = (rounds: RoundResult[], c: CpuPerOrder | null) => rounds.find((r) => c && Math.abs(cpuTotal(r.cpu) / r.orders - c.total) < 1e-9);
    out.push(table(['', ...labels, 'Temporal', 'PostgreSQL', 'total', 'harness', 'machine busy', 'harness event loop'], [
      ...shops.map((s) => cpuRow(s.name, s.cpu, medianRound(s.closed, s.cpu))),
      ...shops.filter((s) => s.cpuOpen).map((s) => cpuRow(`${s.name}, open loop`, s.cpuOpen, medianRound(s.open, s.cpuOpen))),
    ]));
    out.push(`total = the shop's processes + Temporal server + PostgreSQL backends of its connections; the harness (load generator, gateway, SMTP sink, its own PG backends) is shown apart and not included. A ${CORES}-core machine at that total carries at most ${shops.map((s) => `${s.name.split(' ')[0]} ${fmtRate((CORES * 1000) / s.cpu.total)}`).join(', ')} orders/s.`);
    out.push('');

    const rate = kami?.offeredRate ?? base?.offeredRate;
    out.push(`3. Latency, open loop: orders start at ${f1(rate)} orders/s (${o.rate ? '--rate' : `${(o.load * 100).toFixed(0)}% of Kami's max`}) for ${o.openSeconds} s, ${o.rounds} rounds per shop interleaved (median of each percentile); client clock`);
    out.push(table(['ms, p50/p95/p99', 'achieved/s', 'pay→readable', 'checkout call', 'notify call', 'reads/order', 'generator lag max'],
      shops.map((s) => [s.name, f1(median(s.open.map((r) => r.achievedRate ?? NaN))), fmtMs(s.payToReadable), fmtMs(s.checkout), fmtMs(s.notify), f2(s.readsPerOrder),
        `${f1(Math.max(...s.open.map((r) => r.maxLagMs ?? 0)))} ms`])));
    out.push(`One buyer alone (${o.alone} orders per round, ${o.rounds} rounds): pay→readable p50/p95/p99 ${shops.map((s) => `${s.name.split(' ')[0]} ${fmtMs(s.alonePayToReadable)} ms`).join(', ')}`);
    out.push('');

    out.push(`4. Work per order: SQL from the counting pass (${o.countOrders} orders, one buyer at a time, each process through a wire-protocol counting proxy); Temporal from ${kami?.history?.sampled ?? 0} sampled histories of measured rounds`);
    out.push(table(['per order', 'SQL statements', 'of them BEGIN/COMMIT', 'transactions', 'as run (reads/order)', 'statements per read', 'workflow tasks', 'after payment', 'history events', 'activity tasks'],
      shops.map((s) => {
        const q = s.sql;
        const ctl = q && q.byProcess.reduce((a, p) => a + p.counts.control, 0) / q.orders;
        const h = s.shop === 'kami' ? s.history : undefined;
        return [s.name, f1(q?.statementsPerOrder), f1(ctl), f1(q?.transactionsPerOrder), q ? `${f1(q.statementsPerOrderAsRun)} (${f2(q.readsPerOrder)})` : '–', f1(q?.statementsPerRead),
          s.shop === 'kami' ? f2(h?.workflowTasksPerOrder) : '0', s.shop === 'kami' ? f2(h?.workflowTasksAfterPayment) : '0', s.shop === 'kami' ? f1(h?.eventsPerOrder) : '0',
          s.shop === 'kami' ? f2(h?.activityTasksPerOrder) : '0'];
      })));
    for (const s of shops.filter((x) => x.sql)) out.push('', ...renderSql(s.name, s.sql!));
    if (kami?.history) {
      const h = kami.history;
      out.push('', `Inside Temporal (${h.sampled} routine orders${h.withoutPaymentEvent ? `, ${h.withoutPaymentEvent} without a payment event` : ''}): events per order ${h.eventTypes.map((e) => `${e.type} ${e.perOrder.toFixed(2)}`).join(', ')}`);
      out.push(table(['server timestamps, ms', 'p50/p95/p99'], [
        ['workflow task queued (scheduled → started)', fmtMs(h.taskQueueWait)],
        ['workflow task run (started → completed, local activities included)', fmtMs(h.taskRun)],
        ['payment event → next workflow task completed', fmtMs(h.paymentToTaskCompleted)],
      ]));
    }
    out.push('');
  }

  if (extra.automation && kami) out.push(...renderAutomation(extra.automation), '');
  if (extra.unpaid) out.push(...renderUnpaid(extra.unpaid), '');

  if (shops.length) {
    out.push('5. No key sold twice (every order of the run: card_key rows, keys the buyers read, keys in the emails)');
    out.push(table(['', 'orders', 'expected', 'sold rows', 'orders ≠ qty', 'buyer keys (distinct)', 'mail keys (distinct)', 'no mail', 'mail ≠ read', 'result'],
      shops.map((s) => {
        const c = s.sales;
        return [s.name, String(c.orders), String(c.expected), String(c.soldRows), String(c.ordersWrongCount), `${c.buyerKeys} (${c.buyerDistinct})`,
          `${c.mailKeys} (${c.mailDistinct})`, String(c.mailMissing), String(c.mailMismatches), c.ok ? 'ok' : 'SOLD TWICE OR LOST'];
      })));
    out.push('');
  }

  if (extra.claims) {
    const claims = extra.claims;
    out.push(`6. Key claim alone: ${claims.claims} claims of 1 key, 32 concurrent claimers, stock of ${claims.stock} keys pre-sold to each level (median of 3 rounds; in the bench process)`);
    out.push(table(
      ['claims/s (p50 latency)', ...FILL_LEVELS.map((x) => `${x * 100}% sold`)],
      claims.variants.map((v) => [v.name, ...v.byFill.map((c) => `${c.claimsPerSecond.toFixed(0)} (${c.latency.p50.toFixed(1)} ms)`)]),
    ));
    for (const v of claims.variants) out.push(`  ${v.name}: ${v.detail}`);
    out.push(`Ceiling: ${claims.ceilings.map((c) => `${c.name} ${c.perSecond.toFixed(0)}/s`).join('; ')}`);
    out.push('');
  }

  if (extra.targets.length) {
    out.push('Targets (reported, never asserted)');
    out.push(table(['', 'measured', 'target', '', 'stretch', ''], extra.targets.map((t) => [t.name, t.value, t.goal, verdict(t.met), t.stretch?.goal ?? '', t.stretch ? verdict(t.stretch.met) : ''])));
    out.push('');
  }
  const dc = Object.entries(extra.dynamicConfig).map(([k, v]) => `${k}=${v}`).join(', ');
  out.push(`Temporal dev server (SQLite ${o.temporalDb}) dynamic config: ${dc || 'none'}.`);
  if (shops.length && extra.readQuery) out.push(`Buyers read GET /api/v1/orders/:id?${extra.readQuery} (the shop may hold the read until the keys are readable).`);
  if (extra.logs?.length) {
    const warned = extra.logs.filter((l) => l.warnings);
    out.push(`Processes' own output went to log files, not here: ${extra.logs.map((l) => `${l.name} ${l.lines} lines`).join(', ')}; `
      + (warned.length ? `warnings or errors in ${warned.map((l) => `${l.name} (${l.warnings}, first: ${l.first})`).join('; ')}: kept in ${extra.logDir}.` : 'no warnings (removed at the end).'));
  }
  out.push(`Noisy figures: ${CORES} cores shared with other work; compare rows of one run rather than runs.`);
  return out.join('\n');
}

function renderSql(name: string, q: SqlPass): string[] {
  const n = q.orders;
  const rows: string[][] = [];
  for (const p of q.byProcess) {
    const texts = [...p.counts.byText].map(([t, c]) => [t, c / n] as const).filter(([, c]) => c >= 0.05).sort((a, b) => b[1] - a[1]);
    for (const [t, c] of texts) rows.push([p.label, c.toFixed(2), t.length > 110 ? `${t.slice(0, 107)}…` : t]);
  }
  const step = (c: { statements: number; transactions: number }) => `${(c.statements / n).toFixed(1)} statements / ${(c.transactions / n).toFixed(1)} transactions`;
  return [
    `SQL per order, ${name} (as run, ${q.readsPerOrder.toFixed(2)} reads per order): ${q.byProcess.map((p) => `${p.label} ${(p.counts.statements / n).toFixed(1)} statements / ${(p.counts.transactions / n).toFixed(1)} transactions`).join('; ')}`,
    `  ${q.byProcess[0]!.label} by the buyer's step: checkout ${step(q.steps.checkout)}; notification ${step(q.steps.notify)}; reads ${step(q.steps.reads)}`,
    table(['process', 'per order', 'statement'], rows, [2]),
  ];
}

function renderAutomation(a: Automation): string[] {
  const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : 'n/a');
  const p = (x: { p50: number; p95: number }) => `${x.p50.toFixed(0)}/${x.p95.toFixed(0)}`;
  const ratio = a.unflagged.p50 / Math.max(1, a.all.p50);
  const m = a.merchant;
  return [
    `Layered automation (Kami closed-loop rounds): ${a.flaggedOrders} orders flagged (${a.flaggedQuantity} keys > bulkQuantity ${a.flaggedQuantity - 1} → in_review); `
      + 'the bench, as a merchant signed in through /admin/api, polls the review inbox every 200 ms and approves',
    table(['', 'orders', 'value'], [
      ['automation rate (delivered without a decision event)', `${a.deliveredWithoutPerson}/${a.delivered}`, pct(a.deliveredWithoutPerson, a.delivered)],
      ['pay→readable p50/p95 ms, unflagged orders', String(a.unflagged.n), p(a.unflagged)],
      ['pay→readable p50/p95 ms, all orders', String(a.all.n), p(a.all)],
      ['pay→readable p50/p95 ms, flagged orders (the merchant included)', String(a.flagged.n), p(a.flagged)],
      ['payment recorded → decision p50/p95 ms, flagged', String(a.flagged.n), p(a.paymentToDecision)],
      ['decision → keys readable (delivered_at) p50/p95 ms, flagged', String(a.flagged.n), p(a.decisionToDelivered)],
    ]),
    `Unflagged p50 is ${ratio.toFixed(2)}× the overall p50: ${ratio <= 1.05 ? 'within 5%, so orders waiting in review hold up no one.' : 'more than 5% apart.'}`
      + ` Merchant: ${m.polls} inbox polls, ${m.approved} approvals, ${m.refused} refused (409, retried), ${m.errors} errors.`,
  ];
}

function renderUnpaid(u: UnpaidResult): string[] {
  const c = unpaidComparison(u);
  const mem = (s: { worker?: number; api?: number; temporal?: number }) => `worker ${f1(s.worker)}, API ${f1(s.api)}, Temporal ${f1(s.temporal)}`;
  const b = medianPercentiles(u.before.map((r) => r.payToReadable)), a = medianPercentiles(u.after.map((r) => r.payToReadable));
  return [
    `${u.unpaid} unpaid orders open at once (placed at ${u.placedPerSecond.toFixed(1)} checkouts/s, ${u.placedSeconds.toFixed(0)} s); Kami's paid orders, open loop at ${f1(u.before[0]?.offeredRate)} orders/s, ${u.before.length} rounds each`,
    table(['', 'pay→readable p50/p95/p99 ms', 'orders/s', 'resident memory MiB'], [
      ['before', fmtMs(b), f1(median(u.before.map((r) => r.ordersPerSecond))), mem(u.memory.before)],
      ['right after placing them', '', '', mem(u.memory.placed)],
      ['with them open', fmtMs(a), f1(median(u.after.map((r) => r.ordersPerSecond))), mem(u.memory.after)],
    ]),
    `after ÷ before: p50 ${f2(c.p50Ratio)}×, p99 ${f2(c.p99Ratio)}×, worker memory ${f2(c.rssRatio)}×`,
    ...(u.history ? [`An open unpaid order so far (${u.history.sampled} histories): ${f1(u.history.eventsPerOrder)} events, ${f2(u.history.workflowTasksPerOrder)} workflow tasks `
      + `(${u.history.eventTypes.map((e) => `${e.type} ${e.perOrder.toFixed(2)}`).join(', ')})`] : []),
  ];
}
