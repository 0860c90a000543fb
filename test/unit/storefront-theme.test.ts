import { describe, expect, it } from 'vitest';
import { CONTRAST_PAIRS, PALETTE, STOREFRONT_CSS } from '../../api/pages/theme.js';

/** WCAG 2.x relative luminance and contrast ratio of two sRGB colours. */
const luminance = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
};
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('the storefront palette', () => {
  it('computes contrast as WCAG does (black on white is 21:1, a colour on itself 1:1)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#777777')).toBe(1);
    expect(contrast('#767676', '#ffffff')).toBeGreaterThan(4.5); // the well-known AA grey
    expect(contrast('#777777', '#ffffff')).toBeLessThan(4.5);
  });

  it.each(CONTRAST_PAIRS)('$name reaches $min:1 (WCAG AA)', ({ fg, bg, min }) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(min);
  });

  it('uses only colours of the palette in its stylesheet (so the pairs above are the ones on screen)', () => {
    const palette = new Set(Object.values(PALETTE).map((c) => c.toLowerCase()));
    const used = [...STOREFRONT_CSS.matchAll(/#[0-9a-f]{3,8}\b/gi)].map((m) => m[0].toLowerCase());
    expect(used.filter((c) => !palette.has(c) && c !== '#fff')).toEqual([]);
  });
});
