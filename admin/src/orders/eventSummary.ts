import { formatMoney } from '../common/format.js';
import type { OrderEvent } from '../types.js';

type Translate = (key: string, options?: object) => string;

/**
 * One line for an event's data, for people: amounts as money, reasons by name, key lists as a count.
 * Nested snapshots (the facts a decision was shown, for instance) stay in the audit log's full view.
 */
export function eventSummary(e: OrderEvent, orderCurrency: string, locale: string, translate: Translate): string {
  const parts: string[] = [];
  // an amount at a gateway (a refund, a payment) names its own currency; anything else is the order's
  const currency = typeof e.data?.currency === 'string' ? e.data.currency : orderCurrency;
  for (const [key, value] of Object.entries(e.data ?? {})) {
    if (value === null || value === undefined || value === '') continue;
    const label = translate(`kami.event_field.${key}`, { _: key });
    if (typeof value === 'number' && /(Cents|Minor)$/.test(key)) parts.push(`${label}: ${formatMoney(value, currency, locale)}`);
    else if (typeof value !== 'object') parts.push(`${label}: ${String(value)}`);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) parts.push(`${label}: ${value.length}`);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v && 'code' in v)) {
      parts.push(`${label}: ${value.map((r: { code: string }) => translate(`kami.reason.${r.code}`, { _: r.code })).join(', ')}`);
    }
  }
  return parts.join(' · ');
}
