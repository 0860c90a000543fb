import { setTimeout as sleep } from 'node:timers/promises';
import { createBuyers, type BuyerRecord } from './buyers.js';
import { createBenchProduct, type BenchProduct } from './products.js';
import type { Ctx } from './round.js';
import { waitDelivered } from './round.js';
import { startBaseline, startKami, type Shop, type ShopKind } from './shops.js';
import { cloneCounts, diffCounts, startCountingProxy, type SqlCounts } from './sql-proxy.js';

const WARM_ORDERS = 3;

export interface SqlPass {
  shop: ShopKind;
  orders: number;
  /** Buyer reads (GET) per order in this pass: 1 once the shop holds the read until the keys are readable. */
  readsPerOrder: number;
  /** Per process (api, worker; baseline), totals over the pass. */
  byProcess: { label: string; counts: SqlCounts }[];
  /** The front process's (API's) counts split by the buyer's step: checkout call, notification call, read(s). */
  steps: { checkout: SqlCounts; notify: SqlCounts; reads: SqlCounts };
  /** Per order, checkout + payment + delivery + exactly one buyer read (extra polling reads taken out). */
  statementsPerOrder: number;
  transactionsPerOrder: number;
  /** The same with every read the buyers made. */
  statementsPerOrderAsRun: number;
  transactionsPerOrderAsRun: number;
  statementsPerRead: number;
  records: BuyerRecord[];
  /** The warm-up orders before counting (sold too, so the sale check includes them). */
  warm: BuyerRecord[];
  product: BenchProduct;
}

const sum = (list: SqlCounts[]): SqlCounts => list.reduce((a, b) => {
  const byText = new Map(a.byText);
  for (const [t, n] of b.byText) byText.set(t, (byText.get(t) ?? 0) + n);
  return { statements: a.statements + b.statements, control: a.control + b.control, transactions: a.transactions + b.transactions, byText };
}, { statements: 0, control: 0, transactions: 0, byText: new Map<string, number>() });

/**
 * The SQL-counting pass of one shop: a second copy of the shop whose every process reaches PostgreSQL
 * through the counting proxy (one port per process), driven by one buyer at a time so each order's
 * steps can be told apart and the proxy's cost touches no measured round. The bench's own queries
 * (products, polling for `delivered`) go straight to PostgreSQL and are not counted. Each order runs
 * the buyer's full flow (checkout → signed notification → read until the keys show), then the bench
 * waits until it is `delivered` (email sent) before the next one.
 */
export async function countSql(ctx: Ctx, kind: ShopKind): Promise<SqlPass> {
  const { stack, o, say, signal } = ctx;
  const admin = new URL(o.adminUrl);
  const proxy = startCountingProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
  const labels = kind === 'kami' ? ['count-kami-api', 'count-kami-worker'] : ['count-baseline'];
  const ports = new Map<string, number>();
  for (const l of labels) ports.set(l, await proxy.portFor(l));
  const route = (app: string) => ({ host: proxy.host, port: ports.get(app)! });
  let shop: Shop | undefined;
  try {
    shop = kind === 'kami'
      ? await startKami(stack, { prefix: 'count-kami-', route, say })
      : await startBaseline(stack, { app: 'count-baseline', route, say });
    const front = labels[0]!;
    const product = await createBenchProduct(shop.data.db, stack.vault, `${kind}-sqlcount`, WARM_ORDERS + o.countOrders + 5);
    const buyers = createBuyers(shop, stack.vault.sandboxWebhookSecret, o.pollMs);
    const onAbort = () => buyers.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // warm-up: the shop's pools connect, statements get prepared, the worker's caches fill
      const warm: BuyerRecord[] = [];
      for (let i = 0; i < WARM_ORDERS; i++) {
        warm.push(await buyers.buy(product.sku, { quantity: o.quantity, flagged: false }));
        await waitDelivered(shop!.data, product.id, i + 1, signal);
      }
      await sleep(300);
      const before = new Map(labels.map((l) => [l, cloneCounts(proxy.counts(l))]));
      const steps = { checkout: [] as SqlCounts[], notify: [] as SqlCounts[], reads: [] as SqlCounts[] };
      const records: BuyerRecord[] = [];
      for (let i = 0; i < o.countOrders; i++) {
        signal.throwIfAborted();
        let mark = cloneCounts(proxy.counts(front));
        const step = (into: SqlCounts[]) => { const now = cloneCounts(proxy.counts(front)); into.push(diffCounts(now, mark)); mark = now; };
        records.push(await buyers.buy(product.sku, { quantity: o.quantity, flagged: false }, (s) => step(s === 'checkout' ? steps.checkout : steps.notify)));
        step(steps.reads);
        await waitDelivered(shop!.data, product.id, WARM_ORDERS + i + 1, signal);
        if ((i + 1) % 10 === 0 || i + 1 === o.countOrders) say(`    ${kind} SQL count: ${i + 1}/${o.countOrders} orders`);
      }
      await sleep(500); // whatever the last order's workflow does after `delivered`
      const byProcess = labels.map((l) => ({ label: l.replace(/^count-(kami-)?/, ''), counts: diffCounts(proxy.counts(l), before.get(l)!) }));
      const n = o.countOrders;
      const reads = records.reduce((s, r) => s + r.reads, 0);
      const readCounts = sum(steps.reads);
      const statementsPerRead = readCounts.statements / Math.max(1, reads);
      const transactionsPerRead = readCounts.transactions / Math.max(1, reads);
      const total = sum(byProcess.map((p) => p.counts));
      return {
        shop: kind, orders: n, readsPerOrder: reads / n, byProcess,
        steps: { checkout: sum(steps.checkout), notify: sum(steps.notify), reads: readCounts },
        statementsPerOrder: (total.statements - (reads - n) * statementsPerRead) / n,
        transactionsPerOrder: (total.transactions - (reads - n) * transactionsPerRead) / n,
        statementsPerOrderAsRun: total.statements / n,
        transactionsPerOrderAsRun: total.transactions / n,
        statementsPerRead,
        records, warm, product,
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
      buyers.close();
    }
  } finally {
    await shop?.stop();
    await proxy.close();
  }
}
