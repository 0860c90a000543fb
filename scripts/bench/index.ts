/**
 * `npm run bench`: Kami, run as in production (API and worker processes, prebuilt workflow bundle),
 * against the synchronous-callback baseline most shops ship, driven from this process (load
 * generator and payment gateway) with the SMTP sink in a child of its own. See README.md here.
 * Exit code 1 when any key was sold twice or any order failed, 2 for a bad option.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runClaimBench, type ClaimBench } from './claims.js';
import { historyBreakdown, type HistoryBreakdown } from './history.js';
import { readQuery } from './buyers.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { renderReport } from './report.js';
import { buildJson, summarize, targets, type Automation, type ShopSummary } from './results.js';
import { FLAGGED_QUANTITY, roundLine, runRound, type Ctx, type RoundResult } from './round.js';
import { startBaseline, startKami, SHOP_NAMES, type Shop, type ShopKind } from './shops.js';
import { countSql, type SqlPass } from './sql-count.js';
import { HARNESS_APP, logSummary, startStack, type Stack } from './stack.js';
import { median, percentiles } from './stats.js';
import { runUnpaid, type UnpaidResult } from './unpaid.js';
import { checkSales, type SaleCheck } from './verify.js';

const say = (line: string) => console.log(line);

let options: ReturnType<typeof parseOptions>;
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

/**
 * Ctrl-C stops the buyers and lets every part close in order (shops before DROP DATABASE). Later
 * signals are ignored: npm relays the same keypress again, and quitting then would leave the
 * database behind. The shops run detached, so the keypress reaches them only through the bench.
 */
const interrupt = new AbortController();
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(name, () => {
    if (interrupt.signal.aborted) return;
    say('Interrupted: stopping and cleaning up…');
    interrupt.abort(new Error('interrupted'));
  });
}

async function main(o: BenchOptions): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  const shopKinds = (['kami', 'baseline'] as const).filter((k) => o.parts.includes(k));
  say(`Kami bench: ${shopKinds.join(' and ') || 'no shop'}${o.parts.includes('claims') ? ' + key claim' : ''}; closed loop ${o.rounds} × ${o.orders} orders at ${o.concurrency} buyers, `
    + `open loop ${o.rounds} × ${o.openSeconds} s at ${o.rate ? `${o.rate}/s` : `${o.load * 100}% of Kami's max`}, one buyer ${o.rounds} × ${o.alone}`
    + `${o.flagged ? `, ${o.flagged * 100}% flagged` : ''}${o.unpaid ? `, ${o.unpaid} unpaid` : ''}`);
  const stack = await startStack(o, say);
  const running: Shop[] = [];
  const ctx: Ctx = { stack, o, say, signal: interrupt.signal };
  let failed = true;
  try {
    const rounds: RoundResult[] = [];
    const sql = new Map<ShopKind, SqlPass>();
    let history: HistoryBreakdown | undefined;
    let automation: Automation | undefined;
    let unpaid: UnpaidResult | undefined;
    if (shopKinds.length) {
      say('Starting the shops (each in processes of its own)…');
      const started = await Promise.all(shopKinds.map((k) => (k === 'kami' ? startKami(stack, { say }) : startBaseline(stack, { say }))));
      running.push(...started);
      const kami = started.find((s) => s.kind === 'kami');
      const step = async (shop: Shop, mode: RoundResult['mode'], round: number, spec: Parameters<typeof runRound>[4]) => {
        const r = await runRound(ctx, shop, mode, round, spec);
        rounds.push(r);
        say(roundLine(r));
        return r;
      };
      /** Round r runs the shops in turn, the order flipping every round, so drifting load from elsewhere hits them alike. */
      const inTurn = (r: number) => (r % 2 ? started : [...started].reverse());

      if (o.warmup) {
        say(`Warm-up: ${o.warmup} orders per shop at ${o.concurrency} buyers (not counted)`);
        for (const shop of started) await step(shop, 'warmup', 1, { orders: o.warmup, concurrency: o.concurrency });
      }
      say(`Max throughput: closed loop, ${o.concurrency} buyers, ${o.orders} orders per round`);
      for (let r = 1; r <= o.rounds; r++) for (const shop of inTurn(r)) await step(shop, 'closed', r, { orders: o.orders, concurrency: o.concurrency, flagged: o.flagged });

      const maxOf = (k: ShopKind) => median(rounds.filter((x) => x.shop === k && x.mode === 'closed').map((x) => x.ordersPerSecond));
      const rate = o.rate ?? o.load * (kami ? maxOf('kami') : maxOf('baseline'));
      const openOrders = Math.max(10, Math.round(rate * o.openSeconds));
      say(`Latency: open loop at ${rate.toFixed(1)} orders/s (${o.rate ? '--rate' : `${o.load * 100}% of ${kami ? "Kami's" : "the baseline's"} median max`}), ${openOrders} orders per round`);
      for (let r = 1; r <= o.rounds; r++) for (const shop of inTurn(r)) await step(shop, 'open', r, { orders: openOrders, rate });
      say(`One buyer alone: ${o.alone} orders per round`);
      for (let r = 1; r <= o.rounds; r++) for (const shop of inTurn(r)) await step(shop, 'alone', r, { orders: o.alone, concurrency: 1 });

      if (kami && o.unpaid) {
        say(`Unpaid orders: ${o.rounds} open-loop rounds at ${rate.toFixed(1)} orders/s, then ${o.unpaid} unpaid orders, then the same rounds again`);
        unpaid = await runUnpaid(ctx, kami, rate);
        unpaid.history = await historyBreakdown(stack.temporal, unpaid.orderIds, 20);
      }
      if (kami) {
        const routine = rounds.filter((r) => r.shop === 'kami' && (r.mode === 'closed' || r.mode === 'open')).flatMap((r) => r.records).filter((r) => !r.flagged);
        say(`Reading ${Math.min(50, routine.length)} workflow histories of routine orders from Temporal…`);
        history = await historyBreakdown(stack.temporal, routine.map((r) => r.orderId));
        if (o.flagged) automation = await layeredAutomation(stack, rounds.filter((r) => r.shop === 'kami' && r.mode === 'closed'));
      }
      for (const shop of running.splice(0)) await shop.stop();

      for (const kind of shopKinds) {
        say(`Counting SQL: ${SHOP_NAMES[kind]} again, through the counting proxy, ${o.countOrders} orders one at a time`);
        sql.set(kind, await countSql(ctx, kind));
      }
    }

    const sales = new Map<ShopKind, SaleCheck>();
    for (const kind of shopKinds) {
      const mine = rounds.filter((r) => r.shop === kind);
      const pass = sql.get(kind);
      const records = [...mine.flatMap((r) => r.records), ...(pass ? [...pass.records, ...pass.warm] : [])];
      const products = [...mine.map((r) => r.product.id), ...(pass ? [pass.product.id] : [])];
      sales.set(kind, await checkSales(stack, await stack.database(kind), products, records));
    }
    let claims: ClaimBench | undefined;
    if (o.parts.includes('claims')) {
      say('Key claim: resetting the stock to each fill level and timing the claims');
      claims = await runClaimBench((await stack.database('claims')).url(HARNESS_APP), o, say, interrupt.signal);
    }

    const shops: ShopSummary[] = shopKinds.map((k) => summarize(k, SHOP_NAMES[k], rounds, sales.get(k)!, sql.get(k), k === 'kami' ? history : undefined));
    const keySoldTwice = [...sales.values()].reduce((s, c) => s + c.keysSoldTwice, 0);
    const t = shops.length ? targets(shops.find((s) => s.shop === 'kami'), shops.find((s) => s.shop === 'baseline'), unpaid, keySoldTwice) : [];
    say('');
    say(renderReport(o, shops, { dynamicConfig: stack.dynamicConfig, targets: t, unpaid, automation, claims, logDir: stack.logDir, logs: logSummary(stack.logDir), readQuery: readQuery() }));
    if (o.json) {
      const json = buildJson(o, { startedAt, seconds: (performance.now() - t0) / 1000, dynamicConfig: stack.dynamicConfig }, shops, rounds, keySoldTwice, 0, t, { unpaid, automation, claims });
      writeFileSync(o.json, `${JSON.stringify(json, null, 2)}\n`);
      say(`Figures written to ${o.json}`);
    }
    const bad = [...sales].filter(([, c]) => !c.ok);
    for (const [kind] of bad) console.error(`✖ ${SHOP_NAMES[kind]}: the sale check failed (see table 5)`);
    say(`Whole run: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    failed = bad.length > 0;
    return bad.length ? 1 : 0;
  } catch (err) {
    for (const shop of running) {
      for (const p of shop.processes) if (!p.child.running()) console.error(`✖ ${p.child.name} (pid ${p.child.pid}) exited during the run; its log ends with:\n${p.child.tail()}`);
    }
    throw err;
  } finally {
    for (const shop of running) await shop.stop().catch(() => {});
    await stack.stop(failed);
  }
}

/** Who needed a person: decision events of Kami's closed-loop orders, and how long the review step took. */
async function layeredAutomation(stack: Stack, closed: RoundResult[]): Promise<Automation> {
  const records = closed.flatMap((r) => r.records);
  const { rows } = await (await stack.database('kami')).pg.query<{ id: string; status: string; received: Date; delivered: Date | null; decided: Date | null }>(`
    SELECT o.id, o.status, p.received_at AS received, o.delivered_at AS delivered,
           (SELECT min(e.created_at) FROM order_event e WHERE e.order_id = o.id AND e.type = 'decision') AS decided
    FROM "order" o JOIN payment p ON p.order_id = o.id WHERE o.product_id = ANY($1::uuid[])`, [closed.map((r) => r.product.id)]);
  const flaggedIds = new Set(records.filter((r) => r.flagged).map((r) => r.orderId));
  const decided = rows.filter((r) => flaggedIds.has(r.id) && r.decided && r.delivered);
  const delivered = rows.filter((r) => r.status === 'delivered');
  const withN = (values: number[]) => ({ ...percentiles(values), n: values.length });
  const merchant = closed.map((r) => r.merchant).filter((m) => m !== undefined)
    .reduce((a, m) => ({ polls: a.polls + m.polls, approved: a.approved + m.approved, refused: a.refused + m.refused, errors: a.errors + m.errors }), { polls: 0, approved: 0, refused: 0, errors: 0 });
  return {
    flaggedOrders: flaggedIds.size,
    flaggedQuantity: FLAGGED_QUANTITY,
    delivered: delivered.length,
    deliveredWithoutPerson: delivered.filter((r) => !r.decided).length,
    unflagged: withN(records.filter((r) => !r.flagged).map((r) => r.payToReadableMs)),
    all: withN(records.map((r) => r.payToReadableMs)),
    flagged: withN(records.filter((r) => r.flagged).map((r) => r.payToReadableMs)),
    paymentToDecision: percentiles(decided.map((r) => r.decided!.getTime() - r.received.getTime())),
    decisionToDelivered: percentiles(decided.map((r) => r.delivered!.getTime() - r.decided!.getTime())),
    merchant,
  };
}

main(options).then(
  (code) => process.exit(code),
  (err) => {
    if (interrupt.signal.aborted) {
      console.error('✖ interrupted; the bench database, servers and shops are removed');
      process.exit(130);
    }
    console.error(`✖ bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
