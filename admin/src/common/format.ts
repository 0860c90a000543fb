/** Display formats. Amounts are integer minor units (cents/分) with two decimals in every Kami currency. */

export const formatMoney = (cents: number, currency: string, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(cents / 100);

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
