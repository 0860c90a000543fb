import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Failure, RouteResult } from './campaign.js';
import { curlOf, describeRequest } from './http.js';
import type { LoggedError } from './stack.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** Status counts as `200×12 400×80`, lowest status first. */
export const statusLine = (m: Map<string, number>) =>
  [...m].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([s, n]) => `${s}×${n}`).join(' ');

/** One row per route: requests, statuses seen, failures. */
export function table(results: RouteResult[]): string {
  const w = Math.max(5, ...results.map((r) => r.route.length));
  const lines = [`${pad('route', w)}  ${pad('requests', 8)}  ${pad('failures', 8)}  ${pad('time', 6)}  statuses seen`];
  lines.push('-'.repeat(Math.min(160, w + 40 + 30)));
  for (const r of results) {
    const fails = r.failures.length || r.alsoSeen.size ? `${r.failures.length}${r.alsoSeen.size ? `+${r.alsoSeen.size}` : ''} ✗` : '0';
    lines.push(`${pad(r.route, w)}  ${pad(String(r.requests), 8)}  ${pad(fails, 8)}  ${pad(`${(r.ms / 1000).toFixed(1)}s`, 6)}  ${statusLine(r.statuses)}`);
  }
  const total = results.reduce((n, r) => n + r.requests, 0);
  const failures = results.reduce((n, r) => n + r.failures.length, 0);
  const fivexx = results.reduce((n, r) => n + [...r.statuses].filter(([s]) => /^5/.test(s)).reduce((a, [, c]) => a + c, 0), 0);
  lines.push('-'.repeat(Math.min(160, w + 40 + 30)));
  lines.push(`${results.length} routes, ${total} requests, ${fivexx} answers ≥ 500, ${failures} distinct failures`
    + (results.some((r) => r.alsoSeen.size) ? ' (failures "n+m": n new on the route, m of a kind found on an earlier route)' : ''));
  return lines.join('\n');
}

/**
 * An error as Kami logged it, in one line: its class and code, and the line that says what went
 * wrong (Prisma puts the database's message last, after the call and source excerpt).
 */
export function causeOf(e: LoggedError): string {
  const lines = (e.message ?? e.msg).split('\n').map((l) => l.trim()).filter(Boolean);
  const what = lines.find((l) => /Message:/.test(l)) ?? lines.find((l) => /out of range|invalid byte|unsupported|failed|refused|too long|violates/i.test(l)) ?? lines[0] ?? '';
  const where = lines.find((l) => /^Invalid `.+` invocation/.test(l));
  return [e.type, e.code, what, where && what !== where ? `(${where.replace(/ in$/, '')})` : ''].filter(Boolean).join(' ').replace(/\s+/g, ' ');
}

/** The same cause on several routes is one bug to fix: failures grouped by what broke and why. */
export function byCause(failures: Failure[], results: RouteResult[] = []): string {
  const groups = new Map<string, Failure[]>();
  for (const f of failures) groups.set(f.key, [...(groups.get(f.key) ?? []), f]);
  const rows = [...groups].map(([key, fs]) => {
    const f = fs[0]!;
    const logged = f.outcome.logged ? causeOf(f.outcome.logged).slice(0, 220) : '';
    const cause = f.invariant === 'server-error' && logged ? logged : [f.detail.slice(0, 160), logged].filter(Boolean).join(' — ');
    const routes = [...new Set([...fs.map((x) => x.route), ...results.filter((r) => r.alsoSeen.has(key)).map((r) => r.route)])];
    return { routes, f, cause };
  }).sort((a, b) => b.routes.length - a.routes.length).map(({ routes, f, cause }) => {
    return `  ${f.invariant} — ${cause}\n      on ${routes.length} route(s): ${routes.slice(0, 6).join(', ')}${routes.length > 6 ? ', …' : ''}`;
  });
  return `${groups.size} distinct problem(s), by cause:\n${rows.join('\n')}`;
}

const SECRETS_NOTE = [
  'Variables in the curl lines: $OWNER_SESSION / $OWNER_CSRF — sign in as an owner (POST /admin/api/auth/login) and use the',
  'kami_session cookie and the csrfToken it returns ($VIEWER_… the same for a viewer); $ORDER_TOKEN — the accessToken of the',
  "order in the path; $SIGNATURE — Kami-Signature t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the sandbox webhook secret>;",
  '$PARTNER_KEY_ID/$TIMESTAMP/$NONCE/$PARTNER_SIGNATURE — a partner channel\'s key and a fresh signature (api/partner/auth.ts recipe).',
  'Order, product, key and batch ids are rows of the fuzzer\'s own database: use ids of the same kind from yours.',
].join('\n');

/** A failure as a person reads it: what broke, the minimal request, a curl line, the answer and Kami's log. */
export function describeFailure(f: Failure, baseUrl: string, bodyFile?: string): string {
  const { outcome: o } = f;
  const lines = [
    `✗ ${f.route} — ${f.invariant}: ${f.detail}`,
    `  ${f.shrunk ? `minimal request (shrunk ${f.numShrinks} times, fast-check seed ${f.seed})` : 'request (found while shrinking another failure; not shrunk)'}:`,
    ...describeRequest(o.wire).split('\n').map((l) => `    ${l}`),
    '  reproduce:',
    `    ${curlOf(baseUrl, o.wire, bodyFile)}`,
    `  answer: ${o.answer.error ?? o.answer.status} ${o.answer.text.slice(0, 300).replace(/\s+/g, ' ')}`,
  ];
  if (o.logged) {
    lines.push(`  Kami logged: ${causeOf(o.logged).slice(0, 400)}`);
    const frame = o.logged.stack?.split('\n').find((l) => /^\s+at /.test(l) && !l.includes('node_modules') && !l.includes('node:'));
    if (frame) lines.push(`  first frame in Kami: ${frame.trim()}`);
  }
  return lines.join('\n');
}

export function describeFailures(failures: Failure[], baseUrl: string, dir?: string): string {
  if (!failures.length) return 'No broken invariant.';
  const parts = failures.map((f, i) => {
    let bodyFile: string | undefined;
    if (dir && f.outcome.wire.body && f.outcome.wire.body.length > 4096) {
      bodyFile = join(dir, `failure-${i + 1}.body`);
      writeFileSync(bodyFile, f.outcome.wire.body);
    }
    return describeFailure(f, baseUrl, bodyFile);
  });
  return [...parts, '', SECRETS_NOTE].join('\n\n');
}

/** Everything about the failures as JSON (bodies base64), for tools and for replaying by hand. */
export function failuresJson(failures: Failure[]) {
  return failures.map((f) => ({
    route: f.route, invariant: f.invariant, detail: f.detail, shrunk: f.shrunk, numShrinks: f.numShrinks, seed: f.seed,
    request: { method: f.outcome.wire.method, target: f.outcome.wire.target, headers: f.outcome.wire.headers.map(([k, v]) => [k, f.outcome.wire.secrets?.[k.toLowerCase()] ?? v]), bodyBase64: f.outcome.wire.body?.toString('base64') ?? null },
    answer: { status: f.outcome.answer.status, error: f.outcome.answer.error ?? null, body: f.outcome.answer.text.slice(0, 2000) },
    logged: f.outcome.logged ?? null,
  }));
}
