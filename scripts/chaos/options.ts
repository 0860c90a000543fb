import { parseArgs } from 'node:util';

export const FAULTS = ['worker', 'temporal', 'api', 'smtp', 'pg'] as const;
export type FaultKind = (typeof FAULTS)[number];

export interface ChaosOptions {
  quick: boolean;
  /** Orders in the stream (each plan entry is one buyer; a limit-hitting buyer tries twice). */
  orders: number;
  /** Buyers at most in checkout + payment at once (reads of the keys are not capped). */
  concurrency: number;
  /** Length of the fault phase in seconds; the stream is spread over it (orders / duration per second). */
  duration: number;
  faults: FaultKind[];
  /** Seconds between worker SIGKILLs (0: one kill only). */
  workerEvery: number;
  smtpDown: number;
  pgCut: number;
  /** Seconds Temporal and the API stay dead before they are started again. */
  temporalDown: number;
  apiDown: number;
  temporalSignal: 'SIGKILL' | 'SIGTERM';
  /** KAMI_PAYMENT_HOLD, e.g. 30s: unpaid orders expire during the run. */
  hold: string;
  holdMs: number;
  /** Longest wait after the stream for every order to settle, in seconds. */
  drain: number;
  /** A prebuilt workflow bundle instead of building one. */
  bundle?: string;
  json?: string;
  keepLogs: boolean;
  /** Admin URL the harness creates its database from and whose host:port the PostgreSQL proxy forwards to. */
  adminUrl: string;
}

export const USAGE = `npm run chaos -- [options]
  A stream of orders (routine, flagged for review, limit-hitting, out-of-stock, unpaid) against Kami run as in
  production (separate API and worker processes, a Temporal dev server on its SQLite file), while the harness
  SIGKILLs the worker, kills and restarts Temporal and the API, takes SMTP down and cuts PostgreSQL through a
  TCP proxy it controls. Prints what happened to every order and the recovery after each fault.

  --orders N           orders in the stream (default 2000; --quick 120)
  --concurrency C      buyers at most in checkout + payment at once (default 32; --quick 16)
  --duration S         seconds of the fault phase; the stream is spread over it (default 360; --quick 75)
  --faults LIST        which faults, comma-separated: ${FAULTS.join(',')} (default all)
  --worker-every S     seconds between worker SIGKILLs (default 15; 0 or --quick: one kill)
  --smtp-down S        seconds SMTP refuses connections (default 60; --quick 10)
  --pg-cut S           seconds the PostgreSQL proxy drops and refuses connections (default 30; --quick 5)
  --temporal-down S    seconds the Temporal server stays dead before its restart (default 20; --quick 3)
  --api-down S         seconds the API stays dead before its restart (default 3; --quick 2)
  --temporal-signal S  SIGKILL or SIGTERM for the Temporal server (default SIGKILL)
  --hold D             KAMI_PAYMENT_HOLD: unpaid orders expire after it (default 30s; --quick 15s)
  --drain S            longest wait after the stream for every order to settle (default 180; --quick 90)
  --bundle FILE        use this prebuilt workflow bundle (default: build one into the run's temp folder)
  --json FILE          also write the figures as JSON
  --keep-logs          keep the processes' logs (kept anyway when an invariant broke)
  --quick              short version: one fault of each kind, about 2 minutes
  --help               this text
Environment: KAMI_CHAOS_PG names the PostgreSQL admin URL (default postgresql://postgres@127.0.0.1:5432/postgres).
Exit code: 0 every invariant held, 1 an invariant broke (lost order, key sold twice, a 5xx other than 503, an
unpaid order not expired, paid_at not the first payment, …), 2 bad option.`;

const FLAGS = {
  orders: 'string', concurrency: 'string', duration: 'string', faults: 'string', 'worker-every': 'string', 'smtp-down': 'string',
  'pg-cut': 'string', 'temporal-down': 'string', 'api-down': 'string', 'temporal-signal': 'string', hold: 'string', drain: 'string',
  bundle: 'string', json: 'string', 'keep-logs': 'boolean', quick: 'boolean', help: 'boolean',
} as const;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;

export function parseOptions(argv: string[], env: Record<string, string | undefined>): ChaosOptions | 'help' {
  const { values } = parseArgs({ args: argv, options: Object.fromEntries(Object.entries(FLAGS).map(([k, type]) => [k, { type }])), strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const quick = values.quick === true;
  const num = (name: keyof typeof FLAGS, fallback: number, min: number, integer = true): number => {
    const v = values[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`--${name} expects ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${String(v)}"`);
    return n;
  };
  const faultsRaw = values.faults as string | undefined;
  const faults = faultsRaw === undefined ? [...FAULTS] : faultsRaw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of faults) if (!FAULTS.includes(f as FaultKind)) throw new Error(`--faults: unknown fault "${f}" (expected ${FAULTS.join(', ')})`);
  const signal = (values['temporal-signal'] as string | undefined) ?? 'SIGKILL';
  if (signal !== 'SIGKILL' && signal !== 'SIGTERM') throw new Error(`--temporal-signal expects SIGKILL or SIGTERM, got "${signal}"`);
  const hold = (values.hold as string | undefined) ?? (quick ? '15s' : '30s');
  const m = DURATION.exec(hold);
  if (!m) throw new Error(`--hold expects a duration such as 30s or 1m, got "${hold}"`);
  const holdMs = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  if (holdMs < 5000) throw new Error('--hold must be at least 5s (a buyer pays right after checkout)');

  const o: ChaosOptions = {
    quick,
    orders: num('orders', quick ? 120 : 2000, 20),
    concurrency: num('concurrency', quick ? 16 : 32, 1),
    duration: num('duration', quick ? 75 : 360, 20),
    faults: faults as FaultKind[],
    workerEvery: num('worker-every', quick ? 0 : 15, 0),
    smtpDown: num('smtp-down', quick ? 10 : 60, 1),
    pgCut: num('pg-cut', quick ? 5 : 30, 1),
    temporalDown: num('temporal-down', quick ? 3 : 20, 0),
    apiDown: num('api-down', quick ? 2 : 3, 0),
    temporalSignal: signal,
    hold,
    holdMs,
    drain: num('drain', quick ? 90 : 180, 10),
    bundle: values.bundle as string | undefined,
    json: values.json as string | undefined,
    keepLogs: values['keep-logs'] === true,
    adminUrl: env.KAMI_CHAOS_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  };
  if (o.workerEvery > 0 && o.workerEvery < 5) throw new Error('--worker-every must be 0 (one kill) or at least 5 seconds (a worker needs a few seconds to start)');
  return o;
}
