import { randomBytes } from 'node:crypto';
import type { Role } from '../../domain/admin-schemas.js';
import { createOperator as storeOperator, type OperatorRecord } from '../../infra/operators.js';
import type { Db } from '../../infra/db.js';

export interface AdminSession {
  /** `kami_session=…`, ready for a Cookie header. */
  cookie: string;
  csrfToken: string;
  operator: { id: string; email: string; name: string; role: Role };
}

export interface AdminAnswer { status: number; headers: Headers; body: any; text: string }

/** A fresh operator with a unique email and a known password. */
export async function createOperator(db: Db, opts: { role?: Role; email?: string; password?: string; name?: string } = {}): Promise<OperatorRecord & { password: string }> {
  const role = opts.role ?? 'operator';
  const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const email = opts.email ?? `${role}-${randomBytes(4).toString('hex')}@test.kami`;
  const op = await storeOperator(db, { email, name: opts.name ?? `Test ${role}`, role, password });
  return { ...op, password };
}

/** Signs in through the real endpoint; throws unless it answers 200. */
export async function login(baseUrl: string, email: string, password: string): Promise<AdminSession> {
  const res = await fetch(`${baseUrl}/admin/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${email} answered ${res.status}: ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('kami_session='));
  if (!cookie) throw new Error('login set no kami_session cookie');
  const body = await res.json() as { operator: AdminSession['operator']; csrfToken: string };
  return { cookie, csrfToken: body.csrfToken, operator: body.operator };
}

/** A new operator of `role`, signed in: { cookie, csrfToken, operator } for calling /admin/api. */
export async function loginAs(kami: { db: Db; baseUrl: string }, role: Role): Promise<AdminSession> {
  const op = await createOperator(kami.db, { role });
  return login(kami.baseUrl, op.email, op.password);
}

/**
 * Calls /admin/api<path> as `session` (cookie and CSRF header), or anonymously when session is null.
 * `csrf: false` leaves the CSRF header out.
 */
export async function adminCall(
  kami: { baseUrl: string }, session: AdminSession | null, method: string, path: string,
  opts: { body?: unknown; csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<AdminAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (session) {
    headers.cookie = session.cookie;
    if (opts.csrf !== false) headers['x-csrf-token'] = session.csrfToken;
  }
  const res = await fetch(`${kami.baseUrl}/admin/api${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  const body = res.headers.get('content-type')?.includes('application/json') ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body, text };
}

/** `?sort=…&range=…&filter=…` as ra-data-simple-rest builds it. */
export function listQuery(q: { sort?: [string, 'ASC' | 'DESC']; range?: [number, number]; filter?: Record<string, unknown> }): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, JSON.stringify(v));
  return `?${params}`;
}
