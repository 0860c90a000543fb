import type { ClaimBench } from './claims.js';
import { FILL_LEVELS } from './claims.js';
import type { EndToEnd } from './e2e.js';
import type { BenchOptions } from './options.js';
import { fmtMs, fmtRate, table } from './stats.js';
import { CORES } from './usage.js';

const TARGETS = { orders: 100, p50: 100, goalOrders: 500, goalP50: 50 };
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** The run's tables as plain text, in the order the brief asks for. */
export function renderReport(o: BenchOptions, runs: EndToEnd[], claims: ClaimBench | undefined): string {
  const out: string[] = [];
  if (runs.length) {
    const mixed = runs.find((r) => r.automation)?.automation;
    const mix = mixed ? ` (Kami: ${mixed.flaggedOrders} of them flagged, × ${mixed.flaggedQuantity} keys)` : '';
    out.push(`1-2. End to end: ${o.orders} orders × ${o.quantity} key${mix}, ${o.concurrency} concurrent buyers (checkout → sandbox pay → signed webhook → keys readable → email sent)`);
    out.push(table(
      ['ms, p50/p95/p99', 'orders/s', 'confirmed→readable', 'Pay→readable', 'checkout call', 'pay call', 'wall'],
      runs.map((r) => [r.name, fmtRate(r.ordersPerSecond), fmtMs(r.confirmedToReadable), fmtMs(r.payToReadable), fmtMs(r.checkoutCall),
        fmtMs(r.payCall), `${r.seconds.toFixed(1)} s`]),
    ));
    out.push('');
    out.push(table(
      ['CPU ms per order', 'this process', 'Temporal', 'PostgreSQL', 'total', 'CPU-bound ceiling', 'PG xacts/order', 'machine busy', 'event loop busy'],
      runs.map((r) => {
        const u = r.usage;
        const per = (s: number | undefined) => (s === undefined ? 'n/a' : (1000 * s / r.orders).toFixed(1));
        const total = (u.bench + (u.temporal ?? 0) + u.postgres) * 1000 / r.orders;
        return [r.name, per(u.bench), per(u.temporal), per(u.postgres), total.toFixed(1), `${fmtRate((CORES * 1000) / total)} orders/s`,
          r.commitsPerOrder.toFixed(1), `${u.machine.toFixed(0)}%`, `${(u.eventLoop * 100).toFixed(0)}%`];
      }),
    ));
    for (const r of runs.filter((x) => x.history)) {
      const h = r.history!;
      out.push('');
      out.push(`Inside Temporal (${r.name}, ${h.sampled} histories): ${h.eventsPerOrder.toFixed(1)} events and ${h.workflowTasksPerOrder.toFixed(1)} workflow tasks per order`);
      out.push(table(['server timestamps, ms', 'p50/p95/p99'], [
        ['workflow task queued (scheduled → started)', fmtMs(h.taskQueueWait)],
        ['workflow task run (started → completed, local activities included)', fmtMs(h.taskRun)],
        ['signal → task running markPaid … claimKeys completed', fmtMs(h.signalToClaimed)],
        ['email activity queued (scheduled → started)', fmtMs(h.activityQueueWait)],
        ['email activity run', fmtMs(h.activityRun)],
      ]));
    }
    for (const r of runs.filter((x) => x.activities?.length)) {
      out.push('');
      out.push(`Activities as the worker ran them (${r.name}; wall time in this process)`);
      out.push(table(['activity', 'kind', 'per order', 'ms p50/p95/p99'],
        r.activities!.map((a) => [a.name, a.local ? 'local' : 'normal', (a.count / r.orders).toFixed(2), fmtMs(a.duration)])));
    }
    const kami = runs.find((r) => r.name.startsWith('Kami'));
    const base = runs.find((r) => r.name.startsWith('Baseline'));
    if (kami && base) {
      out.push('');
      out.push(`Kami ÷ baseline: throughput ${(kami.ordersPerSecond / base.ordersPerSecond).toFixed(2)}×, `
        + `confirmed→readable p50 ${(kami.confirmedToReadable.p50 / Math.max(1, base.confirmedToReadable.p50)).toFixed(1)}×, `
        + `Pay→readable p50 ${(kami.payToReadable.p50 / Math.max(1, base.payToReadable.p50)).toFixed(1)}× (above 1× = Kami slower)`);
    }
    if (kami) {
      if (!base) out.push('');
      out.push(`Targets for the workflow path: ≥ ${TARGETS.orders} orders/s ${verdict(kami.ordersPerSecond >= TARGETS.orders)}, `
        + `p50 ≤ ${TARGETS.p50} ms ${verdict(kami.confirmedToReadable.p50 <= TARGETS.p50)}; `
        + `goal ${TARGETS.goalOrders} orders/s ${verdict(kami.ordersPerSecond >= TARGETS.goalOrders)}, p50 ≤ ${TARGETS.goalP50} ms ${verdict(kami.confirmedToReadable.p50 <= TARGETS.goalP50)}`);
    }
    for (const r of runs.filter((x) => x.automation)) out.push('', ...renderAutomation(r));
    out.push('');
    out.push('3. No key sold twice (card_key rows, keys the buyers read, keys in the emails)');
    out.push(table(
      ['', 'expected', 'sold rows', 'orders ≠ qty', 'buyer keys (distinct)', 'mail keys (distinct)', 'mail ≠ page', 'result'],
      runs.map((r) => {
        const s = r.sales;
        return [r.name, String(s.expected), String(s.soldRows), String(s.ordersWrongCount), `${s.buyerKeys} (${s.buyerDistinct})`,
          `${s.mailKeys} (${s.mailDistinct})`, String(s.mailMismatches), s.ok ? 'ok' : 'SOLD TWICE OR LOST'];
      }),
    ));
    out.push('');
  }
  if (claims) {
    out.push(`4. Key claim alone: ${claims.claims} claims of 1 key, 32 concurrent claimers, stock of ${claims.stock} keys pre-sold to each level (median of 3 rounds)`);
    out.push(table(
      ['claims/s (p50 latency)', ...FILL_LEVELS.map((f) => `${f * 100}% sold`)],
      claims.variants.map((v) => [v.name, ...v.byFill.map((c) => `${c.claimsPerSecond.toFixed(0)} (${c.latency.p50.toFixed(1)} ms)`)]),
    ));
    for (const v of claims.variants) out.push(`  ${v.name}: ${v.detail}`);
    out.push(`Ceiling: ${claims.ceilings.map((c) => `${c.name} ${c.perSecond.toFixed(0)}/s`).join('; ')}`);
    out.push('');
  }
  out.push(`Noisy figures: ${CORES} cores shared with other work; compare rows of one run rather than runs.`);
  return out.join('\n');
}

/** The layered-automation table of a run with flagged orders (--flagged). */
function renderAutomation(r: EndToEnd): string[] {
  const a = r.automation!;
  const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : 'n/a');
  const p = (x: { p50: number; p95: number }) => `${x.p50.toFixed(0)}/${x.p95.toFixed(0)}`;
  const all = r.confirmedToReadable;
  const ratio = a.unflagged.p50 / Math.max(1, all.p50);
  const m = a.merchant;
  return [
    `Layered automation (${r.name}): ${a.flaggedOrders} of ${r.orders} orders flagged (${a.flaggedQuantity} keys > bulkQuantity ${a.flaggedQuantity - 1} → in_review); `
      + `a merchant signed in through /admin/api polls the review inbox every 200 ms and approves`,
    table(['', 'orders', 'value'], [
      ['automation rate (delivered without a decision event)', `${a.deliveredWithoutPerson}/${a.delivered}`, pct(a.deliveredWithoutPerson, a.delivered)],
      ['confirmed→readable p50/p95, unflagged orders', String(a.unflagged.n), `${p(a.unflagged)} ms`],
      ['confirmed→readable p50/p95, all orders (table 1-2)', String(r.orders), `${p(all)} ms`],
      ['confirmed→readable p50/p95, flagged orders', String(a.flagged.n), `${p(a.flagged)} ms`],
      ['confirmed → decision p50/p95, flagged (wait for the merchant)', String(a.flagged.n), `${p(a.confirmedToDecision)} ms`],
      ['decision → delivered_at p50/p95, flagged', String(a.flagged.n), `${p(a.decisionToDelivered)} ms`],
    ]),
    `Unflagged p50 is ${ratio.toFixed(2)}× the run's overall p50 (${a.unflagged.p50.toFixed(0)} vs ${all.p50.toFixed(0)} ms): `
      + (ratio <= 1.05 ? 'within 5%, so the flagged orders waiting in review do not hold up the automated ones.'
        : 'more than 5% apart: the automated orders are slower than the mix in this run.'),
    `Merchant: ${m.polls} inbox polls, ${m.approved} approvals, ${m.refused} refused (409, retried), ${m.errors} errors.`,
  ];
}
