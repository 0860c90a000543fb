import pg from 'pg';
import { createDb, Prisma, type Db } from '../../infra/db.js';
import { reserveKeys } from '../../infra/order-store.js';
import type { BenchOptions } from './options.js';
import { percentiles, type Percentiles } from './stats.js';

export const FILL_LEVELS = [0, 0.5, 0.9] as const;
const CLAIMERS = 32;
const PLAIN_TABLE = 'bench_card_key_plain';
const PRESOLD_ORDER = 'bench_presold';
const claimOrder = (i: number) => `bench_claim_${i}`;
/** Each cell is timed this many times; the report shows the median round. */
const ROUNDS = 3;
const median = (cells: ClaimCell[]) => [...cells].sort((a, b) => a.claimsPerSecond - b.claimsPerSecond)[Math.floor(cells.length / 2)]!;

export interface ClaimCell { claimsPerSecond: number; latency: Percentiles }
export interface ClaimVariant { name: string; detail: string; byFill: ClaimCell[] }
export interface ClaimBench { stock: number; claims: number; variants: ClaimVariant[]; ceilings: { name: string; perSecond: number }[] }

interface Variant { name: string; detail: string; table: string; claim: (db: Db, orderId: string) => Promise<number> }

/** Kami's claim is the real reserveKeys; the textbook one is what peers write, in one interactive transaction. */
function variants(productId: string): Variant[] {
  const until = new Date(Date.now() + 3_600_000);
  const textbook = (table: string) => (db: Db, orderId: string) => db.$transaction(async (tx) => {
    const free = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM ${Prisma.raw(table)} WHERE product_id = ${productId}::uuid AND status = 'available'
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
    await tx.$executeRaw`UPDATE ${Prisma.raw(table)} SET status = 'sold', order_id = ${orderId}, sold_at = now() WHERE id = ANY(${free.map((k) => k.id)})`;
    return free.length;
  });
  return [
    {
      name: 'Kami reserve', detail: 'infra/order-store.ts reserveKeys: one statement, partial index', table: 'card_key',
      claim: async (db, orderId) => (await reserveKeys(db, productId, orderId, 1, until)).length,
    },
    {
      name: 'Kami reserve + sell', detail: 'reserveKeys, then a reserved→sold update as the settle step does (2 commits)', table: 'card_key',
      claim: async (db, orderId) => {
        const held = await reserveKeys(db, productId, orderId, 1, until);
        await db.cardKey.updateMany({ where: { orderId, status: 'reserved' }, data: { status: 'sold', soldAt: new Date(), reservedUntil: null } });
        return held.length;
      },
    },
    {
      name: 'Textbook, no partial index', detail: `SELECT … ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED + UPDATE, on ${PLAIN_TABLE}`, table: PLAIN_TABLE,
      claim: textbook(PLAIN_TABLE),
    },
    {
      name: 'Textbook, Kami table', detail: 'the same transaction on card_key, where the partial index exists', table: 'card_key',
      claim: textbook('card_key'),
    },
  ];
}

/**
 * The key claim alone, 32 concurrent claimers, with the stock 0%, 50% and 90% sold (pre-sold by
 * UPDATE, then VACUUM ANALYZE as autovacuum would have done over weeks of sales). Before each timing
 * the stock is reset, so every one starts from the same table; each cell is the median of three.
 * Plus the plain durable-insert rate with 32 clients, the ceiling any one-commit-per-claim design runs into.
 */
export async function runClaimBench(databaseUrl: string, o: BenchOptions, say: (line: string) => void, signal: AbortSignal): Promise<ClaimBench> {
  if (o.claims > o.claimStock * 0.1) throw new Error(`--claims ${o.claims} exceeds the stock left at 90% sold (${o.claimStock * 0.1})`);
  const admin = new pg.Client({ connectionString: databaseUrl });
  // a lost connection fails the query in flight; without a listener it would also crash the process
  admin.on('error', () => {});
  await admin.connect();
  await admin.query('CREATE TABLE bench_insert (id bigserial PRIMARY KEY, note text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  const inserts = o.claims * 4;
  // one pool at a time: the machine's max_connections is shared with everything else running
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CLAIMERS });
  pool.on('error', () => {}); // idle clients losing their connection: the next query fails instead
  const viaPg = await insertRate(inserts, () => pool.query('SELECT 1'), (i) => pool.query('INSERT INTO bench_insert (note) VALUES ($1)', [`pg ${i}`]))
    .finally(() => pool.end());
  const db = createDb(databaseUrl, CLAIMERS);
  try {
    const viaPrisma = await insertRate(inserts, () => db.$queryRaw`SELECT 1`, (i) => db.$executeRaw`INSERT INTO bench_insert (note) VALUES (${`prisma ${i}`})`);
    const ceilings = [
      { name: `durable INSERT, ${CLAIMERS} clients, pg`, perSecond: viaPg },
      { name: `same through the Prisma adapter`, perSecond: viaPrisma },
    ];
    for (const c of ceilings) say(`    ${c.name}: ${c.perSecond.toFixed(0)}/s`);

    const productId = await seed(admin, db, o);
    const list = variants(productId);
    const results: ClaimVariant[] = list.map((v) => ({ name: v.name, detail: v.detail, byFill: [] }));
    for (const v of list) await timeClaims(db, v, Math.min(100, o.claims)); // warm-up, not counted: plans, caches, JIT
    for (const fill of FILL_LEVELS) {
      // variants take turns, round after round, so a burst of load from elsewhere hits them alike
      const rounds: ClaimCell[][] = list.map(() => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, v] of list.entries()) {
          signal.throwIfAborted();
          await resetStock(admin, v.table, productId, Math.round(o.claimStock * fill));
          rounds[i]!.push(await timeClaims(db, v, o.claims));
        }
      }
      for (const [i, v] of list.entries()) {
        const cell = median(rounds[i]!);
        results[i]!.byFill.push(cell);
        say(`    ${(fill * 100).toFixed(0)}% sold · ${v.name}: ${rounds[i]!.map((c) => c.claimsPerSecond.toFixed(0)).join(', ')} claims/s`);
      }
    }
    return { stock: o.claimStock, claims: o.claims, variants: results, ceilings };
  } finally {
    await db.$disconnect();
    await admin.end();
  }
}

/** Autocommit single-row INSERTs from 32 clients, median of three rounds: the durable-commit rate, the ceiling of any one-commit-per-claim design. */
async function insertRate(count: number, warm: () => Promise<unknown>, insert: (i: number) => Promise<unknown>): Promise<number> {
  await Promise.all(Array.from({ length: CLAIMERS }, warm));
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CLAIMERS }, async () => { while (next < count) await insert(next++); }));
    rates.push(count / ((performance.now() - started) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

/** One product with `claimStock` keys in card_key, the same rows copied into a table without the partial indexes, and the orders claims are made for. */
async function seed(admin: pg.Client, db: Db, o: BenchOptions): Promise<string> {
  const product = await db.product.create({ data: { sku: `BENCH-CLAIMS-${Date.now()}`, name: 'Bench claims', priceCents: 100, currency: 'USD' } });
  const order = (id: string) => ({
    id, productId: product.id, quantity: 1, unitPriceCents: 100, amountCents: 100, currency: 'USD', email: 'claims@bench.example',
    emailNormalized: 'claims@bench.example', status: 'awaiting_payment', paymentProvider: 'sandbox', expiresAt: new Date(Date.now() + 86_400_000),
  });
  await db.order.createMany({ data: [order(PRESOLD_ORDER), ...Array.from({ length: o.claims }, (_, i) => order(claimOrder(i)))] });
  // dummy ciphertext: the claim never decrypts, and 20,000 real encryptions would only slow the setup
  await admin.query(`INSERT INTO card_key (product_id, ciphertext, fingerprint, hint)
    SELECT $1, '\\x00'::bytea, lpad(to_hex(i), 64, '0'), 'bench' FROM generate_series(1, $2) i`, [product.id, o.claimStock]);
  await admin.query(`CREATE TABLE ${PLAIN_TABLE} (LIKE card_key INCLUDING ALL)`);
  const { rows: partial } = await admin.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '% WHERE %'`, [PLAIN_TABLE]);
  for (const { indexname } of partial) await admin.query(`DROP INDEX "${indexname}"`);
  await admin.query(`INSERT INTO ${PLAIN_TABLE} SELECT * FROM card_key WHERE product_id = $1`, [product.id]);
  return product.id;
}

/** Every key available again, then the lowest `sold` ids sold (as ORDER BY id would have sold them), then vacuumed. */
async function resetStock(admin: pg.Client, table: string, productId: string, sold: number): Promise<void> {
  await admin.query(`UPDATE ${table} SET status = 'available', order_id = NULL, reserved_until = NULL, sold_at = NULL WHERE product_id = $1 AND status <> 'available'`, [productId]);
  await admin.query(`UPDATE ${table} SET status = 'sold', order_id = $2, sold_at = now()
    WHERE id IN (SELECT id FROM ${table} WHERE product_id = $1 ORDER BY id LIMIT $3)`, [productId, PRESOLD_ORDER, sold]);
  await admin.query(`VACUUM ANALYZE ${table}`);
}

async function timeClaims(db: Db, v: Variant, claims: number): Promise<ClaimCell> {
  await Promise.all(Array.from({ length: CLAIMERS }, () => db.$queryRaw`SELECT 1`)); // open the pool first
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLAIMERS }, async () => {
    while (next < claims) {
      const orderId = claimOrder(next++);
      const t = performance.now();
      if ((await v.claim(db, orderId)) !== 1) throw new Error(`${v.name}: no key left for ${orderId}`);
      latencies.push(performance.now() - t);
    }
  }));
  return { claimsPerSecond: claims / ((performance.now() - started) / 1000), latency: percentiles(latencies) };
}
