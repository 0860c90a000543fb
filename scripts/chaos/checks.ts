import type pg from 'pg';
import { percentiles, type Percentiles } from '../bench/stats.js';
import type { SunkMail } from './children.js';
import { faultAt, type FaultRecord } from './faults.js';
import type { HttpLog, MerchantStats, OrderRecord, ReadyzSample } from './traffic.js';
import type { KamiProcess } from './stack.js';

/** One order as the database has it at the end (times in ms since the epoch). */
export interface DbOrder {
  id: string; status: string; quantity: number; approved_quantity: number | null; review_seq: number;
  expires_at: number; paid_at: number | null; closed_at: number | null; delivered_at: number | null;
  sold: number; reserved: number; payments: number; unapplied: number; first_payment: number | null;
}

export async function readOrders(pg: pg.Client): Promise<Map<string, DbOrder>> {
  const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;
  const { rows } = await pg.query<DbOrder>(`
    SELECT o.id, o.status, o.quantity, o.approved_quantity, o.review_seq,
      ${ms('o.expires_at')} AS expires_at, ${ms('o.paid_at')} AS paid_at, ${ms('o.closed_at')} AS closed_at, ${ms('o.delivered_at')} AS delivered_at,
      COALESCE(k.sold, 0)::int AS sold, COALESCE(k.reserved, 0)::int AS reserved,
      COALESCE(p.n, 0)::int AS payments, COALESCE(p.unapplied, 0)::int AS unapplied, ${ms('p.first')} AS first_payment
    FROM "order" o
    LEFT JOIN (SELECT order_id, count(*) FILTER (WHERE status = 'sold') AS sold, count(*) FILTER (WHERE status = 'reserved') AS reserved
               FROM card_key WHERE order_id IS NOT NULL GROUP BY order_id) k ON k.order_id = o.id
    LEFT JOIN (SELECT order_id, count(*) AS n, count(*) FILTER (WHERE applied_at IS NULL) AS unapplied, min(received_at) AS first
               FROM payment GROUP BY order_id) p ON p.order_id = o.id`);
  return new Map(rows.map((r) => [r.id, r]));
}

/** A paid order is settled when it is delivered, or waits where the plan expects it to (review left to the merchant, backorder of the scarce product). */
export function settledAs(rec: OrderRecord, o: DbOrder | undefined): 'delivered' | 'review' | 'backorder' | undefined {
  if (!o) return undefined;
  if (o.status === 'delivered') return 'delivered';
  if (o.status === 'in_review' && rec.plan.leaveInReview) return 'review';
  if (o.status === 'backorder' && rec.plan.product === 'scarce') return 'backorder';
  return undefined;
}

export interface FaultResult {
  n: number; kind: string; label: string; atS: number; downS: number | null; readyS: number | null;
  /** Fault end → first order whose keys became readable after it. */
  keysS: number | null;
  /** Fault end → first order delivered (email sent) after it. */
  recoveryS: number | null;
  /** Paid routine orders delivered only at or after the fault's end, paid before the first delivery after it. */
  waiting: number;
  /** Longest stretch without an order delivered (email sent) / keys made readable while a paid routine order waited, overlapping this fault (start to end + 30 s). */
  longestGapS: number | null;
  longestGapKeysS: number | null;
  error?: string;
}

export interface Invariant { name: string; value: number; ok: boolean; note?: string }

export interface ChaosResult {
  orders: {
    planned: number; placed: number; refused: Record<string, number>; abandoned: number; unexpectedCheckout: number;
    paid: number; paymentsNotAccepted: number; paymentsRefused: number; replays: number; replaysNotDuplicate: number;
    delivered: number; waitingInReview: number; onBackorder: number; approvedByMerchant: number; lost: number;
    limitSecondRefused: number; limitSecondPlaced: number;
    unpaid: {
      total: number; expired: number; notExpired: number; latenessMs: Percentiles; maxLatenessOutsideFaultsMs: number | null;
      /** Expiries more than 5 s late: when they were due (s since the stream began), how late, and the fault whose window held the due time. */
      late: { dueS: number; lateS: number; fault?: string }[];
    };
    paidAtMismatch: number;
    keysReadDuringSmtpOutage: number;
  };
  keys: { soldTwice: number; buyerVsEmailMismatch: number; wrongCount: number; soldWithoutOrder: number; deliveredWithoutEmail: number; deliveredNotReadByBuyer: number };
  emails: { total: number; duplicates: number; ordersWithDuplicates: number };
  http: {
    answers: number; byStatus: Record<string, number>; fiveXx: Record<string, number>; other5xx: number;
    status503: { total: number; withoutRetryAfter: number; outsideFaults: number; byCaller: Record<string, number> };
    noAnswer: { total: number; outsideFaults: number; byCaller: Record<string, number> };
    /** Answers (or timeouts) that took longer than 10 s, by the fault they were sent in. */
    slow: { total: number; maxMs: number | null; byFault: Record<string, number>; byPath: Record<string, number> };
  };
  /** /readyz asked while the dependency was surely away: how many answers named it, and the slowest answer. */
  readyz: { pgSamples: number; pgNamed: number; pgMaxMs: number | null; temporalSamples: number; temporalNamed: number; temporalMaxMs: number | null; temporalAnswers: Record<string, number> };
  processes: { name: string; starts: number; unexpectedExits: number; lastExit?: string }[];
  faults: FaultResult[];
  longestGap: { seconds: number; from: number; fault?: string } | null;
  merchant: MerchantStats;
  lostOrders: { orderId?: string; kind: string; status: string; detail: string }[];
  invariants: Invariant[];
  targets: { name: string; value: string; met: boolean | null }[];
  ok: boolean;
}

interface Gap { from: number; to: number }

/**
 * Stretches longer than a second with no event (times sorted) while something waited: between two events a and b,
 * the stall starts once an item that completes only at b or later was waiting (`from` ≤ its start, `to` ≥ b).
 */
function stalls(events: number[], waits: Gap[]): Gap[] {
  const gaps: Gap[] = [];
  const bounds = [-Infinity, ...events];
  for (let i = 1; i < bounds.length; i++) {
    const a = bounds[i - 1]!, b = bounds[i]!;
    let since = Infinity;
    for (const w of waits) if (w.from < b && w.to >= b && w.from < since) since = w.from;
    const from = Math.max(a, since);
    if (Number.isFinite(from) && b - from > 1000) gaps.push({ from, to: b });
  }
  return gaps;
}

/** Everything the summary reports, from the harness's records, the database, the mail sink and the HTTP log. */
export function analyse(input: {
  records: OrderRecord[]; orders: Map<string, DbOrder>; mails: SunkMail[]; http: HttpLog; faults: FaultRecord[]; readyz: ReadyzSample[];
  merchant: MerchantStats; processes: KamiProcess[]; soldWithoutOrder: number; t0: number;
}): ChaosResult {
  const { records, orders, mails, http, faults, t0 } = input;
  const placed = records.filter((r) => r.checkout?.outcome === 'placed');
  const refused: Record<string, number> = {};
  for (const r of records) if (r.checkout?.outcome === 'refused') refused[r.checkout.code!] = (refused[r.checkout.code!] ?? 0) + 1;
  const paid = records.filter((r) => r.payment?.acceptedAt);

  // what became of every accepted payment
  let delivered = 0, review = 0, backorder = 0;
  const lostOrders: ChaosResult['lostOrders'] = [];
  const mailsOf = (orderId: string) => mails.filter((m) => m.orderId === orderId).length;
  const at = (t: number | null) => (t === null ? '–' : ((t - t0) / 1000).toFixed(1));
  for (const r of paid) {
    const o = orders.get(r.orderId!);
    const s = settledAs(r, o);
    if (s === 'delivered') delivered++;
    else if (s === 'review') review++;
    else if (s === 'backorder') backorder++;
    else {
      lostOrders.push({
        orderId: r.orderId, kind: r.plan.kind, status: o?.status ?? 'missing',
        detail: o ? `sold ${o.sold}, payments ${o.payments} (${o.unapplied} unapplied), reviews ${o.review_seq}; the buyer read ${r.read?.keys.length ?? 0} keys, `
          + `${mailsOf(o.id)} email(s) in the sink; delivered_at ${at(o.delivered_at)}, closed_at ${at(o.closed_at)} (s since the stream began)` : 'no order row',
      });
    }
  }
  const paymentsNotAccepted = placed.filter((r) => r.plan.kind !== 'unpaid' && r.payment && !r.payment.acceptedAt && !r.payment.unexpected).length;
  const paymentsRefused = placed.filter((r) => r.payment?.unexpected).length;
  for (const r of placed.filter((x) => x.payment && !x.payment.acceptedAt)) {
    lostOrders.push({ orderId: r.orderId, kind: r.plan.kind, status: orders.get(r.orderId!)?.status ?? 'missing', detail: r.payment!.unexpected ? `payment refused: ${r.payment!.unexpected}` : `the gateway got no 200 after ${r.payment!.attempts} tries` });
  }

  // unpaid orders: every order in the database without a payment must have expired
  const unpaidRows = [...orders.values()].filter((o) => o.payments === 0);
  const expired = unpaidRows.filter((o) => o.status === 'expired' && o.closed_at !== null);
  const lateness = expired.map((o) => o.closed_at! - o.expires_at);
  // an expiry due just before a fault began may be caught by it (its workflow task in flight): 5 s lead, 10 s grace
  const outside = expired.filter((o) => !faultAt(faults, o.expires_at, 10_000, 5000)).map((o) => o.closed_at! - o.expires_at);
  const paidAtMismatch = [...orders.values()].filter((o) => o.payments > 0 && o.paid_at !== null && o.paid_at !== o.first_payment).length
    + [...orders.values()].filter((o) => o.status === 'delivered' && o.paid_at === null).length;

  // keys: no key on two orders, in the buyers' reads or the emails; each email holds what its buyer read
  const mailByOrder = new Map<string, SunkMail[]>();
  for (const m of mails) if (m.orderId) mailByOrder.set(m.orderId, [...(mailByOrder.get(m.orderId) ?? []), m]);
  const keyOrders = new Map<string, Set<string>>();
  const note = (key: string, orderId: string) => keyOrders.set(key, (keyOrders.get(key) ?? new Set()).add(orderId));
  for (const r of records) for (const k of r.read?.keys ?? []) note(k, r.orderId!);
  for (const m of mails) for (const k of m.keys) if (m.orderId) note(k, m.orderId);
  const soldTwice = [...keyOrders.values()].filter((s) => s.size > 1).length;
  let buyerVsEmailMismatch = 0, deliveredWithoutEmail = 0, deliveredNotReadByBuyer = 0, wrongCount = 0;
  for (const r of paid) {
    const o = orders.get(r.orderId!);
    if (o?.status !== 'delivered') continue;
    const want = o.approved_quantity ?? o.quantity;
    if (o.sold !== want) wrongCount++;
    const sent = mailByOrder.get(o.id);
    if (!sent?.length) deliveredWithoutEmail++;
    const readKeys = r.read?.keys ?? [];
    if (!readKeys.length) deliveredNotReadByBuyer++;
    else if (readKeys.length !== want) wrongCount++;
    if (sent?.length && readKeys.length && sent.some((m) => [...m.keys].sort().join() !== [...readKeys].sort().join())) buyerVsEmailMismatch++;
  }

  // emails: one per order and channel (Message-ID <orderId.channel@kami>)
  const byMessageId = new Map<string, number>();
  for (const m of mails) byMessageId.set(m.messageId, (byMessageId.get(m.messageId) ?? 0) + 1);
  const dups = [...byMessageId.values()].filter((n) => n > 1);

  // HTTP answers
  const byStatus: Record<string, number> = {};
  for (const [s, n] of [...http.byStatus].sort((a, b) => a[0] - b[0])) byStatus[s] = n;
  const fiveXx: Record<string, number> = {};
  for (const x of http.fiveXx) fiveXx[x.status] = (fiveXx[x.status] ?? 0) + 1;
  const s503 = http.fiveXx.filter((x) => x.status === 503);
  const byCaller = (list: { caller: string }[]) => list.reduce<Record<string, number>>((a, x) => ((a[x.caller] = (a[x.caller] ?? 0) + 1), a), {});

  // /readyz during PostgreSQL and Temporal outages
  const within = (kind: string) => input.readyz.filter((s) => faults.some((f) => f.kind === kind && s.at >= f.start + 500 && s.at <= (f.downUntil ?? f.end ?? f.start) - 300));
  const pgSamples = within('pg'), temporalSamples = within('temporal');

  // recovery: fault end → first order whose keys became readable (delivered_at) / first order delivered, email sent (closed_at);
  // and the longest stretch without one while a paid routine order waited for it
  const keysAt = [...orders.values()].map((o) => o.delivered_at).filter((t): t is number => t !== null).sort((a, b) => a - b);
  const emailAt = [...orders.values()].filter((o) => o.status === 'delivered').map((o) => o.closed_at!).sort((a, b) => a - b);
  const routineRows = paid.map((r) => ({ r, o: orders.get(r.orderId!) })).filter((x) => x.o?.review_seq === 0);
  const waitsKeys = routineRows.map(({ r, o }) => ({ from: r.payment!.acceptedAt!, to: o!.delivered_at ?? Infinity }));
  const waitsEmail = routineRows.map(({ r, o }) => ({ from: r.payment!.acceptedAt!, to: o!.status === 'delivered' ? o!.closed_at! : Infinity }));
  const keyGaps = stalls(keysAt, waitsKeys), emailGaps = stalls(emailAt, waitsEmail);
  // a gap belongs to the last fault that began before it ended, if it began no later than 30 s after that fault's end
  const owner = (g: Gap) => {
    let i = -1;
    for (let j = 0; j < faults.length; j++) if (faults[j]!.start <= g.to) i = j;
    return i >= 0 && g.from <= (faults[i]!.end ?? faults[i]!.start) + 30_000 ? i : -1;
  };
  const faultResults: FaultResult[] = faults.map((f, i) => {
    const end = f.end ?? f.start;
    const firstKeys = keysAt.find((t) => t >= end);
    const firstEmail = emailAt.find((t) => t >= end);
    const longestOf = (gaps: Gap[]) => {
      const overlapping = gaps.filter((g) => owner(g) === i);
      return overlapping.length ? Math.max(...overlapping.map((g) => g.to - g.from)) / 1000 : null;
    };
    return {
      n: f.n, kind: f.kind, label: f.label, atS: (f.start - t0) / 1000, downS: f.end ? (f.end - f.start) / 1000 : null,
      readyS: f.ready && f.end ? (f.ready - f.end) / 1000 : null,
      keysS: firstKeys === undefined ? null : (firstKeys - end) / 1000,
      recoveryS: firstEmail === undefined ? null : (firstEmail - end) / 1000,
      // paid before the first delivery after the fault and not delivered before its end: the orders that waited for the recovery
      waiting: firstEmail === undefined ? 0 : waitsEmail.filter((w) => w.from <= firstEmail && w.to >= end).length,
      longestGapKeysS: longestOf(keyGaps),
      longestGapS: longestOf(emailGaps),
      error: f.error,
    };
  });
  const longest = emailGaps.reduce<Gap | undefined>((m, g) => (!m || g.to - g.from > m.to - m.from ? g : m), undefined);
  const longestFault = longest && faults[owner(longest)];

  const smtp = faults.filter((f) => f.kind === 'smtp');
  const keysReadDuringSmtpOutage = records.filter((r) => r.read?.keys.length && smtp.some((f) => r.read!.at >= f.start && r.read!.at <= (f.end ?? Infinity))).length;
  const limitRecords = records.filter((r) => r.second);

  const result: ChaosResult = {
    orders: {
      planned: records.length, placed: placed.length, refused, abandoned: records.filter((r) => r.checkout?.outcome === 'abandoned').length,
      unexpectedCheckout: records.filter((r) => r.checkout?.outcome === 'unexpected').length,
      paid: paid.length, paymentsNotAccepted, paymentsRefused,
      replays: paid.filter((r) => r.payment!.replayed).length,
      replaysNotDuplicate: paid.filter((r) => r.payment!.replayed && !(r.payment!.replayed.status === 200 && r.payment!.replayed.duplicate === true)).length,
      delivered, waitingInReview: review, onBackorder: backorder, approvedByMerchant: input.merchant.approved, lost: lostOrders.length,
      limitSecondRefused: limitRecords.filter((r) => r.second!.status === 409 && r.second!.code === 'limit_exceeded').length,
      limitSecondPlaced: limitRecords.filter((r) => r.second!.status === 201).length,
      unpaid: {
        total: unpaidRows.length, expired: expired.length, notExpired: unpaidRows.length - expired.length,
        latenessMs: percentiles(lateness), maxLatenessOutsideFaultsMs: outside.length ? Math.max(...outside) : null,
        late: expired.filter((o) => o.closed_at! - o.expires_at > 5000).sort((a, b) => a.expires_at - b.expires_at)
          .map((o) => ({ dueS: (o.expires_at - t0) / 1000, lateS: (o.closed_at! - o.expires_at) / 1000, fault: faultAt(faults, o.expires_at, 10_000, 5000)?.label })),
      },
      paidAtMismatch,
      keysReadDuringSmtpOutage,
    },
    keys: { soldTwice, buyerVsEmailMismatch, wrongCount, soldWithoutOrder: input.soldWithoutOrder, deliveredWithoutEmail, deliveredNotReadByBuyer },
    emails: { total: mails.length, duplicates: dups.reduce((s, n) => s + n - 1, 0), ordersWithDuplicates: dups.length },
    http: {
      answers: http.answers, byStatus, fiveXx, other5xx: http.fiveXx.filter((x) => x.status !== 503).length,
      status503: {
        // /readyz reports, it does not refuse: its 503 needs no Retry-After
      total: s503.length, withoutRetryAfter: s503.filter((x) => !x.retryAfter && x.caller !== 'probe').length,
        outsideFaults: s503.filter((x) => !faultAt(faults, x.at, 15_000)).length, byCaller: byCaller(s503),
      },
      noAnswer: { total: http.noAnswer.length, outsideFaults: http.noAnswer.filter((x) => !faultAt(faults, x.at, 15_000)).length, byCaller: byCaller(http.noAnswer) },
      slow: {
        total: http.slow.length, maxMs: http.slow.length ? Math.max(...http.slow.map((x) => x.ms)) : null,
        byFault: http.slow.reduce<Record<string, number>>((a, x) => { const k = faultAt(faults, x.at, 15_000)?.kind ?? 'none'; return (a[k] = (a[k] ?? 0) + 1), a; }, {}),
        byPath: http.slow.reduce<Record<string, number>>((a, x) => { const k = `${x.caller} ${x.path}`; return (a[k] = (a[k] ?? 0) + 1), a; }, {}),
      },
    },
    readyz: {
      pgSamples: pgSamples.length, pgNamed: pgSamples.filter((s) => s.status === 503 && /^unavailable/.test(s.postgres ?? '')).length,
      pgMaxMs: pgSamples.length ? Math.max(...pgSamples.map((s) => s.ms)) : null,
      temporalSamples: temporalSamples.length, temporalNamed: temporalSamples.filter((s) => s.status === 503 && /^unavailable/.test(s.temporal ?? '')).length,
      temporalMaxMs: temporalSamples.length ? Math.max(...temporalSamples.map((s) => s.ms)) : null,
      temporalAnswers: temporalSamples.reduce<Record<string, number>>((a, s) => {
        const k = s.status === null ? 'no answer' : `${s.status} temporal ${(s.temporal ?? '?').split(':')[0]}`;
        return (a[k] = (a[k] ?? 0) + 1), a;
      }, {}),
    },
    processes: input.processes.map((p) => ({ name: p.name, starts: p.starts, unexpectedExits: p.unexpectedExits.length, lastExit: p.unexpectedExits.at(-1)?.tail.split('\n').slice(-3).join(' | ') })),
    faults: faultResults,
    longestGap: longest ? { seconds: (longest.to - longest.from) / 1000, from: (longest.from - t0) / 1000, fault: longestFault?.label } : null,
    merchant: input.merchant,
    lostOrders,
    invariants: [],
    targets: [],
    ok: false,
  };

  const inv = (name: string, value: number, note?: string) => result.invariants.push({ name, value, ok: value === 0, note });
  inv('lost (accepted payment not delivered, nor waiting where expected)', result.orders.lost);
  inv('keys sold twice (a key on two orders: reads, emails)', soldTwice);
  inv('orders with the wrong number of keys', wrongCount);
  inv('sold keys without an order', input.soldWithoutOrder);
  inv('delivered orders whose email keys differ from the buyer\'s', buyerVsEmailMismatch);
  inv('delivered orders without an email in the sink', deliveredWithoutEmail);
  inv('unpaid orders not expired', result.orders.unpaid.notExpired);
  inv('paid_at ≠ first verified payment', paidAtMismatch);
  inv('5xx answers other than 503', result.http.other5xx, Object.entries(fiveXx).filter(([s]) => s !== '503').map(([s, n]) => `${s} × ${n}`).join(', ') || undefined);
  inv('503 answers without Retry-After', result.http.status503.withoutRetryAfter);
  inv('unexpected checkout answers (not 201, 409 out_of_stock/limit_exceeded, 5xx)', result.orders.unexpectedCheckout);
  inv('limit-hitting buyers whose second order was placed', result.orders.limitSecondPlaced);
  inv('replayed notifications not answered 200 duplicate', result.orders.replaysNotDuplicate);
  inv('processes that exited on their own', result.processes.reduce((s, p) => s + p.unexpectedExits, 0));

  const worker = faultResults.filter((f) => f.kind === 'worker' && f.recoveryS !== null);
  const maxWorker = worker.length ? Math.max(...worker.map((f) => f.recoveryS!)) : null;
  const lat = result.orders.unpaid.latenessMs.max;
  result.targets.push(
    { name: 'deliveries resume within 5 s of a worker restart (max)', value: maxWorker === null ? '–' : `${maxWorker.toFixed(1)} s`, met: maxWorker === null ? null : maxWorker <= 5 },
    { name: 'unpaid orders expire within 5 s of expiresAt (max lateness)', value: Number.isFinite(lat) ? `${(lat / 1000).toFixed(1)} s` : '–', met: Number.isFinite(lat) ? lat <= 5000 : null },
    { name: '… of those due outside a fault window', value: result.orders.unpaid.maxLatenessOutsideFaultsMs === null ? '–' : `${(result.orders.unpaid.maxLatenessOutsideFaultsMs / 1000).toFixed(1)} s`, met: result.orders.unpaid.maxLatenessOutsideFaultsMs === null ? null : result.orders.unpaid.maxLatenessOutsideFaultsMs <= 5000 },
    { name: 'API and worker wait and reconnect by themselves (no exit)', value: `${result.processes.reduce((s, p) => s + p.unexpectedExits, 0)} exits`, met: result.processes.every((p) => p.unexpectedExits === 0) },
    { name: '/readyz names PostgreSQL while it is cut', value: `${result.readyz.pgNamed}/${result.readyz.pgSamples} samples`, met: result.readyz.pgSamples ? result.readyz.pgNamed === result.readyz.pgSamples : null },
    { name: '/readyz names Temporal while it is down', value: `${result.readyz.temporalNamed}/${result.readyz.temporalSamples} samples`, met: result.readyz.temporalSamples ? result.readyz.temporalNamed === result.readyz.temporalSamples : null },
    { name: 'every request answered within 10 s, even while a dependency is away', value: `${result.http.slow.total} slower${result.http.slow.maxMs ? ` (max ${(result.http.slow.maxMs / 1000).toFixed(1)} s)` : ''}`, met: result.http.slow.total === 0 },
    { name: 'no 5xx other than 503; 503 only during outages', value: `${result.http.other5xx} other, ${result.http.status503.outsideFaults} 503 outside`, met: result.http.other5xx === 0 && result.http.status503.outsideFaults === 0 },
    { name: 'each order delivered by at most one email', value: `${result.emails.duplicates} duplicates`, met: result.emails.duplicates === 0 },
  );
  result.ok = result.invariants.every((i) => i.ok);
  return result;
}
