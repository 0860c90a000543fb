import ExpandIcon from '@mui/icons-material/KeyboardArrowDown';
import CollapseIcon from '@mui/icons-material/KeyboardArrowUp';
import {
  Box, Collapse, IconButton, Link as MuiLink, Stack, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography,
} from '@mui/material';
import { Fragment, useState, type ReactNode } from 'react';
import { useCanAccess, useGetList, useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { Mono } from '../common/fields.js';
import { formatDateTime } from '../common/format.js';
import type { OrderRecord, PaymentAttemptRecord, PaymentNotificationRecord, PaymentRecord, RefundRecord } from '../types.js';
import { CloseRefundButton } from './CloseRefundButton.js';
import { AttemptStatusChip, ProviderName, RefundStatusChip, VerificationChip, outcomeText } from './labels.js';
import { MoneyOf } from './MoneyOf.js';
import { RawNotification } from './RawNotification.js';

const ALL = { page: 1, perPage: 200 };
const OLDEST_FIRST = { field: 'id', order: 'ASC' } as const;

const Part = ({ title, testId, children }: { title: string; testId: string; children: ReactNode }) => {
  const translate = useTranslate();
  return (
    <Box data-testid={testId}>
      <Typography variant="overline" color="text.secondary" sx={{ fontWeight: 700 }}>{translate(title)}</Typography>
      {children}
    </Box>
  );
};

const None = ({ text }: { text: string }) => {
  const translate = useTranslate();
  return <Typography variant="body2" color="text.secondary">{translate(text)}</Typography>;
};

const Head = ({ labels }: { labels: string[] }) => {
  const translate = useTranslate();
  return (
    <TableHead>
      <TableRow>{labels.map((l, i) => <TableCell key={`${l}-${i}`} sx={{ color: 'text.secondary', fontWeight: 600, whiteSpace: 'nowrap' }}>{l && translate(l)}</TableCell>)}</TableRow>
    </TableHead>
  );
};

const When = ({ iso }: { iso: string | null }) => {
  const [locale] = useLocaleState();
  return <Box component="span" sx={{ whiteSpace: 'nowrap' }}>{iso ? formatDateTime(iso, locale) : '—'}</Box>;
};

/** A link only to a web page; anything else a gateway returned (a QR text, an app scheme) is shown as text. */
const isWebLink = (url: string) => /^https?:\/\//i.test(url);

/** `https://pay.example.com/submit.php?…`: where it leads, without the signed query that fills lines (the whole link is its title). */
function shortLink(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return url;
  }
}

const PayTarget = ({ a }: { a: PaymentAttemptRecord }) => {
  const translate = useTranslate();
  return (
    <Stack spacing={0.25} sx={{ minWidth: 0, maxWidth: 320 }}>
      {a.payUrl && (isWebLink(a.payUrl)
        ? (
          <MuiLink href={a.payUrl} target="_blank" rel="noreferrer noopener" variant="body2" title={a.payUrl} sx={{ overflowWrap: 'anywhere' }} data-testid="attempt-link">
            {shortLink(a.payUrl)}
          </MuiLink>
        )
        : <Mono>{a.payUrl}</Mono>)}
      {a.qrCode && (
        <Tooltip title={translate('kami.payments.qr_code')}>
          <Box sx={{ overflowWrap: 'anywhere' }} data-testid="attempt-qr"><Mono>QR: {a.qrCode}</Mono></Box>
        </Tooltip>
      )}
      {!a.payUrl && !a.qrCode && '—'}
    </Stack>
  );
};

const Attempts = ({ order, attempts }: { order: OrderRecord; attempts: PaymentAttemptRecord[] }) => {
  if (!attempts.length) return <None text="kami.payments.no_attempts" />;
  return (
    <Table size="small" data-testid="payment-attempts">
      <Head labels={['kami.payments.gateway', 'kami.payments.gateway_order_no', 'kami.payments.status', 'kami.payments.amount_at_gateway', 'kami.payments.pay_at', 'kami.payments.error', 'kami.payments.opened']} />
      <TableBody>
        {attempts.map((a) => {
          const converted = a.gatewayCurrency && a.gatewayCurrency !== a.currency;
          return (
            <TableRow key={a.id} data-attempt={a.gatewayOrderNo}>
              <TableCell><ProviderName provider={a.provider} /></TableCell>
              <TableCell>
                <Mono>{a.gatewayOrderNo}</Mono>
                {a.gatewayRef && <Typography variant="caption" component="div" color="text.secondary"><Mono>{a.gatewayRef}</Mono></Typography>}
              </TableCell>
              <TableCell><AttemptStatusChip status={a.status} /></TableCell>
              <TableCell data-testid="attempt-amount">
                <MoneyOf minor={a.gatewayAmountMinor} currency={a.gatewayCurrency} />
                {converted && <Typography variant="caption" component="div" color="text.secondary">= <MoneyOf minor={order.amountCents} currency={order.currency} /></Typography>}
              </TableCell>
              <TableCell><PayTarget a={a} /></TableCell>
              <TableCell sx={{ color: 'error.main', maxWidth: 260, overflowWrap: 'anywhere' }}>{a.lastError ?? ''}</TableCell>
              <TableCell><When iso={a.createdAt} /></TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
};

const VerifiedBy = ({ p }: { p: PaymentRecord }) => {
  const translate = useTranslate();
  if (p.verifiedBy === 'operator') return <>{translate('kami.payments.verified_by.operator', { who: p.confirmedBy ?? '?' })}</>;
  return <>{translate(`kami.payments.verified_by.${p.verifiedBy}`, { _: p.verifiedBy })}</>;
};

const Payments = ({ attempts }: { attempts: PaymentAttemptRecord[] }) => {
  const translate = useTranslate();
  const rows = attempts.flatMap((a) => a.payments.map((p) => ({ a, p })));
  if (!rows.length) return <None text="kami.payments.no_payments" />;
  return (
    <Table size="small" data-testid="payment-payments">
      <Head labels={['kami.payments.gateway', 'kami.payments.txn_id', 'kami.payments.amount', 'kami.payments.how_verified', 'kami.payments.received', 'kami.payments.applied']} />
      <TableBody>
        {rows.map(({ a, p }) => (
          <TableRow key={p.id} data-payment={p.txnId} data-verified-by={p.verifiedBy}>
            <TableCell><ProviderName provider={a.provider} /></TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}><Mono>{p.txnId}</Mono></TableCell>
            <TableCell><MoneyOf minor={p.amountCents} currency={p.currency} /></TableCell>
            <TableCell><VerifiedBy p={p} /></TableCell>
            <TableCell><When iso={p.receivedAt} /></TableCell>
            <TableCell>{p.appliedAt ? <When iso={p.appliedAt} /> : <Typography variant="body2" color="warning.main">{translate('kami.payments.not_applied')}</Typography>}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/** One notification, its raw request folded away until asked for. */
const NotificationRow = ({ n, mentionOnly }: { n: PaymentNotificationRecord; mentionOnly?: boolean }) => {
  const translate = useTranslate();
  const [open, setOpen] = useState(false);
  const label = translate(open ? 'kami.payments.hide_raw' : 'kami.payments.show_raw');
  return (
    <>
      <TableRow data-notification={n.id} data-outcome={n.outcome} sx={{ '& > td': { borderBottom: open ? 0 : undefined } }}>
        <TableCell padding="checkbox">
          <IconButton size="small" onClick={() => setOpen(!open)} aria-label={label} aria-expanded={open} title={label} data-testid="toggle-raw">
            {open ? <CollapseIcon fontSize="small" /> : <ExpandIcon fontSize="small" />}
          </IconButton>
        </TableCell>
        <TableCell><When iso={n.receivedAt} /></TableCell>
        <TableCell><ProviderName provider={n.provider} /></TableCell>
        <TableCell>{translate(`kami.payments.kind.${n.kind}`, { _: n.kind })}</TableCell>
        <TableCell>
          <VerificationChip n={n} />
          {mentionOnly && <Typography variant="caption" component="div" color="text.secondary">{translate('kami.payments.mentions_only')}</Typography>}
        </TableCell>
        <TableCell>{outcomeText(n.outcome, translate)}</TableCell>
        <TableCell sx={{ overflowWrap: 'anywhere' }}>{n.txnId ? <Mono>{n.txnId}</Mono> : '—'}</TableCell>
      </TableRow>
      <TableRow>
        <TableCell colSpan={7} sx={{ py: 0, ...(open ? {} : { borderBottom: 0 }) }}>
          <Collapse in={open} unmountOnExit><RawNotification n={n} /></Collapse>
        </TableCell>
      </TableRow>
    </>
  );
};

/**
 * Every notification and query answer for the order, oldest first: those tied to it (verified ones,
 * and answers Kami asked for), and refused ones that name it in their raw request — never tied to it,
 * since nothing in them could be trusted, but evidence in a dispute.
 */
const Notifications = ({ order }: { order: OrderRecord }) => {
  const tied = useGetList<PaymentNotificationRecord>('payment-notifications', { filter: { orderId: order.id }, pagination: ALL, sort: OLDEST_FIRST });
  // a server without this filter answers 400: the section then shows the tied ones only
  const mentioning = useGetList<PaymentNotificationRecord>('payment-notifications', { filter: { mentions: order.id }, pagination: ALL, sort: OLDEST_FIRST }, { retry: false });
  if (tied.isPending) return null;
  const mentions = new Set((mentioning.data ?? []).map((n) => n.id));
  const rows = [...(tied.data ?? []), ...(mentioning.data ?? [])].sort((x, y) => x.receivedAt.localeCompare(y.receivedAt) || x.id - y.id);
  if (!rows.length) return <None text="kami.payments.no_notifications" />;
  return (
    <Table size="small" data-testid="payment-notifications">
      <Head labels={['', 'kami.payments.received', 'kami.payments.gateway', 'kami.payments.kind_label', 'kami.payments.verification', 'kami.payments.outcome_label', 'kami.payments.txn_id']} />
      <TableBody>
        {rows.map((n) => <Fragment key={n.id}><NotificationRow n={n} mentionOnly={mentions.has(n.id)} /></Fragment>)}
      </TableBody>
    </Table>
  );
};

const Refunds = ({ refunds }: { refunds: RefundRecord[] }) => {
  const translate = useTranslate();
  if (!refunds.length) return <None text="kami.payments.no_refunds" />;
  return (
    <Table size="small" data-testid="payment-refunds">
      <Head labels={['kami.payments.gateway', 'kami.payments.amount', 'kami.payments.status', 'kami.refunds.reason', 'kami.refunds.reference_label', 'kami.payments.opened', '']} />
      <TableBody>
        {refunds.map((r) => (
          <TableRow key={r.id} data-refund={r.id}>
            <TableCell><ProviderName provider={r.provider} /></TableCell>
            <TableCell><MoneyOf minor={r.amountMinor} currency={r.currency} /></TableCell>
            <TableCell>
              <RefundStatusChip status={r.status} />
              {r.lastError && <Typography variant="caption" component="div" color="error.main" sx={{ overflowWrap: 'anywhere' }}>{r.lastError}</Typography>}
            </TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>{r.reason}</TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>
              {r.reference ? <Mono>{r.reference}</Mono> : r.gatewayRefundId ? <Mono>{r.gatewayRefundId}</Mono> : '—'}
              {r.closedBy && <Typography variant="caption" component="div" color="text.secondary">{translate('kami.refunds.closed_by', { who: r.closedBy })}</Typography>}
            </TableCell>
            <TableCell><When iso={r.createdAt} /></TableCell>
            <TableCell align="right"><CloseRefundButton refund={r} /></TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/**
 * The money trail of an order: each attempt at a gateway (what the buyer pays there, in its currency),
 * the payments recorded and how each was verified, every notification and query answer as received
 * (operators and owners: raw requests are evidence), and the refunds with their state.
 */
export const OrderPayments = () => {
  const order = useRecordContext<OrderRecord>();
  const { canAccess: canSeeNotifications } = useCanAccess({ resource: 'payment-notifications', action: 'list' });
  const filter = { orderId: order?.id };
  const attempts = useGetList<PaymentAttemptRecord>('payment-attempts', { filter, pagination: ALL, sort: OLDEST_FIRST }, { enabled: !!order });
  const refunds = useGetList<RefundRecord>('refunds', { filter, pagination: ALL, sort: { field: 'createdAt', order: 'ASC' } }, { enabled: !!order });
  if (!order || attempts.isPending) return null;
  return (
    <Stack spacing={2.5} data-testid="order-payments">
      <Part title="kami.payments.attempts" testId="part-attempts"><Attempts order={order} attempts={attempts.data ?? []} /></Part>
      <Part title="kami.payments.payments" testId="part-payments"><Payments attempts={attempts.data ?? []} /></Part>
      {canSeeNotifications && <Part title="kami.payments.notifications" testId="part-notifications"><Notifications order={order} /></Part>}
      <Part title="kami.payments.refunds" testId="part-refunds"><Refunds refunds={refunds.data ?? []} /></Part>
    </Stack>
  );
};
