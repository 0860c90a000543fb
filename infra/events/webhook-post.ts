import { signedHeaders } from '../channels/signature.js';

/** One try at an endpoint, as recorded (webhook_attempt). */
export interface PostResult { ok: boolean; statusCode: number | null; error: string | null; excerpt: string | null; durationMs: number }

const EXCERPT_CHARS = 500;

/**
 * POSTs one signed webhook body: the partner API's own scheme (infra/channels/signature.ts) under the
 * channel's newest live key, over the exact bytes sent. Redirects are not followed (an endpoint that
 * moved is a failure the owner sees); only a 2xx counts as delivered. Never throws.
 */
export async function postWebhook(url: string, body: string, eventHeaders: Record<string, string>, key: { keyId: string; secret: string }, timeoutMs: number): Promise<PostResult> {
  const target = new URL(url);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Kami-Webhooks/1',
    ...eventHeaders,
    ...signedHeaders(key.keyId, key.secret, { method: 'POST', path: `${target.pathname}${target.search}`, body }),
  };
  const started = performance.now();
  try {
    const res = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text().catch(() => '');
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok, statusCode: res.status, excerpt: text.slice(0, EXCERPT_CHARS) || null, durationMs: Math.round(performance.now() - started),
      error: ok ? null : res.status >= 300 && res.status < 400 ? `redirected (HTTP ${res.status}) to ${res.headers.get('location') ?? '?'}; redirects are not followed` : `HTTP ${res.status}`,
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message;
    return { ok: false, statusCode: null, error, excerpt: null, durationMs: Math.round(performance.now() - started) };
  }
}
