import { HttpError } from 'react-admin';

/** What the API answers, parsed: the shape ra-data-simple-rest expects from its httpClient. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
  json: any;
}

export type HttpClient = (url: string, options?: RequestInit) => Promise<HttpResponse>;

/** The CSRF token lives in memory only: a script-readable copy in storage would defeat its purpose. */
export interface Session {
  csrfToken: string | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Body of an API error response: `{ error: { code, message, details? } }`. */
interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

const isFieldErrors = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((m) => typeof m === 'string');

/**
 * Maps an API error onto react-admin's HttpError: `message` feeds notifications, `body.errors` feeds form
 * field errors (react-admin sets them on the inputs named like the keys), `body.code` lets screens react to
 * a specific refusal such as `not_awaiting_review`.
 */
export function toHttpError(status: number, statusText: string, json: unknown): HttpError {
  const err = (json as ApiErrorBody | undefined)?.error;
  const message = err?.message || statusText || `HTTP ${status}`;
  return new HttpError(message, status, {
    code: err?.code ?? null,
    ...(isFieldErrors(err?.details) ? { errors: err.details } : {}),
    details: err?.details ?? null,
  });
}

/**
 * fetch for the admin API: sends the session cookie, adds the CSRF header to every state-changing request,
 * parses JSON and turns error bodies into HttpError. `fetchImpl` lets node tests carry the cookie themselves.
 */
export function createHttpClient(session: Session, fetchImpl: typeof fetch = fetch): HttpClient {
  return async (url, options = {}) => {
    const method = (options.method ?? 'GET').toUpperCase();
    const headers = new Headers(options.headers);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    if (typeof options.body === 'string' && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    if (!SAFE_METHODS.has(method) && session.csrfToken) headers.set('X-CSRF-Token', session.csrfToken);

    const res = await fetchImpl(url, { ...options, method, headers, credentials: 'same-origin' });
    const body = await res.text();
    let json: unknown;
    if (body && res.headers.get('content-type')?.includes('json')) json = JSON.parse(body);
    if (!res.ok) throw toHttpError(res.status, res.statusText, json);
    return { status: res.status, headers: res.headers, body, json };
  };
}
