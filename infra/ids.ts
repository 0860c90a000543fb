import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Order ids sort by creation time (48-bit ms clock in 10 Crockford base32 characters) and carry 60
 * random bits: a 12-character tail, each character 5 bits of its own from a 64-bit crypto-random draw
 * (the top 4 bits are dropped; no bit is used twice).
 */
export function newOrderId(now = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  let bits = randomBytes(8).readBigUInt64BE();
  let tail = '';
  for (let i = 0; i < 12; i++, bits >>= 5n) tail += ALPHABET[Number(bits & 31n)];
  return `ord_${time}${tail}`;
}
