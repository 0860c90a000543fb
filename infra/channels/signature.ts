import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme of the partner API, both ways: partners sign their requests with it and Kami
 * signs its webhooks to them with it. Lowercase hex HMAC-SHA256, under the channel's secret, of
 *
 *   METHOD \n PATH (with its query string) \n TIMESTAMP (unix seconds) \n NONCE \n SHA256HEX(raw body)
 *
 * (an empty body hashes as the empty string). Headers: Kami-Key-Id, Kami-Timestamp, Kami-Nonce,
 * Kami-Signature. A request is good for SIGNATURE_WINDOW_S either side of the receiver's clock, and
 * its nonce only once (the receiver remembers nonces for that long).
 */
export const SIGNATURE_WINDOW_S = 300;

export const SIGNATURE_HEADERS = {
  keyId: 'kami-key-id', timestamp: 'kami-timestamp', nonce: 'kami-nonce', signature: 'kami-signature',
} as const;

/** A nonce is 16–64 characters of letters, digits, `-` and `_` (a UUID fits). */
export const NONCE_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;

export interface SignedParts {
  method: string;
  /** The request target as sent: path and query string, e.g. `/api/v1/partner/orders?wait=true`. */
  path: string;
  /** Unix seconds, as the decimal text sent in Kami-Timestamp. */
  timestamp: string;
  nonce: string;
  body: string | Uint8Array;
}

export const signatureBase = (p: SignedParts): string =>
  [p.method.toUpperCase(), p.path, p.timestamp, p.nonce, createHash('sha256').update(p.body).digest('hex')].join('\n');

export const sign = (secret: string, p: SignedParts): string => createHmac('sha256', secret).update(signatureBase(p)).digest('hex');

/** Whether `signature` is this request's, compared in constant time. */
export function signatureMatches(secret: string, p: SignedParts, signature: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(sign(secret, p), 'hex'), Buffer.from(signature, 'hex'));
}

/** Whether a Kami-Timestamp is within the window of `nowMs` (and is plain decimal unix seconds). */
export function timestampFresh(timestamp: string, nowMs = Date.now()): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(Number(timestamp) - Math.floor(nowMs / 1000)) <= SIGNATURE_WINDOW_S;
}

/** The four headers for an outgoing request (a webhook to a partner, or a partner's client in tests). */
export function signedHeaders(keyId: string, secret: string, r: { method: string; path: string; body: string | Uint8Array }, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = randomBytes(16).toString('base64url');
  return {
    [SIGNATURE_HEADERS.keyId]: keyId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: sign(secret, { ...r, timestamp, nonce }),
  };
}
