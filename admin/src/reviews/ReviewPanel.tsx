import { Alert, Box, Grid, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { Link, useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { formatDateTime, formatMoney } from '../common/format.js';
import { Mono, StatusChip } from '../common/fields.js';
import type { ReviewRecord } from '../types.js';

const Section = ({ title, children }: { title: string; children: ReactNode }) => {
  const translate = useTranslate();
  return (
    <Box>
      <Typography variant="overline" color="text.secondary" sx={{ fontWeight: 700 }}>{translate(title)}</Typography>
      {children}
    </Box>
  );
};

/** Facts hold numbers, amounts in cents, and small objects (payment, blacklist hits): show each plainly. */
function factText(key: string, value: unknown, currency: string, locale: string, translate: (k: string, o?: object) => string): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && key.endsWith('Cents')) return formatMoney(value, currency, locale);
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'object' ? Object.values(v as object).join(' ') : String(v))).join(', ') : '—';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${translate(`kami.fact.${k}`, { _: k })}: ${factText(k, v, currency, locale, translate)}`).join(' · ');
  }
  return String(value);
}

const Facts = ({ record }: { record: ReviewRecord }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  return (
    <Table size="small" data-testid="review-facts">
      <TableBody>
        {Object.entries(record.facts ?? {}).map(([key, value]) => (
          <TableRow key={key}>
            <TableCell sx={{ color: 'text.secondary', width: '55%' }}>{translate(`kami.fact.${key}`, { _: key })}</TableCell>
            <TableCell sx={{ fontVariantNumeric: 'tabular-nums' }}>{factText(key, value, record.currency, locale, translate)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

const BuyerHistory = ({ record }: { record: ReviewRecord }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!record.buyerHistory?.length) return <Typography variant="body2" color="text.secondary">{translate('kami.inbox.first_order')}</Typography>;
  return (
    <Table size="small" data-testid="buyer-history">
      <TableBody>
        {record.buyerHistory.map((h) => (
          <TableRow key={h.orderId}>
            <TableCell><Link to={`/orders/${encodeURIComponent(h.orderId)}/show`}><Mono>{h.orderId}</Mono></Link></TableCell>
            <TableCell><StatusChip status={h.status} /></TableCell>
            <TableCell align="right">{formatMoney(h.amountCents, record.currency, locale)}</TableCell>
            <TableCell sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}>{formatDateTime(h.createdAt, locale)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/** Stock beyond what the order already holds (checkout reserved its keys); short only when stock is why it waits. */
const Stock = ({ record }: { record: ReviewRecord }) => {
  const translate = useTranslate();
  const short = record.status === 'backorder' || record.reviewReasons.some((r) => r.code === 'out_of_stock');
  return (
    <Alert severity={short ? 'warning' : 'info'} variant="outlined" data-testid="review-stock">
      {translate(short ? 'kami.inbox.stock_short' : 'kami.inbox.stock_left', { smart_count: record.stock.available })}
    </Alert>
  );
};

/** Everything the rules saw, in the row itself: the operator decides without opening another page. */
export const ReviewPanel = () => {
  const record = useRecordContext<ReviewRecord>();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Grid container spacing={3} sx={{ p: 2, bgcolor: '#fbfcfd' }} data-testid="review-panel">
      <Grid size={{ xs: 12, md: 4 }}>
        <Section title="kami.inbox.why">
          {record.reviewReasons.map((r) => (
            <Typography key={r.code} variant="body2" sx={{ mb: 0.5 }}>
              <b>{translate(`kami.reason.${r.code}`, { _: r.code })}</b> — {r.message}
            </Typography>
          ))}
        </Section>
        <Box sx={{ mt: 2 }}>
          <Section title="kami.inbox.stock"><Stock record={record} /></Section>
        </Box>
      </Grid>
      <Grid size={{ xs: 12, md: 4 }}>
        <Section title="kami.inbox.facts"><Facts record={record} /></Section>
      </Grid>
      <Grid size={{ xs: 12, md: 4 }}>
        <Section title="kami.inbox.history"><BuyerHistory record={record} /></Section>
      </Grid>
    </Grid>
  );
};
