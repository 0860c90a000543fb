import { parseArgs } from 'node:util';

export const PHASES = ['kami', 'baseline', 'claims'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  orders: number;
  concurrency: number;
  /** Keys per order. */
  quantity: number;
  /**
   * Kami only: this fraction of the orders is placed by "flagged" buyers who order more than the default
   * rules' bulk threshold, so the order waits in review until the bench's simulated merchant approves it.
   */
  flagged: number;
  /** Keys in the stock for the claim benchmark, and claims timed per fill level. */
  claimStock: number;
  claims: number;
  phases: Phase[];
  /** PostgreSQL pool sizes of the in-process API and worker (production: 20 and 10). */
  apiPool: number;
  workerPool: number;
  /** Worker tuning; undefined keeps the SDK default. */
  workflowTaskSlots?: number;
  workflowTaskPollers?: number;
  maxCachedWorkflows?: number;
  localActivitySlots?: number;
  /** Database the bench creates its own database from (its name is replaced). */
  adminUrl: string;
  /** Attach to this Temporal server instead of starting a dev server. */
  temporalAddress?: string;
  /** Where the dev server keeps its state: a SQLite file in a temp folder (as `npm start`), or SQLite in memory. */
  temporalDb: 'file' | 'memory';
}

const USAGE = `npm run bench -- [options]   (each option also reads KAMI_BENCH_<NAME>, e.g. KAMI_BENCH_ORDERS=500)
  --orders N              orders per end-to-end run (default 1000; --quick: 100)
  --concurrency C         concurrent buyers (default 32)
  --quantity Q            keys per order (default 1)
  --flagged F             Kami only: fraction of orders (0–1, default 0) placed by flagged buyers who order
                          bulkQuantity + 1 keys (21), so they wait in review until a simulated merchant,
                          signed in through the admin API, approves them (it polls the inbox every 200 ms)
  --quick                 small run for CI smoke: 100 orders, 5,000-key claim stock, 300 claims per cell
  --only kami,baseline,claims   run only these parts
  --claim-stock K         keys in the claim benchmark's stock (default 20000)
  --claims K              claims timed per fill level and variant (default 1000; at most 10% of the stock)
  --api-pool P            PostgreSQL pool of the in-process API (default 20, as api/main.ts)
  --worker-pool P         PostgreSQL pool of the in-process worker (default 10, as worker/main.ts)
  --wft-slots N           Worker maxConcurrentWorkflowTaskExecutions (SDK default 40)
  --wft-pollers N         Worker workflow task pollers (SDK default min(10, slots))
  --cache N               Worker maxCachedWorkflows (SDK default: from heap size)
  --la-slots N            Worker maxConcurrentLocalActivityExecutions (SDK default 100)
  --temporal-db file|memory   the dev server's SQLite store: a temp file (default, as npm start) or in memory
Environment: TEMPORAL_ADDRESS attaches to a running server (with Kami's search attributes registered);
KAMI_BENCH_PG is the admin URL used to create and drop the bench database.`;

const FLAGS = {
  orders: 'string', concurrency: 'string', quantity: 'string', flagged: 'string', quick: 'boolean', only: 'string',
  'claim-stock': 'string', claims: 'string', 'api-pool': 'string', 'worker-pool': 'string',
  'wft-slots': 'string', 'wft-pollers': 'string', cache: 'string', 'la-slots': 'string', 'temporal-db': 'string', help: 'boolean',
} as const;

/** Flags win over KAMI_BENCH_* variables, which win over the defaults (smaller ones under --quick). */
export function parseOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions | 'help' {
  const { values } = parseArgs({ args: argv, options: Object.fromEntries(Object.entries(FLAGS).map(([k, type]) => [k, { type }])), strict: true });
  const raw = (name: keyof typeof FLAGS): string | boolean | undefined =>
    values[name] ?? env[`KAMI_BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  if (raw('help')) return 'help';
  const quick = raw('quick') === true || raw('quick') === '1' || raw('quick') === 'true';
  const int = (name: keyof typeof FLAGS, fallback: number | undefined, min = 1): number | undefined => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const only = raw('only');
  const phases = typeof only === 'string' ? only.split(',').map((p) => p.trim()) : [...PHASES];
  for (const p of phases) if (!PHASES.includes(p as Phase)) throw new Error(`--only: unknown part "${p}" (expected ${PHASES.join(', ')})`);
  const temporalDb = raw('temporal-db') ?? 'file';
  if (temporalDb !== 'file' && temporalDb !== 'memory') throw new Error(`--temporal-db expects file or memory, got "${temporalDb}"`);
  const flaggedRaw = raw('flagged');
  const flagged = flaggedRaw === undefined ? 0 : Number(flaggedRaw);
  if (!Number.isFinite(flagged) || flagged < 0 || flagged > 1) throw new Error(`--flagged expects a fraction between 0 and 1, got "${flaggedRaw}"`);
  return {
    orders: int('orders', quick ? 100 : 1000)!,
    concurrency: int('concurrency', 32)!,
    quantity: int('quantity', 1)!,
    flagged,
    claimStock: int('claim-stock', quick ? 5000 : 20_000, 100)!,
    claims: int('claims', quick ? 300 : 1000)!,
    phases: phases as Phase[],
    apiPool: int('api-pool', 20)!,
    workerPool: int('worker-pool', 10)!,
    workflowTaskSlots: int('wft-slots', undefined, 2),
    workflowTaskPollers: int('wft-pollers', undefined, 2),
    maxCachedWorkflows: int('cache', undefined, 0),
    localActivitySlots: int('la-slots', undefined),
    adminUrl: env.KAMI_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    temporalAddress: env.TEMPORAL_ADDRESS,
    temporalDb,
  };
}

export { USAGE };
