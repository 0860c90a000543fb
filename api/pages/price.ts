import { formatMinor } from '../../domain/money.js';
import type { PriceAdjustment, PriceBreakdown } from '../../domain/pricing.js';
import { escapeHtml } from './html.js';
import type { Messages } from './i18n.js';

/**
 * How the buyer's price was reached, before paying and on the order page: the list price, each
 * promotion applied with what it took off, the total. Nothing for an order at its list price.
 */
export function priceTable(t: Messages, p: PriceBreakdown): string {
  if (!p.adjustments.length) return '';
  const money = (minor: number) => `${formatMinor(minor, p.currency)} ${p.currency}`;
  const label = (a: PriceAdjustment) => {
    switch (a.kind) {
      case 'channel_tier': return t.priceTier(a.maxQuantity === null ? `${a.minQuantity}+` : `${a.minQuantity}–${a.maxQuantity}`, money(a.unitMinor));
      case 'sale': return a.unitMinor !== undefined ? t.priceSale(a.label, money(a.unitMinor)) : t.priceSalePercent(a.label, a.percentOff!);
      case 'coupon': return a.amountOffMinor !== undefined ? t.priceCouponFixed(a.code, money(a.amountOffMinor)) : t.priceCouponPercent(a.code, a.percentOff!);
      case 'floor': return t.priceFloor;
    }
  };
  const row = (name: string, amount: string, attrs = '') => `<tr${attrs}><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(amount)}</td></tr>`;
  return `<table class="facts-table" data-price aria-label="${escapeHtml(t.priceTitle)}">
${row(t.priceList(money(p.list.unitMinor), p.quantity), money(p.list.totalMinor))}
${p.adjustments.map((a) => row(label(a), `${a.amountMinor > 0 ? '+' : '−'}${money(Math.abs(a.amountMinor))}`, ` data-adjustment="${a.kind}"`)).join('\n')}
${row(t.priceTotal, money(p.totalMinor), ' data-total')}</table>`;
}
