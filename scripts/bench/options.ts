import { parseArgs } from 'node:util';
import { THROUGHPUT_CONFIG } from '../lib/dev-server.js';

export const PARTS = ['kami', 'baseline', 'claims'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  quick: boolean;
  /** Closed-loop orders per round and shop. */
  orders: number;
  concurrency: number;
  /** Rounds per measurement and shop (the report shows the median round). */
  rounds: number;
  /** Orders per shop before the measured rounds (not counted). */
  warmup: number;
  /** Length of each open-loop round, and its offered rate as a fraction of Kami's measured max (or a fixed rate). */
  openSeconds: number;
  load: number;
  rate?: number;
  /** Orders per one-buyer-alone round. */
  alone: number;
  /** Orders of the SQL-counting pass (one buyer at a time, through the counting proxy). */
  countOrders: number;
  /** Keys per order. */
  quantity: number;
  /** Kami only: fraction of the closed-loop orders placed by flagged buyers (bulkQuantity + 1 keys → review → a merchant approves). */
  flagged: number;
  /** Kami only: place this many unpaid orders, then measure paid orders' latency and the worker's memory again (0 = skip). */
  unpaid: number;
  /** A buyer whose read came back at once without keys reads again after this long (before the API holds reads with ?wait). */
  pollMs: number;
  parts: Part[];
  claimStock: number;
  claims: number;
  /** Admin connection the bench creates its own database from (its name is replaced). */
  adminUrl: string;
  temporalDb: 'file' | 'memory';
  /** Passed to startDevServer: overrides of THROUGHPUT_CONFIG; a key set to undefined is dropped. */
  dynamicConfig: Record<string, string | number | boolean | undefined>;
  /** Also write the figures as JSON here. */
  json?: string;
}

const DYNAMIC_KEYS = Object.keys(THROUGHPUT_CONFIG);

export const USAGE = `npm run bench -- [options]   (each option also reads KAMI_BENCH_<NAME>, e.g. KAMI_BENCH_ORDERS=500)
  --orders N              closed-loop orders per round and shop (default 500; --quick: 60)
  --concurrency C         closed-loop buyers (default 32)
  --rounds R              rounds of each measurement per shop, interleaved; the median is reported (default 3)
  --warmup N              orders per shop before measuring, not counted (default 100; --quick: 30)
  --open-seconds S        length of each open-loop round (default 20; --quick: 6)
  --load F                open-loop offered rate as a fraction of Kami's measured max (default 0.5)
  --rate R                open-loop offered rate in orders/s instead (both shops)
  --alone N               orders per one-buyer-alone round (default 20; --quick: 8)
  --count-orders N        orders of the SQL-counting pass, one buyer at a time (default 30; --quick: 10)
  --quantity Q            keys per order (default 1)
  --flagged F             Kami only: fraction (0–1, default 0) of the closed-loop orders placed by flagged buyers who
                          order bulkQuantity + 1 keys (21), so they wait in review until a merchant, signed in through
                          the admin API, approves them (the bench polls the inbox every 200 ms)
  --unpaid N              Kami only: open N unpaid orders, then measure paid orders' latency (open loop, same rate) and
                          the worker's memory against the same measurement just before (default 0 = skip)
  --poll-ms MS            a read answered at once without keys is repeated after MS (default 20)
  --only kami,baseline,claims   run only these parts
  --quick                 smoke run: small rounds, 5,000-key claim stock, 300 claims per cell (about 2 minutes)
  --claim-stock K         keys in the claim benchmark's stock (default 20000)
  --claims K              claims timed per fill level and variant (default 1000; at most 10% of the stock)
  --temporal-db file|memory   the dev server's SQLite store: a temp file (default, as npm start) or in memory
  --dynamic-config-off KEY[,KEY]  drop these from the dev server's THROUGHPUT_CONFIG (full key or its last part):
                          ${DYNAMIC_KEYS.join(', ')}
  --dynamic-config KEY=VALUE  set a dev server dynamic config value (repeatable)
  --json FILE             also write the figures as JSON
  --help                  this text
Environment: KAMI_BENCH_PG names the PostgreSQL admin URL (default postgresql://postgres@127.0.0.1:5432/postgres).
Exit code: 0 ok, 1 a key sold twice or an order failed, 2 bad option.`;

const FLAGS = {
  orders: 'string', concurrency: 'string', rounds: 'string', warmup: 'string', 'open-seconds': 'string', load: 'string', rate: 'string',
  alone: 'string', 'count-orders': 'string', quantity: 'string', flagged: 'string', unpaid: 'string', 'poll-ms': 'string', only: 'string',
  quick: 'boolean', 'claim-stock': 'string', claims: 'string', 'temporal-db': 'string', 'dynamic-config-off': 'string',
  'dynamic-config': 'string', json: 'string', help: 'boolean',
} as const;

/** Flags win over KAMI_BENCH_* variables, which win over the defaults (smaller ones under --quick). */
export function parseOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.entries(FLAGS).map(([k, type]) => [k, k === 'dynamic-config' ? { type, multiple: true } : { type }])),
    strict: true, allowPositionals: false,
  });
  const envName = (name: string) => `KAMI_BENCH_${name.toUpperCase().replace(/-/g, '_')}`;
  const raw = (name: keyof typeof FLAGS): string | boolean | undefined => {
    const v = values[name];
    return (Array.isArray(v) ? v.at(-1) : v) ?? env[envName(name)];
  };
  if (raw('help')) return 'help';
  const quick = raw('quick') === true || raw('quick') === '1' || raw('quick') === 'true';
  const int = (name: keyof typeof FLAGS, fallback: number, min = 1): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const fraction = (name: keyof typeof FLAGS, fallback: number, min: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} expects a number between ${min} and ${max}, got "${v}"`);
    return n;
  };
  const only = raw('only');
  const parts = typeof only === 'string' ? only.split(',').map((p) => p.trim()) : [...PARTS];
  for (const p of parts) if (!PARTS.includes(p as Part)) throw new Error(`--only: unknown part "${p}" (expected ${PARTS.join(', ')})`);
  const temporalDb = raw('temporal-db') ?? 'file';
  if (temporalDb !== 'file' && temporalDb !== 'memory') throw new Error(`--temporal-db expects file or memory, got "${temporalDb}"`);
  const rateRaw = raw('rate');
  const rate = rateRaw === undefined ? undefined : fraction('rate', 0, 0.1, 100_000);

  const dynamicConfig: BenchOptions['dynamicConfig'] = {};
  const off = raw('dynamic-config-off');
  if (typeof off === 'string') {
    for (const name of off.split(',').map((s) => s.trim()).filter(Boolean)) {
      const key = DYNAMIC_KEYS.find((k) => k === name || k.endsWith(`.${name}`));
      if (!key) throw new Error(`--dynamic-config-off: "${name}" is not one of ${DYNAMIC_KEYS.join(', ')}`);
      dynamicConfig[key] = undefined;
    }
  }
  const sets = [...((values['dynamic-config'] as string[] | undefined) ?? []), ...(env[envName('dynamic-config')] ? [env[envName('dynamic-config')]!] : [])];
  for (const kv of sets) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new Error(`--dynamic-config expects KEY=VALUE, got "${kv}"`);
    const text = kv.slice(at + 1);
    let value: string | number | boolean = text;
    try { const parsed = JSON.parse(text); if (['string', 'number', 'boolean'].includes(typeof parsed)) value = parsed; } catch { /* a plain string */ }
    dynamicConfig[kv.slice(0, at)] = value;
  }

  const o: BenchOptions = {
    quick,
    orders: int('orders', quick ? 60 : 500),
    concurrency: int('concurrency', 32),
    rounds: int('rounds', 3),
    warmup: int('warmup', quick ? 30 : 100, 0),
    openSeconds: int('open-seconds', quick ? 6 : 20),
    load: fraction('load', 0.5, 0.01, 2),
    rate,
    alone: int('alone', quick ? 8 : 20),
    countOrders: int('count-orders', quick ? 10 : 30),
    quantity: int('quantity', 1),
    flagged: fraction('flagged', 0, 0, 1),
    unpaid: int('unpaid', 0, 0),
    pollMs: int('poll-ms', 20),
    parts: parts as Part[],
    claimStock: int('claim-stock', quick ? 5000 : 20_000, 100),
    claims: int('claims', quick ? 300 : 1000),
    adminUrl: env.KAMI_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    temporalDb,
    dynamicConfig,
    json: typeof raw('json') === 'string' ? (raw('json') as string) : undefined,
  };
  if (o.claims > o.claimStock * 0.1) throw new Error(`--claims ${o.claims} exceeds the stock left at 90% sold (${o.claimStock * 0.1} of --claim-stock ${o.claimStock})`);
  if ((o.flagged > 0 || o.unpaid > 0) && !o.parts.includes('kami')) throw new Error('--flagged and --unpaid measure Kami: keep kami in --only');
  return o;
}
