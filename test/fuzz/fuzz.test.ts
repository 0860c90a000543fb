import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fuzzRoute } from '../../scripts/fuzz/campaign.js';
import { Harness } from '../../scripts/fuzz/harness.js';
import { send } from '../../scripts/fuzz/http.js';
import { describeFailures } from '../../scripts/fuzz/report.js';
import type { OpenApiDocument } from '../../scripts/fuzz/requests.js';
import { compareInventory, openApiRoutes, routeId, ROUTES } from '../../scripts/fuzz/routes.js';
import { freshDatabase, startTarget, type Target } from '../../scripts/fuzz/stack.js';

// The short version of `npm run fuzz`: the same generators, invariants and shrinking, a few runs
// per route, a fixed seed (KAMI_FUZZ_SEED / KAMI_FUZZ_RUNS change them). A database of its own: the
// "refused requests change nothing" check must not see other test files' rows move.
const RUNS = Number(process.env.KAMI_FUZZ_RUNS ?? 8);
const SEED = Number(process.env.KAMI_FUZZ_SEED ?? 20261128);

let database: Awaited<ReturnType<typeof freshDatabase>>;
let target: Target;
let harness: Harness;
let doc: OpenApiDocument;

beforeAll(async () => {
  database = await freshDatabase('kami_fuzz_test');
  target = await startTarget({ databaseUrl: database.url, temporalAddress: inject('temporalAddress'), workflowBundle: inject('workflowBundle') });
  harness = await Harness.create(target);
  doc = JSON.parse((await send(target.host, target.port, { method: 'GET', target: '/openapi.json', headers: [] }, 10_000)).text) as OpenApiDocument;
});
afterAll(async () => {
  await harness?.close();
  await target?.stop();
  await database?.drop();
});

describe('route inventory', () => {
  it('knows every route the app serves, and every path of the OpenAPI document', () => {
    const { unknown, stale } = compareInventory(target.app);
    const known = new Set(ROUTES.map(routeId));
    expect({ unknownToTheFuzzer: unknown, goneFromTheApp: stale, undocumentedInTheTable: openApiRoutes(doc).filter((r) => !known.has(r)) },
      'add new routes to scripts/fuzz/routes.ts (and drop removed ones) so no route escapes fuzzing')
      .toEqual({ unknownToTheFuzzer: [], goneFromTheApp: [], undocumentedInTheTable: [] });
  });
});

describe(`every route, fuzzed (${RUNS} runs each, seed ${SEED})`, () => {
  for (const [i, route] of ROUTES.entries()) {
    it(routeId(route), async () => {
      await harness.prepare();
      const r = await fuzzRoute(harness, route, doc, { runs: RUNS, seed: SEED + i, maxFailures: 1, maxShrinks: 30, timeLimitMs: 60_000 });
      expect(r.failures.map((f) => `${f.invariant}: ${f.detail}`), describeFailures(r.failures, '$KAMI')).toEqual([]);
    });
  }
});

describe('the harness', () => {
  it('set the shop up (before every route) through its ordinary flows (checkout, pay, review, cancel) without an error', () => {
    expect([...harness.seedProblems]).toEqual([]);
  });
});
