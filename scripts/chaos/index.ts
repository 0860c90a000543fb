/**
 * `npm run chaos`: a stream of orders against Kami run as in production (separate API and worker
 * processes, a Temporal dev server on its SQLite file) while the harness SIGKILLs the worker, kills and
 * restarts Temporal and the API, takes SMTP down and cuts PostgreSQL through a TCP proxy it controls.
 * Prints what became of every order and the recovery after each fault. Exit code 1 when an invariant
 * broke (an order lost, a key sold twice, a 5xx other than 503, …), 2 for a bad option. See README.md.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyse, readOrders, settledAs, type ChaosResult } from './checks.js';
import { planFaults, runFaults, type FaultRecord } from './faults.js';
import { parseOptions, USAGE, type ChaosOptions } from './options.js';
import { renderSummary } from './report.js';
import { startStack, type ChaosStack } from './stack.js';
import {
  createTraffic, HttpLog, planOrders, runStream, startMerchant, startReadyzProbe, type OrderRecord, type ProductRole,
} from './traffic.js';

const say = (line: string) => console.log(line);

let options: ChaosOptions | 'help';
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}

/** Ctrl-C stops the traffic and the faults, then everything is removed in order (processes before DROP DATABASE). */
const interrupt = new AbortController();
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(name, () => {
    if (interrupt.signal.aborted) return;
    say('Interrupted: stopping and cleaning up…');
    interrupt.abort(new Error('interrupted'));
  });
}

/** Flagged buyers order one key more than the default bulk threshold (20), so the rules send them to review. */
const FLAGGED_QUANTITY = 21;

/** A product of the run with `stock` keys (CK-<16 hex>, so the sink can pick them out of an email), through Kami's importer. */
async function createProduct(stack: ChaosStack, role: ProductRole, tag: string, stock: number, rules: Record<string, unknown> = {}) {
  const sku = `CHAOS-${role.toUpperCase()}-${tag}`;
  const product = await stack.db.product.create({ data: { sku, name: `Chaos ${role}`, priceCents: 100, currency: 'USD', guide: 'Chaos key: it redeems **nowhere**.', rules: rules as never } });
  for (let done = 0; done < stock; done += 5000) {
    const secrets = Array.from({ length: Math.min(5000, stock - done) }, () => `CK-${randomBytes(8).toString('hex')}`);
    await stack.kami.importKeys(stack.db, stack.vault, product.id, secrets, 'chaos');
  }
  return { id: product.id, sku, stock };
}

async function main(o: ChaosOptions): Promise<number> {
  const started = Date.now();
  const runTag = randomBytes(3).toString('hex');
  const plan = planOrders(o.orders, runTag, FLAGGED_QUANTITY);
  const faultPlan = planFaults(o);
  say(`Kami chaos: ${o.orders} orders over ${o.duration} s (${(o.orders / o.duration).toFixed(1)}/s, ≤ ${o.concurrency} buyers in checkout at once); `
    + `${faultPlan.filter((f) => f.kind === 'worker').length} worker SIGKILLs${faultPlan.map((f) => f.kind).filter((k) => k !== 'worker').map((k) => `, ${k}`).join('')}`);
  const stack = await startStack(o, say);
  if (stack.kami.defaultRules.bulkQuantity !== FLAGGED_QUANTITY - 1) say(`Note: the default bulk threshold is ${stack.kami.defaultRules.bulkQuantity} keys now; flagged orders of ${FLAGGED_QUANTITY} may not go to review`);
  let failed = true;
  let ticker: NodeJS.Timeout | undefined;
  try {
    const sum = (pred: (p: (typeof plan)[number]) => boolean) => plan.filter(pred).reduce((s, p) => s + p.quantity, 0);
    const routineStock = Math.ceil(sum((p) => p.product === 'routine') * 1.15) + 30;
    const scarceOrders = plan.filter((p) => p.kind === 'scarce').length;
    const [routine, limit, scarce] = [
      await createProduct(stack, 'routine', runTag, routineStock),
      await createProduct(stack, 'limit', runTag, sum((p) => p.kind === 'limit') + 10, { purchaseLimit: 3, purchaseLimitWindow: '24h' }),
      await createProduct(stack, 'scarce', runTag, Math.max(1, Math.floor(scarceOrders / 2))),
    ];
    say(`Products: ${routine.sku} (${routine.stock} keys), ${limit.sku} (purchase limit 3 per 24h, ${limit.stock} keys), ${scarce.sku} (${scarce.stock} keys for ${scarceOrders} buyers)`);
    const mix = ['routine', 'flagged', 'limit', 'scarce', 'unpaid'].map((k) => `${plan.filter((p) => p.kind === k).length} ${k}`).join(', ');
    say(`Orders: ${mix}; flagged ones order ${FLAGGED_QUANTITY} keys (review), the merchant approves half of them`);

    const http = new HttpLog();
    const drainDone = new AbortController();
    const trafficSignal = AbortSignal.any([interrupt.signal, drainDone.signal]);
    setMaxListeners(0, trafficSignal, interrupt.signal); // every waiting buyer listens to it
    const records: OrderRecord[] = plan.map((p) => ({ plan: p, dueAt: 0 }));
    const leave = new Set<string>();
    const byOrder = new Map<string, OrderRecord>();
    const traffic = createTraffic({
      baseUrl: stack.baseUrl, http, runTag, signal: trafficSignal,
      signatureHeader: stack.kami.signatureHeader, sign: (raw) => stack.kami.signSandboxNotification(stack.vault.sandboxWebhookSecret, raw),
      skus: { routine: routine.sku, limit: limit.sku, scarce: scarce.sku },
    });
    const run = async (rec: OrderRecord) => {
      const started = await traffic.run(rec);
      if (rec.orderId) {
        byOrder.set(rec.orderId, rec);
        if (rec.plan.leaveInReview) leave.add(rec.orderId);
      }
      return started;
    };
    // an order the harness has not placed yet (its checkout still retrying) is left alone too
    const merchant = startMerchant(stack.baseUrl, stack.admin, (id) => leave.has(id) || !byOrder.has(id), http, trafficSignal);
    const faults: FaultRecord[] = [];
    const current = () => faults.find((f) => f.end === undefined);
    const probe = startReadyzProbe(stack.baseUrl, () => {
      const f = current();
      return f?.kind === 'pg' || f?.kind === 'temporal';
    }, http, trafficSignal);

    const t0 = Date.now();
    let phase = 'stream';
    ticker = setInterval(() => void progress(), 5000);
    const progress = async () => {
      try {
        const { rows } = await stack.pg.query<{ status: string; n: number; unapplied: number }>(`
          SELECT status, count(*)::int AS n,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM payment p WHERE p.order_id = o.id AND p.applied_at IS NULL))::int AS unapplied
          FROM "order" o GROUP BY status`);
        const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        const unsettled = rows.reduce((n, r) => n + r.unapplied, 0);
        const placed = records.filter((r) => r.checkout?.outcome === 'placed').length;
        const paid = records.filter((r) => r.payment?.acceptedAt).length;
        const f = current();
        const s503 = http.fiveXx.filter((x) => x.status === 503).length;
        say(`  [${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s ${phase}] placed ${placed}/${o.orders} · paid ${paid} (not settled yet ${unsettled})`
          + ` · delivering ${by.delivering ?? 0} · delivered ${by.delivered ?? 0} · in review ${by.in_review ?? 0} · unpaid open ${(by.awaiting_payment ?? 0) - unsettled}`
          + ` · expired ${by.expired ?? 0} · 503 ${s503} · other 5xx ${http.fiveXx.length - s503} · no answer ${http.noAnswer.length}${f ? ` · fault: ${f.label} (${Math.round((Date.now() - f.start) / 1000)}s)` : ''}`);
      } catch { /* a progress line is not worth failing for */ }
    };

    const faultRun = runFaults(stack, o, faultPlan, t0, faults, interrupt.signal, say);
    const stream = await runStream(records, o.concurrency, (o.duration * 1000) / o.orders, run, trafficSignal);
    const streamSeconds = (Date.now() - t0) / 1000;
    await faultRun;
    interrupt.signal.throwIfAborted();

    // drain: no new orders; wait until every payment settled, every unpaid order closed, every email in the sink
    phase = 'drain';
    const drainStart = Date.now();
    const deadline = drainStart + o.drain * 1000;
    let settled = false;
    let readsLeft = stream.reads.length;
    for (const r of stream.reads) void r.finally(() => { readsLeft--; });
    while (Date.now() < deadline && !interrupt.signal.aborted) {
      const orders = await readOrders(stack.pg);
      const paymentsPending = records.some((r) => r.payment && !r.payment.acceptedAt && !r.payment.unexpected);
      const unsettled = records.filter((r) => r.payment?.acceptedAt && !settledAs(r, orders.get(r.orderId!))).length;
      const open = [...orders.values()].filter((x) => x.status === 'awaiting_payment').length;
      const delivered = [...orders.values()].filter((x) => x.status === 'delivered').length;
      const mailed = new Set((await stack.mail.collect()).map((m) => m.orderId)).size;
      if (!paymentsPending && unsettled === 0 && open === 0 && readsLeft === 0 && mailed >= delivered) { settled = true; break; }
      await sleep(2000);
    }
    clearInterval(ticker);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    drainDone.abort();
    await Promise.all([...stream.reads, merchant.done, probe.done]);
    interrupt.signal.throwIfAborted();

    const [orders, mails, { rows: [orphan] }] = await Promise.all([
      readOrders(stack.pg), stack.mail.collect(),
      stack.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM card_key WHERE status = 'sold' AND order_id IS NULL`),
    ]);
    const result: ChaosResult = analyse({
      records, orders, mails, http, faults, readyz: probe.samples, merchant: merchant.stats, processes: [stack.api, stack.worker],
      soldWithoutOrder: orphan!.n, t0,
    });
    const seconds = (Date.now() - started) / 1000;
    say('');
    say(renderSummary(o, result, { seconds, streamSeconds, maxLagS: stream.maxLagMs / 1000, drainSeconds, settled }));
    if (o.json) {
      writeFileSync(o.json, `${JSON.stringify({
        options: o, startedAt: new Date(started).toISOString(), seconds, streamSeconds, drainSeconds, settled, ...result,
        raw: {
          orders: records.filter((r) => r.orderId).map((r) => {
            const row = orders.get(r.orderId!);
            const rel = (t: number | null | undefined) => (t === null || t === undefined ? null : t - t0);
            return {
              i: r.plan.i, kind: r.plan.kind, orderId: r.orderId, status: row?.status, placed: rel(r.checkout?.at), paid: rel(r.payment?.acceptedAt),
              notifyTries: r.payment?.attempts, keysReadable: rel(row?.delivered_at), closed: rel(row?.closed_at), read: rel(r.read?.at), expires: rel(row?.expires_at),
            };
          }),
          faults: faults.map((f) => ({ ...f, start: f.start - t0, end: f.end && f.end - t0, ready: f.ready && f.ready - t0, downUntil: f.downUntil && f.downUntil - t0 })), readyz: probe.samples.map((s) => ({ ...s, at: s.at - t0 })) },
      }, null, 2)}\n`);
      say(`Figures written to ${o.json}`);
    }
    failed = !result.ok;
    if (failed) {
      for (const p of [stack.api, stack.worker]) for (const x of p.unexpectedExits) console.error(`✖ ${p.name} exited by itself (code ${x.code}); its log ended with:\n${x.tail}`);
      say(`✖ an invariant broke; the processes' logs are kept in ${stack.logDir}`);
    } else {
      say(`✔ every invariant held${o.keepLogs ? `; logs in ${stack.logDir}` : ''}`);
    }
    return failed ? 1 : 0;
  } finally {
    clearInterval(ticker);
    // logs are kept when an invariant broke or the run crashed, not after Ctrl-C
    await stack.stop(failed && !interrupt.signal.aborted);
  }
}

main(options).then(
  (code) => process.exit(code),
  (err) => {
    if (interrupt.signal.aborted) {
      console.error('✖ interrupted; the chaos database, servers and processes are removed');
      process.exit(130);
    }
    console.error(`✖ chaos run failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
