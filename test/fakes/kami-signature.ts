/**
 * How a partner or a merchant checks a request Kami sends them (webhooks, fulfilment and licence
 * calls), from README's recipe with node:crypto — never Kami's own code, so a fault in Kami's signer
 * cannot hide behind the same fault here: the key id names a secret, the timestamp is within 5
 * minutes, the nonce was never seen, and the signature is HMAC-SHA256 over
 * `POST\nPATH\nTIMESTAMP\nNONCE\nSHA256HEX(body)`.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A verifier remembering the nonces it accepted; `secretOf` gives a key id's secret (undefined: unknown). */
export function kamiSignatureVerifier(secretOf: (keyId: string) => string | undefined) {
  const nonces = new Set<string>();
  return (req: IncomingMessage, raw: string): boolean => {
    const h = (n: string) => String(req.headers[n] ?? '');
    const secret = secretOf(h('kami-key-id'));
    if (!secret) return false;
    if (Math.abs(Number(h('kami-timestamp')) - Date.now() / 1000) > 300 || nonces.has(h('kami-nonce'))) return false;
    const base = ['POST', req.url, h('kami-timestamp'), h('kami-nonce'), createHash('sha256').update(raw).digest('hex')].join('\n');
    const ok = createHmac('sha256', secret).update(base).digest('hex') === h('kami-signature');
    if (ok) nonces.add(h('kami-nonce'));
    return ok;
  };
}
