import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a decision proof binds together. */
export interface DecisionProofFields { orderId: string; action: 'approve' | 'reject'; operatorId: string; sessionId: string; issuedAt: number }

/** Card-key encryption (AES-256-GCM) and keyed fingerprints, both derived from the master key. */
export function createKeyVault(masterKey: Buffer) {
  if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `kami:${label}`, 32));
  const encKey = derive('card-key-encryption:v1');
  const fpKey = derive('card-key-fingerprint:v1');
  const webhookKey = derive('sandbox-webhook:v1');
  const tokenKey = derive('order-access-token:v1');
  const decisionKey = derive('operator-decision:v1');
  const decisionMac = (p: DecisionProofFields) =>
    createHmac('sha256', decisionKey).update(JSON.stringify([p.orderId, p.action, p.operatorId, p.sessionId, p.issuedAt])).digest('hex');
  const orderAccessToken = (orderId: string) => createHmac('sha256', tokenKey).update(orderId).digest('base64url');

  return {
    /** iv ‖ tag ‖ ciphertext; the product id is bound as associated data so rows cannot be swapped. */
    encrypt(secret: string, productId: string): Uint8Array<ArrayBuffer> {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(Buffer.from(productId));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body]));
    },
    decrypt(blob: Uint8Array, productId: string): string {
      const buf = Buffer.from(blob);
      const decipher = createDecipheriv('aes-256-gcm', encKey, buf.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(productId));
      decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
    /** Same text (ignoring surrounding whitespace) → same fingerprint; without the master key it reveals nothing. */
    fingerprint(secret: string): string {
      return createHmac('sha256', fpKey).update(secret.trim()).digest('hex');
    },
    /**
     * The buyer's bearer token for one order. Derived, not stored: a retried checkout returns the same
     * token, and a leaked database reveals none.
     */
    orderAccessToken,
    verifyOrderAccessToken(orderId: string, token: string): boolean {
      const expected = Buffer.from(orderAccessToken(orderId));
      const given = Buffer.from(token);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
    /** Secret for the built-in sandbox payment provider's webhook signatures. */
    sandboxWebhookSecret: webhookKey.toString('hex'),
    /**
     * Proof that the API issued a decision for a signed-in operator: the workflow records a decision
     * only with one, so an Update typed into the Temporal UI (which anyone reaching it can send)
     * decides nothing. Bound to the order, the action, the operator and the session.
     */
    decisionProof: (p: DecisionProofFields): string => decisionMac(p),
    verifyDecisionProof(p: DecisionProofFields, mac: string): boolean {
      return /^[0-9a-f]{64}$/.test(mac) && safeEqualHex(mac, decisionMac(p));
    },
  };
}
export type KeyVault = ReturnType<typeof createKeyVault>;

/** Below this many characters a key gets no hint: four of them would be a meaningful part of it. */
export const KEY_HINT_MIN_LENGTH = 12;

/**
 * Last four characters of a key (…ABCD), so an operator can tell keys apart without seeing them; empty
 * for a key shorter than KEY_HINT_MIN_LENGTH characters (a PIN, a short code).
 */
export function keyHint(secret: string): string {
  const chars = [...secret.trim()];
  return chars.length < KEY_HINT_MIN_LENGTH ? '' : `…${chars.slice(-4).join('')}`;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export function hmacSha256Hex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
