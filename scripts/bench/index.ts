/**
 * `npm run bench`: Kami's order path against the synchronous-callback baseline most shops use, and
 * Kami's key claim against the textbook one, on a stack the bench starts and removes itself.
 * Exit code 1 when any key was sold twice (or any order failed), 0 otherwise.
 */
import { startBaselineTarget } from './baseline.js';
import { runClaimBench, type ClaimBench } from './claims.js';
import { runEndToEnd, type EndToEnd } from './e2e.js';
import { startKamiTarget } from './kami.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { renderReport } from './report.js';
import { startStack, type Stack } from './stack.js';
import type { Target } from './target.js';

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
 * Ctrl-C stops the buyers and lets every part close in order (pools before DROP DATABASE: a pool
 * whose database vanishes under it crashes the process). Later signals are ignored: npm and tsx
 * relay the same keypress again, and quitting then would leave the database behind.
 */
const interrupt = new AbortController();
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    if (interrupt.signal.aborted) return;
    say('Interrupted: stopping and cleaning up…');
    interrupt.abort(new Error('interrupted'));
  });
}

/** A few orders first, not counted: JIT, connection pools and the worker's cache warm up. */
async function measure(stack: Stack, start: (s: Stack, o: BenchOptions) => Promise<Target>, o: BenchOptions): Promise<EndToEnd> {
  const target = await start(stack, o);
  try {
    const warm = Math.min(50, Math.max(o.concurrency, Math.ceil(o.orders / 10)));
    say(`  warm-up: ${warm} orders (not counted)`);
    await runEndToEnd(stack, { ...target, history: undefined }, { ...o, orders: warm, flagged: 0 }, () => {}, interrupt.signal);
    return await runEndToEnd(stack, target, o, say, interrupt.signal);
  } finally {
    await target.stop();
  }
}

async function main(o: BenchOptions): Promise<number> {
  say(`Kami bench: ${o.orders} orders, ${o.concurrency} concurrent buyers, parts: ${o.phases.join(', ')}`);
  const stack = await startStack(o, say);
  try {
    const runs: EndToEnd[] = [];
    let claims: ClaimBench | undefined;
    if (o.phases.includes('kami')) runs.push(await measure(stack, startKamiTarget, o));
    if (o.phases.includes('baseline')) runs.push(await measure(stack, startBaselineTarget, o));
    if (o.phases.includes('claims')) {
      say('  key claim: resetting the stock to each fill level and timing the claims');
      claims = await runClaimBench(stack.databaseUrl, o, say, interrupt.signal);
    }
    say('');
    say(renderReport(o, runs, claims));
    const oversold = runs.filter((r) => !r.sales.ok);
    for (const r of oversold) console.error(`✖ ${r.name}: the sale check failed (see table 3)`);
    return oversold.length ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

main(options).then(
  (code) => process.exit(code),
  (err) => {
    if (interrupt.signal.aborted) {
      console.error('✖ interrupted; the bench database and server are removed');
      process.exit(130);
    }
    console.error(`✖ bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
