import { Chip, Tooltip, Typography, type ChipProps } from '@mui/material';
import type { ReactNode } from 'react';
import { DateField, useLocaleState, useRecordContext, useTranslate, type DateFieldProps } from 'react-admin';
import { STATUS_TONE, type OrderStatus } from '../orders/statuses.js';
import type { ReviewReason } from '../types.js';
import { formatDuration, formatMoney, secondsSince } from './format.js';

/** Order status as a coloured chip; colours group statuses by what the operator should do about them. */
export const StatusChip = ({ status, size = 'small' }: { status: OrderStatus; size?: ChipProps['size'] }) => {
  const translate = useTranslate();
  const tone = STATUS_TONE[status];
  return (
    <Chip
      size={size}
      color={tone}
      variant={tone === 'default' ? 'outlined' : 'filled'}
      label={translate(`kami.status.${status}`, { _: status })}
      data-status={status}
    />
  );
};

export const StatusField = () => {
  const record = useRecordContext<{ status: OrderStatus }>();
  return record ? <StatusChip status={record.status} /> : null;
};

/** Renders `amountCents` (or another cents field) in the record's own currency. */
export const MoneyField = ({ source = 'amountCents' }: { source?: string }) => {
  const record = useRecordContext<Record<string, unknown> & { currency: string }>();
  const [locale] = useLocaleState();
  const cents = record?.[source];
  if (typeof cents !== 'number' || !record) return null;
  return <span style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{formatMoney(cents, record.currency, locale)}</span>;
};

export const DateTimeField = (props: DateFieldProps) => {
  const [locale] = useLocaleState();
  return <DateField showTime locales={locale} options={{ dateStyle: 'medium', timeStyle: 'short' }} {...props} />;
};

/** How long something has waited; amber after an hour, red after four, when a buyer is probably unhappy. */
export const WaitLabel = ({ since }: { since: string }) => {
  const [locale] = useLocaleState();
  const seconds = secondsSince(since);
  const color = seconds > 4 * 3600 ? 'error.main' : seconds > 3600 ? 'warning.main' : 'text.secondary';
  return (
    <Typography component="span" variant="body2" sx={{ color, fontWeight: 600, whiteSpace: 'nowrap' }}>
      {formatDuration(seconds, locale)}
    </Typography>
  );
};

export const ReasonChips = ({ reasons }: { reasons: ReviewReason[] }) => {
  const translate = useTranslate();
  return (
    <>
      {reasons.map((r) => (
        <Tooltip key={r.code} title={r.message}>
          <Chip
            size="small"
            variant="outlined"
            color="warning"
            sx={{ mr: 0.5, mb: 0.25 }}
            label={translate(`kami.reason.${r.code}`, { _: r.code })}
            data-reason={r.code}
          />
        </Tooltip>
      ))}
    </>
  );
};

/** Ids and keys in a monospace face, so similar-looking characters stay apart. */
export const Mono = ({ children }: { children: ReactNode }) => (
  <Typography component="span" variant="body2" sx={{ fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, monospace', fontSize: 12.5 }}>
    {children}
  </Typography>
);
