import { exponentOf, formatMinor } from '../../../domain/money.js';

/** Display formats. */

/**
 * An integer amount of a currency's minor units in its own decimals (domain/money.ts: CNY and USD 2,
 * JPY 0, USDT 4), exactly: the decimal text is formatted, never a float. A code Intl does not know as a
 * currency (USDT) is shown as the number and the code.
 */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const digits = exponentOf(currency);
  const exact = formatMinor(minor, currency) as Intl.StringNumericLiteral;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency', currency, currencyDisplay: 'narrowSymbol', minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(exact);
  } catch {
    return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(exact)} ${currency}`;
  }
}

const UNITS = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
] as const;

/** `3h 12m` / `3小时 12分钟`: the two largest non-zero units, which is as precise as a wait needs to be. */
export function formatDuration(seconds: number, locale: string): string {
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n && parts.length < 2) parts.push(new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'narrow' }).format(n));
    if (parts.length && !n) break;
  }
  return parts.join(' ') || new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'narrow' }).format(0);
}

export const formatMs = (ms: number | null, locale: string) =>
  ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms / 1000, locale);

export const formatDateTime = (iso: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

export const secondsSince = (iso: string, now = Date.now()) => (now - new Date(iso).getTime()) / 1000;

/** The browser's local day as an ISO range start, for "today" deep links. */
export function startOfToday(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}
