import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { listQuery, login, type AdminSession } from '../../test/helpers/admin.js';

/** What one HTTP exchange came to: an answer, or no answer at all (refused, reset, timed out). */
export type Exchange =
  | { ok: true; status: number; retryAfter: string | null; body: any; text: string; ms: number }
  | { ok: false; error: string; ms: number };

export type Caller = 'buyer' | 'gateway' | 'merchant' | 'probe';

/** Slower than this is no answer for most gateways and load balancers. */
export const SLOW_MS = 10_000;

/** Every answer the harness saw, by who asked: 5xx kept one by one (when, which status, Retry-After), and answers slower than SLOW_MS. */
export class HttpLog {
  answers = 0;
  byStatus = new Map<number, number>();
  fiveXx: { at: number; status: number; caller: Caller; path: string; retryAfter: string | null; code?: string }[] = [];
  noAnswer: { at: number; caller: Caller; error: string }[] = [];
  /** `at` is when the request was sent. */
  slow: { at: number; ms: number; caller: Caller; path: string; status: number | null }[] = [];
  add(caller: Caller, path: string, x: Exchange) {
    const kind = path.replace(/ord_[0-9A-Z]+/, ':id').replace(/\?.*/, '');
    // a buyer's long poll (?wait=10) is slow on purpose
    if (x.ms > SLOW_MS && !(x.ok && /[?&]wait=/.test(path) && x.ms < SLOW_MS + 10_000)) {
      this.slow.push({ at: Date.now() - x.ms, ms: x.ms, caller, path: kind, status: x.ok ? x.status : null });
    }
    if (!x.ok) return void this.noAnswer.push({ at: Date.now(), caller, error: x.error });
    this.answers++;
    this.byStatus.set(x.status, (this.byStatus.get(x.status) ?? 0) + 1);
    if (x.status >= 500) {
      this.fiveXx.push({ at: Date.now(), status: x.status, caller, path: kind, retryAfter: x.retryAfter, code: x.body?.error?.code });
    }
  }
}

/** One request with a deadline; never throws for a network failure (that is an answer of its own kind here). */
export async function exchange(baseUrl: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Exchange> {
  const sent = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      body: opts.body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: unknown = undefined;
    if (res.headers.get('content-type')?.includes('application/json')) { try { body = JSON.parse(text); } catch { /* leave undefined */ } }
    return { ok: true, status: res.status, retryAfter: res.headers.get('retry-after'), body, text, ms: Date.now() - sent };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, error: e.name === 'TimeoutError' ? 'timeout' : e.cause?.code ?? e.message, ms: Date.now() - sent };
  }
}

/** Backoff of a client that retries: Retry-After when the server gave one (at most 5 s), else 250 ms doubling to 2 s, with jitter. */
const backoff = (attempt: number, retryAfter?: string | null) => {
  const ra = Number(retryAfter);
  const base = retryAfter && Number.isFinite(ra) ? Math.min(5000, ra * 1000) : Math.min(2000, 250 * 2 ** Math.min(attempt, 4));
  return base * (0.8 + Math.random() * 0.4);
};

export type Kind = 'routine' | 'flagged' | 'limit' | 'scarce' | 'unpaid';
export type ProductRole = 'routine' | 'limit' | 'scarce';

export interface PlannedOrder {
  i: number;
  kind: Kind;
  product: ProductRole;
  quantity: number;
  email: string;
  /** The buyer's address, sent as X-Forwarded-For (Kami trusts it from loopback in this run, as behind a reverse proxy). */
  ip: string;
  /** Idempotency-Key of the checkout (and of a limit-hitting buyer's second one), retried with it. */
  keys: [string, string];
  /** Flagged orders the merchant leaves waiting (the others it approves). */
  leaveInReview: boolean;
  /** The gateway sends this payment's notification a second time after it was accepted. */
  replay: boolean;
}

export interface OrderRecord {
  plan: PlannedOrder;
  dueAt: number;
  startedAt?: number;
  checkout?: { outcome: 'placed' | 'refused' | 'abandoned' | 'unexpected'; code?: string; status?: number; at: number; attempts: number };
  orderId?: string;
  accessToken?: string;
  expiresAt?: number;
  /** The gateway's notification was answered 200 (accepted) at this time, after `attempts` tries. */
  payment?: { firstSentAt: number; acceptedAt?: number; attempts: number; unexpected?: string; replayed?: { status: number; duplicate?: boolean } };
  /** What the buyer last read of its order. */
  read?: { status: string; keys: string[]; at: number; reads: number };
  /** Limit-hitting buyers: the answer to their second checkout (409 limit_exceeded expected). */
  second?: { status: number; code?: string };
}

/** Mix per order of the stream: the rest are routine orders. */
export const MIX = { flagged: 0.02, limit: 0.05, scarce: 0.05, unpaid: 0.06 } as const;
const MIN_COUNT: Record<keyof typeof MIX, number> = { flagged: 2, limit: 2, scarce: 4, unpaid: 4 };

/** A deterministic shuffle of the mix, so every kind is spread over the whole stream. */
export function planOrders(n: number, runTag: string, flaggedQuantity: number): PlannedOrder[] {
  const kinds: Kind[] = [];
  for (const k of Object.keys(MIX) as (keyof typeof MIX)[]) for (let j = 0; j < Math.max(MIN_COUNT[k], Math.round(n * MIX[k])); j++) kinds.push(k);
  while (kinds.length < n) kinds.push('routine');
  kinds.length = n;
  let seed = 0x9e3779b9;
  const rnd = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  let flagged = 0;
  return kinds.map((kind, i) => ({
    i, kind,
    product: kind === 'limit' ? 'limit' : kind === 'scarce' ? 'scarce' : 'routine',
    quantity: kind === 'flagged' ? flaggedQuantity : kind === 'limit' ? 2 : kind === 'routine' && i % 4 === 0 ? 2 : 1,
    email: `buyer-${i}-${runTag}@chaos.example`,
    ip: `10.${((i + 1) >> 16) & 255}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`,
    keys: [randomUUID(), randomUUID()],
    leaveInReview: kind === 'flagged' && flagged++ % 2 === 1,
    replay: kind !== 'unpaid' && i % 10 === 3,
  }));
}

export interface TrafficDeps {
  baseUrl: string;
  /** The gateway's signature header (name, value for a raw body), as the sandbox provider verifies it. */
  signatureHeader: string;
  sign: (raw: string) => string;
  skus: Record<ProductRole, string>;
  http: HttpLog;
  runTag: string;
  /** Stops every loop (Ctrl-C, or the end of the drain). */
  signal: AbortSignal;
}

/**
 * The buyers and the payment gateway. A buyer checks out (Idempotency-Key; retried on 5xx and on no
 * answer, honouring Retry-After), the gateway pays (signed notification, retried until 200 with the
 * same transaction id), and the buyer reads its order (?wait=10) until the keys show — or, for a
 * flagged order the merchant leaves alone, until it shows in_review.
 */
export function createTraffic(d: TrafficDeps) {
  const { http, signal } = d;
  const call = async (caller: Caller, method: string, path: string, opts: Parameters<typeof exchange>[3] = {}) => {
    const x = await exchange(d.baseUrl, method, path, opts);
    http.add(caller, path, x);
    return x;
  };
  const pause = (ms: number) => sleep(ms, undefined, { signal }).catch(() => {});

  async function checkout(rec: OrderRecord, quantity: number, key: string) {
    const body = JSON.stringify({ sku: d.skus[rec.plan.product], quantity, email: rec.plan.email });
    const started = Date.now();
    for (let attempt = 1; !signal.aborted; attempt++) {
      const x = await call('buyer', 'POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key, 'x-forwarded-for': rec.plan.ip } });
      if (x.ok && x.status === 201) return { outcome: 'placed' as const, x, attempts: attempt };
      if (x.ok && x.status < 500) {
        const code = x.body?.error?.code as string | undefined;
        const expected = x.status === 409 && (code === 'out_of_stock' || code === 'limit_exceeded');
        return { outcome: expected ? 'refused' as const : 'unexpected' as const, x, code, attempts: attempt };
      }
      // a buyer gives up after a while; the order it may have left behind must expire by itself
      if (Date.now() - started > 180_000) return { outcome: 'abandoned' as const, x, attempts: attempt };
      await pause(backoff(attempt, x.ok ? x.retryAfter : null));
    }
    return { outcome: 'abandoned' as const, x: undefined, attempts: 0 };
  }

  async function notify(raw: string) {
    return call('gateway', 'POST', '/api/v1/payments/sandbox/notify', { body: raw, headers: { [d.signatureHeader]: d.sign(raw) } });
  }

  /** The gateway: retries until the shop answers 200, as real gateways do, with the same transaction. */
  async function pay(rec: OrderRecord, amountCents: number, currency: string) {
    const raw = JSON.stringify({ orderId: rec.orderId, txnId: `txn_${rec.orderId}`, amountCents, currency, paidAt: new Date().toISOString() });
    rec.payment = { firstSentAt: Date.now(), attempts: 0 };
    for (let attempt = 1; !signal.aborted; attempt++) {
      rec.payment.attempts = attempt;
      const x = await notify(raw);
      if (x.ok && x.status === 200) { rec.payment.acceptedAt = Date.now(); break; }
      if (x.ok && x.status < 500) { rec.payment.unexpected = `${x.status} ${x.text.slice(0, 200)}`; return; }
      await pause(backoff(attempt));
    }
    if (rec.plan.replay && rec.payment.acceptedAt) {
      // a gateway that did not see the 200 sends the same notification again
      for (let attempt = 1; !signal.aborted; attempt++) {
        const x = await notify(raw);
        if (x.ok && x.status < 500) { rec.payment.replayed = { status: x.status, duplicate: x.body?.duplicate }; break; }
        await pause(backoff(attempt));
      }
    }
  }

  /** The buyer reads its order until the keys show (or it settles in a state that has none). */
  async function read(rec: OrderRecord) {
    const headers = { authorization: `Bearer ${rec.accessToken}`, 'x-forwarded-for': rec.plan.ip };
    let reads = 0;
    for (let attempt = 1; !signal.aborted; attempt++) {
      const x = await call('buyer', 'GET', `/api/v1/orders/${rec.orderId}?wait=10`, { headers, timeoutMs: 30_000 });
      if (!x.ok || x.status >= 500) { await pause(backoff(attempt, x.ok ? x.retryAfter : null)); continue; }
      reads++;
      if (x.status !== 200) { rec.read = { status: `http ${x.status}`, keys: [], at: Date.now(), reads }; return; }
      attempt = 0;
      const view = x.body as { status: string; keys: string[] };
      rec.read = { status: view.status, keys: view.keys ?? [], at: Date.now(), reads };
      if (view.keys?.length) return;
      if (['rejected', 'refunded', 'failed', 'cancelled'].includes(view.status)) return;
      if (view.status === 'in_review' || view.status === 'backorder') {
        if (rec.plan.leaveInReview) return;
        await pause(2000); // waiting for a person: look again now and then
      } else if (view.status === 'expired') {
        await pause(1000); // paid after the hold ended: the late payment opens a review
      }
    }
  }

  /** One planned order: returns once checkout and payment are done, with the buyer's read still running (`reading`). */
  async function run(rec: OrderRecord): Promise<{ reading?: Promise<void> }> {
    const p = rec.plan;
    rec.startedAt = Date.now();
    const c = await checkout(rec, p.quantity, p.keys[0]);
    rec.checkout = { outcome: c.outcome, code: c.code, status: c.x?.ok ? c.x.status : undefined, at: Date.now(), attempts: c.attempts };
    if (c.outcome !== 'placed') return {};
    const created = c.x!.ok ? c.x!.body as { orderId: string; accessToken: string; amountDueCents: number; currency: string; expiresAt: string } : undefined;
    rec.orderId = created!.orderId;
    rec.accessToken = created!.accessToken;
    rec.expiresAt = Date.parse(created!.expiresAt);
    if (p.kind === 'unpaid') return {};
    await pay(rec, created!.amountDueCents, created!.currency);
    if (p.kind === 'limit') {
      // the same buyer again: 2 + 2 keys is over the product's limit of 3
      const again = await checkout(rec, 2, p.keys[1]);
      rec.second = { status: again.x?.ok ? again.x.status : 0, code: again.code };
    }
    return { reading: rec.payment?.acceptedAt ? read(rec) : undefined };
  }

  return { run };
}

/**
 * The stream: order i is due at start + i × spacing; at most `concurrency` orders are in checkout and
 * payment at once (a buyer's read of its keys does not hold a slot). Resolves once every order's
 * checkout and payment are done; `reads` holds the reads still running.
 */
export async function runStream(records: OrderRecord[], concurrency: number, spacingMs: number, run: (r: OrderRecord) => Promise<{ reading?: Promise<void> }>, signal: AbortSignal) {
  const t0 = Date.now();
  const reads: Promise<void>[] = [];
  let next = 0;
  let maxLagMs = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < records.length && !signal.aborted) {
      const rec = records[next++]!;
      rec.dueAt = t0 + rec.plan.i * spacingMs;
      const wait = rec.dueAt - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
      if (signal.aborted) break;
      maxLagMs = Math.max(maxLagMs, Date.now() - rec.dueAt);
      const { reading } = await run(rec).catch((err) => { console.error(`order ${rec.plan.i}: ${(err as Error).stack}`); return {} as { reading?: Promise<void> }; });
      if (reading) reads.push(reading.catch((err) => console.error(`read of ${rec.orderId}: ${(err as Error).stack}`)));
    }
  }));
  return { reads, maxLagMs };
}

export interface MerchantStats { approved: number; refused: number; errors: number; lastError?: string }

/**
 * The merchant at the operator panel, over HTTP: signs in as the first owner, looks at the review
 * inbox every second and approves every order waiting there except those the plan leaves waiting.
 * Fails and refusals (not waiting yet, a dependency away) are tried again on the next look.
 */
export function startMerchant(baseUrl: string, account: { email: string; password: string }, leaveWaiting: (orderId: string) => boolean, http: HttpLog, signal: AbortSignal) {
  const stats: MerchantStats = { approved: 0, refused: 0, errors: 0 };
  const approved = new Set<string>();
  const loop = (async () => {
    let session: AdminSession | undefined;
    while (!signal.aborted) {
      try {
        session ??= await login(baseUrl, account.email, account.password);
        const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
        const list = await exchange(baseUrl, 'GET', `/admin/api/reviews${listQuery({ filter: { status: 'in_review' }, range: [0, 199] })}`, { headers });
        http.add('merchant', '/admin/api/reviews', list);
        if (list.ok && list.status === 401) session = undefined;
        else if (list.ok && list.status === 200) {
          for (const o of list.body as { id: string }[]) {
            if (signal.aborted || approved.has(o.id) || leaveWaiting(o.id)) continue;
            const path = `/admin/api/orders/${o.id}/approve`;
            const x = await exchange(baseUrl, 'POST', path, { headers, body: JSON.stringify({ note: 'chaos merchant' }) });
            http.add('merchant', path, x);
            if (x.ok && x.status === 200) { stats.approved++; approved.add(o.id); } else if (x.ok && x.status === 409) stats.refused++;
            else { stats.errors++; stats.lastError = x.ok ? `${x.status} ${x.text.slice(0, 120)}` : x.error; }
          }
        } else {
          stats.errors++;
          stats.lastError = list.ok ? `${list.status} ${list.text.slice(0, 120)}` : list.error;
        }
      } catch (err) {
        stats.errors++;
        stats.lastError = (err as Error).message.slice(0, 160);
      }
      await sleep(1000, undefined, { signal }).catch(() => {});
    }
  })();
  return { stats, done: loop };
}

export interface ReadyzSample { at: number; ms: number; status: number | null; postgres?: string; temporal?: string }

/** GET /readyz every half second while `active()` says so (each in parallel, 30 s deadline): what the API says is missing during an outage, and how fast. */
export function startReadyzProbe(baseUrl: string, active: () => boolean, http: HttpLog, signal: AbortSignal) {
  const samples: ReadyzSample[] = [];
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    while (!signal.aborted) {
      if (active()) {
        const at = Date.now();
        const p = exchange(baseUrl, 'GET', '/readyz', { timeoutMs: 30_000 }).then((x) => {
          http.add('probe', '/readyz', x);
          samples.push(x.ok ? { at, ms: x.ms, status: x.status, postgres: x.body?.checks?.postgres, temporal: x.body?.checks?.temporal } : { at, ms: x.ms, status: null });
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(500, undefined, { signal }).catch(() => {});
    }
    await Promise.all(inFlight);
  })();
  return { samples, done: loop };
}
