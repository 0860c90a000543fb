import { table } from '../bench/stats.js';
import type { ChaosResult } from './checks.js';
import type { ChaosOptions } from './options.js';

const s1 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(1)} s`);
const mark = (ok: boolean) => (ok ? '✔' : '✖');
const counts = (r: Record<string, number>) => Object.entries(r).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

/** "120–160s (worker SIGKILL) up to 12.0 s late, 300s up to 42.0 s late": late expiries grouped by 20 s of due time. */
function summarizeLate(late: { dueS: number; lateS: number; fault?: string }[]): string {
  const groups = new Map<number, { lateS: number; faults: Set<string> }>();
  for (const l of late) {
    const k = Math.floor(l.dueS / 20) * 20;
    const g = groups.get(k) ?? { lateS: 0, faults: new Set<string>() };
    g.lateS = Math.max(g.lateS, l.lateS);
    if (l.fault) g.faults.add(l.fault);
    groups.set(k, g);
  }
  return [...groups].map(([k, g]) => `${k}–${k + 20}s${g.faults.size ? ` (${[...g.faults].join(', ')})` : ''} ≤ ${g.lateS.toFixed(1)} s`).join('; ');
}

/** The summary printed at the end of a run. */
export function renderSummary(o: ChaosOptions, r: ChaosResult, run: { seconds: number; streamSeconds: number; maxLagS: number; drainSeconds: number; settled: boolean }): string {
  const out: string[] = [];
  const u = r.orders.unpaid;
  out.push(`Kami chaos: ${o.orders} orders over ${o.duration} s at ≤ ${o.concurrency} buyers; faults ${o.faults.join(', ')}; payment hold ${o.hold}`);
  out.push(`Stream ${run.streamSeconds.toFixed(0)} s (buyers at most ${run.maxLagS.toFixed(1)} s behind schedule), drain ${run.drainSeconds.toFixed(0)} s${run.settled ? '' : ' (gave up: not everything settled)'}, whole run ${run.seconds.toFixed(0)} s`);
  out.push('');
  out.push(table(['Orders', 'count', ''], [
    ['placed (201)', String(r.orders.placed), `of ${r.orders.planned} planned; refused as expected: ${counts(r.orders.refused)}${r.orders.abandoned ? `; abandoned after 3 min of retries: ${r.orders.abandoned}` : ''}`],
    ['paid (gateway got 200)', String(r.orders.paid), `${r.orders.replays} notifications replayed, ${r.orders.replays - r.orders.replaysNotDuplicate} answered duplicate`],
    ['delivered', String(r.orders.delivered), o.faults.includes('smtp') ? `keys read by buyers while SMTP was down: ${r.orders.keysReadDuringSmtpOutage}` : ''],
    ['waiting in review (expected)', String(r.orders.waitingInReview), `flagged orders the merchant leaves alone; it approved ${r.orders.approvedByMerchant}`],
    ['on backorder (expected)', String(r.orders.onBackorder), 'late payments for the scarce product after its keys were gone'],
    ['limit-hitting buyers refused', String(r.orders.limitSecondRefused), `409 limit_exceeded on their second order; placed anyway: ${r.orders.limitSecondPlaced}`],
    ['unpaid, expired', `${u.expired}/${u.total}`, `closed_at − expires_at p50 ${s1(u.latenessMs.p50 / 1000)}, p95 ${s1(u.latenessMs.p95 / 1000)}, max ${s1(u.latenessMs.max / 1000)}; max of those due outside faults ${s1(u.maxLatenessOutsideFaultsMs === null ? null : u.maxLatenessOutsideFaultsMs / 1000)}`],
    ['lost', String(r.orders.lost), 'must be 0'],
    ['keys sold twice', String(r.keys.soldTwice), 'must be 0 (buyers\' reads and emails; a card_key row has one order)'],
    ['duplicate delivery emails', String(r.emails.duplicates), `same Message-ID <order.channel@kami> twice; ${r.emails.total} emails in all`],
  ], [2]));
  if (u.late.length) out.push(`Expiries more than 5 s late: ${u.late.length}, by due time: ${summarizeLate(u.late)}`);
  out.push('');
  const faultRows = r.faults.map((f) => [String(f.n), f.label, `${f.atS.toFixed(0)}s`, s1(f.downS), s1(f.readyS), s1(f.keysS), s1(f.recoveryS), String(f.waiting), `${s1(f.longestGapKeysS)} / ${s1(f.longestGapS)}`]);
  out.push(table(['#', 'fault', 'at', 'lasted', 'process up', 'first keys', 'first delivered', 'waiting', 'longest gap keys / delivered'], faultRows, [1]));
  out.push('lasted: until the restart / SMTP back / proxy open (the fault\'s end); process up: end → the restarted process logged it is up;');
  out.push('first keys / first delivered: end → the first order whose keys became readable / that was delivered (email sent) after it;');
  out.push('waiting: paid routine orders delivered after the end and paid before that first delivery; longest gap: the longest time without');
  out.push('keys made readable / an order delivered while a paid routine order waited, ending after the fault began (and before the next), beginning at most 30 s after its end');
  if (r.longestGap) out.push(`Longest time without an order delivered while one waited: ${s1(r.longestGap.seconds)} from ${r.longestGap.from.toFixed(0)}s${r.longestGap.fault ? ` (${r.longestGap.fault})` : ' (outside any fault)'}`);
  const worst = (kind: string) => {
    const list = r.faults.filter((f) => f.kind === kind && f.recoveryS !== null).map((f) => f.recoveryS!);
    return list.length ? `${kind} ${s1(Math.max(...list))}` : undefined;
  };
  out.push(`Longest recovery (end → first order delivered) by kind of fault: ${['worker', 'temporal', 'api', 'smtp', 'pg'].map(worst).filter(Boolean).join(', ') || '–'}`);
  for (const f of r.faults.filter((x) => x.error)) out.push(`✖ fault ${f.n} (${f.label}) failed: ${f.error}`);
  out.push('');
  out.push(`HTTP answers seen by buyers, gateway, merchant and probe: ${r.http.answers} (${counts(r.http.byStatus)})`);
  out.push(`  503: ${r.http.status503.total} (${counts(r.http.status503.byCaller)}), ${r.http.status503.withoutRetryAfter} without Retry-After, ${r.http.status503.outsideFaults} outside fault windows (+15 s)`);
  out.push(`  no answer (refused, reset, timeout): ${r.http.noAnswer.total} (${counts(r.http.noAnswer.byCaller)}), ${r.http.noAnswer.outsideFaults} outside fault windows`);
  out.push(`  slower than 10 s (or timed out at 30 s): ${r.http.slow.total}${r.http.slow.total ? ` — max ${s1(r.http.slow.maxMs! / 1000)}; sent during: ${counts(r.http.slow.byFault)}; ${counts(r.http.slow.byPath)}` : ''}`);
  const ms = (n: number | null) => (n === null ? '–' : `${(n / 1000).toFixed(1)} s`);
  const readyz = [
    o.faults.includes('pg') && `while PostgreSQL was cut: ${r.readyz.pgNamed}/${r.readyz.pgSamples} answered 503 naming postgres (slowest ${ms(r.readyz.pgMaxMs)})`,
    o.faults.includes('temporal') && `while Temporal was down: ${r.readyz.temporalNamed}/${r.readyz.temporalSamples} named temporal (slowest ${ms(r.readyz.temporalMaxMs)}; ${counts(r.readyz.temporalAnswers)})`,
  ].filter(Boolean);
  if (readyz.length) out.push(`  /readyz asked ${readyz.join('; ')}`);
  out.push(`Processes: ${r.processes.map((p) => `${p.name} started ${p.starts}×, exited on its own ${p.unexpectedExits}×${p.lastExit ? ` (last: ${p.lastExit})` : ''}`).join('; ')}`);
  out.push(`Merchant: approved ${r.merchant.approved}, refused ${r.merchant.refused} (not waiting yet), failed tries ${r.merchant.errors}`);
  out.push('');
  out.push('Invariants (any ✖ → exit 1)');
  out.push(table(['', 'count', ''], r.invariants.map((i) => [`${mark(i.ok)} ${i.name}`, String(i.value), i.note ?? '']), [2]));
  out.push('');
  out.push('Targets (reported, not asserted)');
  out.push(table(['', 'measured', ''], r.targets.map((t) => [t.name, t.value, t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met']), [2]));
  if (r.lostOrders.length) {
    out.push('');
    out.push(`Lost orders (${r.lostOrders.length}; first 20):`);
    for (const l of r.lostOrders.slice(0, 20)) out.push(`  ${l.orderId ?? '?'} ${l.kind}: ${l.status} — ${l.detail}`);
  }
  return out.join('\n');
}
