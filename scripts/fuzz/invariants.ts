import { fileURLToPath } from 'node:url';
import type { Answer } from './http.js';

/** Which promise a response broke. */
export type Invariant =
  | 'server-error'   // status ≥ 500, or a 200 that carries an internal_error inside (bulk results)
  | 'no-answer'      // connection reset, or nothing within the timeout
  | 'leak'           // a stack trace, a source path or an internal error text in the body
  | 'error-shape'    // an error that is not {"error":{"code","message"}}
  | 'db-changed'     // a refused request changed the database
  | 'probe';         // an accepted request left the shop unable to list or sell a product

export interface Violation {
  invariant: Invariant;
  /** One line a person can act on. */
  detail: string;
  /** What makes two violations the same bug (for de-duplication across runs). */
  key: string;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Text that must never reach a client: it tells an attacker how Kami is built, or that it broke.
 * Stack frames and source paths nowhere; error class names and database messages not in errors
 * (an operator's order page may legitimately show why an email failed).
 */
const LEAKS_ANYWHERE: [RegExp, string][] = [
  [/\bat (?:async )?[\w$.<>[\] ]+ \((?:file:\/\/|\/|node:)[^)\n]*:\d+:\d+\)/, 'a stack frame'],
  [/^\s+at (?:file:\/\/|\/|node:)\S+:\d+:\d+$/m, 'a stack frame'],
  [new RegExp(escapeRe(REPO)), 'a path of the source tree'],
  [/node_modules[/\\]/, 'a node_modules path'],
];
const LEAKS_IN_ERRORS: [RegExp, string][] = [
  [/\b(?:PrismaClient\w*Error|ZodError|TypeError|RangeError|ReferenceError|SyntaxError|URIError|EvalError|AggregateError)\b/, 'an internal error class'],
  [/Invalid `[\w.]+\(\)` invocation|prisma\.\w+\.\w+\(|\$queryRaw/, 'a Prisma error'],
  [/\b(?:SQLSTATE|invalid input syntax for|violates (?:not-null|check|foreign key|unique|exclusion) constraint|out of range for type|invalid byte sequence for encoding|unsupported Unicode escape sequence|value too long for type|duplicate key value|syntax error at or near)\b/, 'a PostgreSQL error'],
  [/\bECONNREFUSED\b|\bgrpc\b|\b14 UNAVAILABLE\b/, 'a connection error'],
];

export function leaks(text: string, isError: boolean): string | undefined {
  for (const [re, what] of isError ? [...LEAKS_ANYWHERE, ...LEAKS_IN_ERRORS] : LEAKS_ANYWHERE) {
    const m = re.exec(text);
    if (m) return `${what}: …${text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40).replace(/\s+/g, ' ')}…`;
  }
  return undefined;
}

/** Numbers, ids and quoted values out of a message, so one bug gives one key whatever the input. */
export const normalise = (s: string) => s
  .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…')
  .replace(/\b[0-9a-f]{8}-[0-9a-f-]{27}\b/gi, '<uuid>')
  .replace(/\bord_\w+/g, '<order>')
  .replace(/\d+/g, 'N')
  .replace(/\s+/g, ' ')
  .slice(0, 120);

export interface CheckOptions {
  method: string;
  /** The route may answer errors as HTML pages. */
  html?: boolean;
  /** A timeout is the route's long poll holding the answer, not a hang. */
  longPoll?: boolean;
}

/** The checks every response must pass on its own (the database check needs the before/after state). */
export function checkAnswer(a: Answer, o: CheckOptions): Violation[] {
  const out: Violation[] = [];
  if (a.error) {
    if (a.timedOut && o.longPoll) return out;
    out.push({ invariant: 'no-answer', detail: a.error, key: `no-answer|${a.timedOut ? 'timeout' : normalise(a.error)}` });
    return out;
  }
  const type = String(a.headers['content-type'] ?? '');
  let json: unknown;
  if (/^application\/json/i.test(type)) {
    try { json = JSON.parse(a.text); } catch { json = undefined; }
  }
  if (a.status >= 500) {
    const code = (json as { error?: { code?: unknown } } | undefined)?.error?.code;
    out.push({ invariant: 'server-error', detail: `answered ${a.status}${code ? ` ${String(code)}` : ''}`, key: `server-error|${a.status}` });
  } else if (a.status < 300 && /"code"\s*:\s*"internal_error"/.test(a.text)) {
    out.push({ invariant: 'server-error', detail: `answered ${a.status} with an internal_error inside`, key: 'server-error|masked' });
  }
  const leak = leaks(a.text, a.status >= 400 || /"error"\s*:/.test(a.text.slice(0, 20)));
  if (leak) out.push({ invariant: 'leak', detail: `the body shows ${leak}`, key: `leak|${leak.split(':')[0]}` });
  // no x-request-id: Node's HTTP parser refused the request line or headers before Kami saw it
  if (a.status >= 400 && o.method !== 'HEAD' && !answeredByNode(a)) {
    const problem = errorShapeProblem(a.status, type, json, a.text, o.html);
    if (problem) out.push({ invariant: 'error-shape', detail: problem, key: `error-shape|${a.status}|${normalise(problem)}` });
  }
  return out;
}

/**
 * Kami's first middleware stamps every answer with x-request-id; an answer without one came from
 * Node's HTTP parser (raw non-ASCII bytes in the request line, a malformed header), outside the app.
 */
export const answeredByNode = (a: Answer) => !a.error && a.headers['x-request-id'] === undefined;

/** Why an error response is not the documented `{"error":{"code","message","details?"}}`, or undefined. */
export function errorShapeProblem(status: number, type: string, json: unknown, text: string, html?: boolean): string | undefined {
  if (html && /^text\/html/i.test(type)) return undefined;
  if (!/^application\/json/i.test(type)) return `a ${status} answered as ${type || 'no content type'}: ${JSON.stringify(text.slice(0, 120))}`;
  if (json === undefined) return `a ${status} whose body is not JSON: ${JSON.stringify(text.slice(0, 120))}`;
  const err = (json as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown } | undefined;
  if (!err || typeof err !== 'object') return `a ${status} without an "error" object: ${text.slice(0, 120)}`;
  if (typeof err.code !== 'string' || !err.code) return `a ${status} without error.code: ${text.slice(0, 120)}`;
  if (typeof err.message !== 'string' || !err.message) return `a ${status} without error.message: ${text.slice(0, 120)}`;
  const extra = Object.keys(json as object).filter((k) => k !== 'error');
  if (extra.length) return `a ${status} with fields besides "error": ${extra.join(', ')}`;
  return undefined;
}
