import { Stack, Typography } from '@mui/material';
import { useLocaleState, useTranslate } from 'react-admin';
import type { PriceAdjustment, PriceBreakdown } from '../../../domain/pricing.js';
import { formatMoney } from '../common/format.js';

/**
 * How a price was reached (domain/pricing.ts): the list price, each promotion in the order applied
 * with what it changed, what the stacking policy left out and why, and what is charged. The order page
 * and the stacking policy's live example show it alike.
 */
export const PriceBreakdownView = ({ breakdown: b, testId = 'price-breakdown' }: { breakdown: PriceBreakdown; testId?: string }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const money = (minor: number) => formatMoney(minor, b.currency, locale);
  const signed = (minor: number) => `${minor > 0 ? '+' : ''}${money(minor)}`;
  const line = (a: PriceAdjustment) => {
    const amount = signed(a.amountMinor);
    switch (a.kind) {
      case 'channel_tier':
        return translate('kami.orders.price_tier', { range: a.maxQuantity === null ? `${a.minQuantity}+` : `${a.minQuantity}–${a.maxQuantity}`, unit: money(a.unitMinor), amount });
      case 'sale':
        return a.unitMinor !== undefined
          ? translate('kami.orders.price_sale', { label: a.label || '—', unit: money(a.unitMinor), amount })
          : translate('kami.orders.price_sale_percent', { label: a.label || '—', percent: a.percentOff, amount });
      case 'coupon':
        return a.amountOffMinor !== undefined
          ? translate('kami.orders.price_coupon_fixed', { code: a.code, off: money(a.amountOffMinor), amount })
          : translate('kami.orders.price_coupon_percent', { code: a.code, percent: a.percentOff, amount });
      case 'floor':
        return translate(a.reason === 'cost' ? 'kami.orders.price_floor_cost' : 'kami.orders.price_floor_minimum', { floor: money(a.floorMinor), amount });
    }
  };
  return (
    <Stack spacing={0.25} data-testid={testId}>
      <Typography variant="body2">{translate('kami.orders.price_list', { unit: money(b.list.unitMinor), quantity: b.quantity, total: money(b.list.totalMinor) })}</Typography>
      {b.adjustments.map((a, i) => <Typography key={i} variant="body2" data-adjustment={a.kind}>{line(a)}</Typography>)}
      {b.skipped?.map((s) => (
        <Typography key={s.kind} variant="body2" color="text.secondary" data-skipped={s.kind}>
          {translate(`kami.orders.price_skipped_${s.reason}`, { kind: translate(`kami.promotions.kind.${s.kind}`) })}
        </Typography>
      ))}
      <Typography variant="body2" sx={{ fontWeight: 600 }}>{translate('kami.orders.price_final', { total: money(b.totalMinor) })}</Typography>
    </Stack>
  );
};
