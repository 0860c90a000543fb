/**
 * Money is an integer number of a currency's minor units, with the currency's own exponent: CNY and
 * USD 2 (cents, 分), JPY 0, USDT 4 (as the USDT gateways quote it). Nothing here assumes two
 * decimals, and nothing goes through floating point.
 */
const EXPONENTS: Record<string, number> = {
  JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, HUF: 0, TWD: 0, UGX: 0,
  BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3,
  USDT: 4,
};

/** Decimal places of a currency's major unit (2 unless listed). */
export const exponentOf = (currency: string) => EXPONENTS[currency.toUpperCase()] ?? 2;

/** `1234, 'CNY'` → `12.34`; `5, 'JPY'` → `5`; `12345, 'USDT'` → `1.2345`. */
export function formatMinor(amount: number, currency: string): string {
  const e = exponentOf(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(e + 1, '0');
  return e === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -e)}.${digits.slice(-e)}`;
}

/**
 * A decimal text in major units (`12.3`, `0.5`, `1.2345`) → minor units, exactly; null when it is not
 * a plain non-negative decimal or has more places than the currency allows.
 */
export function parseMajor(text: string, currency: string): number | null {
  const m = /^(\d{1,13})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const e = exponentOf(currency);
  const fraction = m[2] ?? '';
  if (fraction.length > e && /[1-9]/.test(fraction.slice(e))) return null;
  const minor = Number(m[1]) * 10 ** e + Number((fraction.slice(0, e) || '0').padEnd(e, '0') || 0);
  return Number.isSafeInteger(minor) && minor <= MAX_MINOR_UNITS ? minor : null;
}

/** The largest amount in minor units Kami accepts anywhere (10^12: far above any order, and exact in a JS number and a 64-bit column). */
export const MAX_MINOR_UNITS = 1_000_000_000_000;
