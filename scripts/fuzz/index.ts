/**
 * `npm run fuzz`: property-based fuzzing of every public and admin route (fast-check over the zod
 * schemas, the OpenAPI document and raw bytes). Invariants: no answer ≥ 500, no stack trace or
 * internal error text in a body, errors shaped {"error":{"code","message"}}, and a refused request
 * leaves the database as it was. Prints a table per route and every failure shrunk to a minimal
 * request with a curl line; exits 1 on any broken invariant or on a route the fuzzer does not know.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { fuzzRoute, type Failure, type RouteResult } from './campaign.js';
import { Harness } from './harness.js';
import { send } from './http.js';
import { byCause, describeFailures, failuresJson, table } from './report.js';
import type { OpenApiDocument } from './requests.js';
import { compareInventory, openApiRoutes, routeId, ROUTES } from './routes.js';
import { startFuzzStack } from './stack.js';

export const USAGE = `npm run fuzz -- [options]
  --runs N          generated requests per route (default 100: 10–15 minutes on 2 cores for the ${ROUTES.length} routes)
  --seed S          fast-check seed (default: random, printed); with --route, replays a reported failure's search
  --route PATTERN   only routes whose "METHOD /path" contains PATTERN (case-insensitive; a /regex/ works too); repeatable
  --max-failures N  new kinds of failure to look for per route (default 6; kinds found on earlier routes are only counted)
  --json FILE       also write the results and failures as JSON
  --list            list the routes the fuzzer knows and exit
  --help            this text

Starts its own stack (Temporal dev server on a temp SQLite file, a fresh PostgreSQL database dropped at the end,
Kami's API and worker in this process) and exits 1 when any invariant broke.`;

export interface FuzzCliOptions { runs: number; seed: number; routes: string[]; maxFailures: number; json?: string; list: boolean }

export function parseOptions(argv: string[]): FuzzCliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' }, seed: { type: 'string' }, route: { type: 'string', multiple: true }, 'max-failures': { type: 'string' },
      json: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const int = (name: string, v: string | undefined, dflt: number, min = 1) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} expects an integer ≥ ${min}, not "${v}"`);
    return n;
  };
  return {
    runs: int('runs', values.runs, 100),
    seed: int('seed', values.seed, Math.floor(Math.random() * 2 ** 31), -(2 ** 31)),
    routes: values.route ?? [],
    maxFailures: int('max-failures', values['max-failures'], 6),
    json: values.json,
    list: Boolean(values.list),
  };
}

/** Does "METHOD /path" match one of the --route patterns (substring, or /regex/)? */
export function routeMatches(id: string, patterns: string[]): boolean {
  if (!patterns.length) return true;
  return patterns.some((p) => {
    const re = p.match(/^\/(.+)\/([a-z]*)$/);
    return re ? new RegExp(re[1]!, re[2] || 'i').test(id) : id.toLowerCase().includes(p.toLowerCase());
  });
}

async function main(): Promise<number> {
  let o: FuzzCliOptions | 'help';
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  const routes = ROUTES.filter((r) => routeMatches(routeId(r), o.routes));
  if (o.list) {
    for (const r of ROUTES) console.log(`${routeMatches(routeId(r), o.routes) ? '•' : ' '} ${routeId(r)}  (${r.area}, ${r.auth})`);
    return 0;
  }
  if (!routes.length) {
    console.error(`no route matches ${o.routes.join(', ')}; npm run fuzz -- --list shows them`);
    return 2;
  }

  const say = (line: string) => console.log(`[fuzz] ${line}`);
  say(`seed ${o.seed}, ${o.runs} runs per route, ${routes.length} routes`);
  const { target, stop } = await startFuzzStack(say);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    console.error('\n[fuzz] interrupted: stopping the stack');
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let broken = false;
  const results: RouteResult[] = [];
  const failures: Failure[] = [];
  try {
    // the inventory: every route the app serves must be in the table, and the OpenAPI document's too
    const inventory = compareInventory(target.app);
    const docAnswer = await send(target.host, target.port, { method: 'GET', target: '/openapi.json', headers: [] }, 10_000);
    const doc = JSON.parse(docAnswer.text) as OpenApiDocument;
    const known = new Set(ROUTES.map(routeId));
    const undocumented = openApiRoutes(doc).filter((r) => !known.has(r));
    if (inventory.unknown.length || inventory.stale.length || undocumented.length) {
      broken = true;
      if (inventory.unknown.length) console.log(`✗ routes the app serves that the fuzzer does not know (add them to scripts/fuzz/routes.ts):\n  ${inventory.unknown.join('\n  ')}`);
      if (undocumented.length) console.log(`✗ OpenAPI paths the fuzzer does not know:\n  ${undocumented.join('\n  ')}`);
      if (inventory.stale.length) console.log(`✗ routes in scripts/fuzz/routes.ts the app no longer serves:\n  ${inventory.stale.join('\n  ')}`);
    } else say(`inventory: the ${inventory.served.length} routes the app serves are all known`);
    if (inventory.notHere.length) say(`not served in this configuration (fuzzed anyway: expect 404s): ${inventory.notHere.join(', ')}`);

    const harness = await Harness.create(target);
    const found = new Map<string, Failure>();
    try {
      for (const [i, route] of routes.entries()) {
        const prepared = Date.now();
        await harness.prepare();
        const prepareMs = Date.now() - prepared;
        const r = await fuzzRoute(harness, route, doc, { runs: o.runs, seed: o.seed + i, maxFailures: o.maxFailures, known: found });
        results.push(r);
        failures.push(...r.failures);
        say(`${String(i + 1).padStart(2)}/${routes.length} ${r.route}: ${r.requests} requests in ${(r.ms / 1000).toFixed(1)}s (reset ${(prepareMs / 1000).toFixed(1)}s), ${r.failures.length ? `${r.failures.length} FAILURE(S)` : 'ok'}${r.alsoSeen.size ? ` (+${r.alsoSeen.size} of a kind found before)` : ''}`);
      }
      if (harness.seedProblems.size) {
        broken = true;
        console.log(`✗ the shop's ordinary flows failed while the fuzzer set it up (each is a bug, and the fuzzing missed that state):\n  ${[...harness.seedProblems].join('\n  ')}`);
      }
      if (harness.restless.length) say(`${harness.restless.length} accepted request(s) left the worker writing for over 10 s: ${[...new Set(harness.restless)].slice(0, 5).join('; ')}`);
      if (harness.stuck.size) say(`work that stayed pending while the database was quiet: ${[...harness.stuck].slice(0, 5).join('; ')}`);
      if (harness.noise.length) say(`${harness.noise.length} refused request(s) saw the database move but not on replay (background work): ${harness.noise.slice(0, 3).join('; ')}`);
    } finally {
      await harness.close();
    }
  } finally {
    console.log(`\n${table(results)}\n`);
    if (failures.length) console.log(`${byCause(failures, results)}\n`);
    const dir = join(tmpdir(), `kami-fuzz-failures-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    if (failures.some((f) => (f.outcome.wire.body?.length ?? 0) > 4096)) mkdirSync(dir, { recursive: true });
    console.log(describeFailures(failures, '$KAMI', failures.some((f) => (f.outcome.wire.body?.length ?? 0) > 4096) ? dir : undefined));
    if (failures.length) console.log('\n($KAMI is your Kami\'s base URL, e.g. KAMI=http://localhost:3000)');
    if (o.json) writeFileSync(o.json, JSON.stringify({ seed: o.seed, runs: o.runs, results: results.map((r) => ({ ...r, statuses: Object.fromEntries(r.statuses), failures: undefined })), failures: failuresJson(failures) }, null, 2));
    await stop();
  }
  if (failures.length) broken = true;
  say(broken ? `FAILED: ${failures.length} broken invariant(s)${o.routes.length ? '' : ''}; seed ${o.seed}` : `passed: no broken invariant (seed ${o.seed})`);
  return broken ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // the Temporal SDK logs every worker state change; the fuzzer's output is its table
  Runtime.install({ logger: new DefaultLogger(process.env.KAMI_FUZZ_WORKER_LOG === '1' ? 'WARN' : 'ERROR') });
  process.exitCode = await main().catch((err: unknown) => {
    console.error('[fuzz] the run itself failed:', err);
    return 2;
  });
  // the Temporal native runtime keeps the event loop alive; everything is stopped by now
  setTimeout(() => process.exit(process.exitCode), 1000).unref();
}
