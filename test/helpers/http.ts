import { expect } from 'vitest';
import { signSandboxNotification, SIGNATURE_HEADER } from '../../infra/payments/sandbox.js';
import type { Kami } from './kami.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, otherwise the text. */
  body: any;
  text: string;
}

/** One HTTP call to a Kami; `raw` is sent verbatim (for malformed JSON), `body` as JSON. */
export async function call(
  kami: Pick<Kami, 'baseUrl'>, method: string, path: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string>; redirect?: RequestRedirect } = {},
): Promise<HttpAnswer> {
  const hasBody = opts.raw !== undefined || opts.body !== undefined;
  const res = await fetch(`${kami.baseUrl}${path}`, {
    method,
    redirect: opts.redirect ?? 'follow',
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const text = await res.text();
  let body: unknown = text;
  if (res.headers.get('content-type')?.includes('application/json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text };
}

/** What a product's stock and orders look like in the database right now. */
export async function stockState(kami: Pick<Kami, 'db'>, productId: string) {
  const [orders, available, reserved, sold] = await Promise.all([
    kami.db.order.count({ where: { productId } }),
    kami.db.cardKey.count({ where: { productId, status: 'available' } }),
    kami.db.cardKey.count({ where: { productId, status: 'reserved' } }),
    kami.db.cardKey.count({ where: { productId, status: 'sold' } }),
  ]);
  return { orders, available, reserved, sold };
}

/** Asserts an answer is the documented error shape with this status and code. */
export function expectError(res: HttpAnswer, status: number, code: string, what = '') {
  expect({ status: res.status, code: res.body?.error?.code }, `${what} → ${res.text.slice(0, 300)}`).toEqual({ status, code });
  expect(res.body.error.message).toEqual(expect.any(String));
  expect(res.body.error.message.length).toBeGreaterThan(0);
}

export interface SandboxPayload { orderId: string; txnId: string; amountCents: number; currency: string; paidAt: string }

/** A notification body that pays the order in full. */
export const paymentFor = (order: { orderId: string; amountDueCents: number; currency: string }, txnId = `txn_${order.orderId}`): SandboxPayload => ({
  orderId: order.orderId, txnId, amountCents: order.amountDueCents, currency: order.currency, paidAt: new Date().toISOString(),
});

/**
 * Sends a sandbox gateway callback. Signed with the Kami's real webhook secret unless `secret`,
 * `now` (signing clock), `signature` (verbatim header) or `unsigned` say otherwise.
 */
export async function notify(
  kami: Pick<Kami, 'baseUrl' | 'vault'>, payload: unknown,
  opts: { provider?: string; secret?: string; now?: number; signature?: string; unsigned?: boolean; signedBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const raw = JSON.stringify(payload);
  const headers: Record<string, string> = { ...opts.headers };
  if (!opts.unsigned) {
    headers[SIGNATURE_HEADER] = opts.signature
      ?? signSandboxNotification(opts.secret ?? kami.vault.sandboxWebhookSecret, opts.signedBody ?? raw, opts.now ?? Date.now());
  }
  return call(kami, 'POST', `/api/v1/payments/${opts.provider ?? 'sandbox'}/notify`, { raw, headers });
}
