import { describe, expect, it } from 'vitest';
import { newOrderId } from '../../infra/ids.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = 32_768;
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('newOrderId', () => {
  // one clock value for every id: whatever makes them differ is the random tail alone
  const ids = Array.from({ length: N }, () => newOrderId(NOW));
  const tails = ids.map((id) => id.slice(14));

  it('keeps the format the API validates and sorts by creation time', () => {
    for (const id of ids) expect(id).toMatch(/^ord_[0-9A-Z]{22}$/);
    for (const id of ids) expect(id.slice(4, 14)).toBe(ids[0]!.slice(4, 14));
    const times = [0, 1, 999, 1_000, 86_400_000, NOW, NOW + 1, 2 ** 48 - 1];
    const sorted = times.map((t) => newOrderId(t));
    expect([...sorted].sort()).toEqual(sorted);
  });

  it(`gives ${N} ids drawn in the same millisecond ${N} different tails`, () => {
    expect(new Set(tails).size).toBe(N);
  });

  it('uses every character of the alphabet about equally at every tail position', () => {
    // chi-square over 32 symbols, 31 degrees of freedom: 100 is far beyond p = 1e-8 for a fair draw
    for (let pos = 0; pos < 12; pos++) {
      const counts = new Map<string, number>();
      for (const t of tails) counts.set(t[pos]!, (counts.get(t[pos]!) ?? 0) + 1);
      expect([...counts.keys()].every((c) => ALPHABET.includes(c))).toBe(true);
      const expected = N / 32;
      const chi2 = [...ALPHABET].reduce((sum, c) => sum + ((counts.get(c) ?? 0) - expected) ** 2 / expected, 0);
      expect(chi2, `position ${pos}`).toBeLessThan(100);
    }
  });

  it('draws each tail position independently of the others (60 random bits, none reused)', () => {
    // independent positions show all 32 × 32 pairs (~32 ids per pair; a missing one has odds ~1e-14);
    // positions that share bits show a quarter of them at most
    for (let a = 0; a < 12; a++) {
      for (let b = a + 1; b < 12; b++) {
        const pairs = new Set(tails.map((t) => t[a]! + t[b]!));
        expect(pairs.size, `positions ${a} and ${b}`).toBe(1024);
      }
    }
  });
});
