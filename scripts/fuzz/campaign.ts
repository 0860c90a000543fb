import fc from 'fast-check';
import type { Harness, Outcome } from './harness.js';
import { answeredByNode, type Invariant } from './invariants.js';
import { requestArb, routeInputs, type OpenApiDocument } from './requests.js';
import { routeId, type RouteSpec } from './routes.js';

/** One distinct broken invariant on a route, with the smallest request fast-check shrank it to. */
export interface Failure {
  route: string;
  invariant: Invariant;
  detail: string;
  key: string;
  outcome: Outcome;
  /** false: seen while shrinking another failure, reported as it was found. */
  shrunk: boolean;
  numShrinks: number;
  seed: number;
}

export interface RouteResult {
  route: string;
  /** Generated requests sent (shrinking included; probes, replays and seeding not). */
  requests: number;
  statuses: Map<string, number>;
  failures: Failure[];
  /** Keys of failures found on earlier routes that this route showed too. */
  alsoSeen: Set<string>;
  ms: number;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Requests spent shrinking one failure at most. */
  maxShrinks?: number;
  /** Distinct failures looked for per route before moving on. */
  maxFailures?: number;
  /** Wall-clock budget for the route, shrinking included (default 10 minutes). */
  timeLimitMs?: number;
  /**
   * Failures already found on other routes, by key (shared across a campaign): seen again here they
   * are counted in `alsoSeen`, not shrunk again, and leave the budget to new kinds. Leave it out to
   * judge the route on its own (the test does).
   */
  known?: Map<string, Failure>;
}

class FoundViolation extends Error {}

const statusOf = (o: Outcome) => (o.answer.timedOut ? 'held/timeout' : o.answer.error ? 'no answer'
  : answeredByNode(o.answer) ? `${o.answer.status}(node)` : String(o.answer.status));

/**
 * Fuzzes one route with fast-check: `runs` generated requests, every invariant checked on each.
 * The first violation of a kind not seen yet is shrunk (only requests that break that same
 * invariant in the same way count as failing while shrinking); then the search goes on with the
 * remaining runs and a new seed, that kind now known, until the runs are spent.
 */
export async function fuzzRoute(h: Harness, route: RouteSpec, doc: OpenApiDocument, o: FuzzOptions): Promise<RouteResult> {
  const started = Date.now();
  const inputs = routeInputs(route, doc);
  const maxShrinks = o.maxShrinks ?? 120;
  const maxFailures = o.maxFailures ?? 4;
  const result: RouteResult = { route: routeId(route), requests: 0, statuses: new Map(), failures: [], alsoSeen: new Set(), ms: 0 };
  const shared = o.known ?? new Map<string, Failure>();
  const known = new Set<string>();
  const extra = new Map<string, Failure>();
  let remaining = o.runs;
  const deadline = started + (o.timeLimitMs ?? 600_000);

  for (let round = 0; remaining > 0 && result.failures.length < maxFailures && Date.now() < deadline; round++) {
    // a bound on shrinking: a 70,000-character string alone has more shrink candidates than a run has time for
    const arb = fc.limitShrink(requestArb(route, inputs, h.pools), maxShrinks);
    let target: string | undefined;
    let last: Outcome | undefined;
    let generated = 0;
    let shrinks = 0;
    const seed = o.seed + round * 7919;
    const property = fc.asyncProperty(arb, async (gen) => {
      if (target === undefined) generated++;
      else if (shrinks++ >= maxShrinks) return true; // fast-check still offers candidates: pass them unsent
      const out = await h.execute(route, gen);
      result.requests++;
      const s = statusOf(out);
      result.statuses.set(s, (result.statuses.get(s) ?? 0) + 1);
      for (const v of out.violations) if (shared.has(v.key) && !known.has(v.key)) result.alsoSeen.add(v.key);
      const fresh = out.violations.filter((v) => !known.has(v.key) && !shared.has(v.key));
      if (target === undefined && fresh.length) target = fresh[0]!.key;
      for (const v of fresh) {
        if (v.key !== target && !extra.has(v.key)) {
          extra.set(v.key, { route: result.route, invariant: v.invariant, detail: v.detail, key: v.key, outcome: out, shrunk: false, numShrinks: 0, seed });
        }
      }
      if (target !== undefined && out.violations.some((v) => v.key === target)) {
        last = out;
        throw new FoundViolation(target);
      }
      return true;
    });
    const details = await fc.check(property, { numRuns: remaining, seed, interruptAfterTimeLimit: Math.max(1000, deadline - Date.now()) });
    remaining -= generated;
    // interrupted while shrinking: the smallest failing request so far is still a finding
    if (!last || target === undefined) break;
    const v = last.violations.find((x) => x.key === target)!;
    known.add(target);
    extra.delete(target);
    result.failures.push({ route: result.route, invariant: v.invariant, detail: v.detail, key: v.key, outcome: last, shrunk: true, numShrinks: details.numShrinks, seed });
    await h.refreshPools();
  }
  for (const [key, f] of extra) if (!known.has(key) && !shared.has(key)) result.failures.push(f);
  if (o.known) for (const f of result.failures) if (!o.known.has(f.key)) o.known.set(f.key, f);
  result.ms = Date.now() - started;
  return result;
}
