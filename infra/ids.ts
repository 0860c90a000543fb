import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Order ids sort by creation time (48-bit ms clock, Crockford base32) and carry 60 random bits. */
export function newOrderId(now = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  const rnd = randomBytes(8);
  let tail = '';
  for (let i = 0; i < 12; i++) tail += ALPHABET[(rnd[i % 8]! >> (i < 8 ? 0 : 3)) & 31];
  return `ord_${time}${tail}`;
}
