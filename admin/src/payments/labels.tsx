import { Chip, Tooltip } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { PaymentNotificationRecord, RefundStatus } from '../types.js';

/** A gateway by the name buyers know it (Kami's provider names otherwise). */
export const ProviderName = ({ provider }: { provider: string }) => {
  const translate = useTranslate();
  return <span data-provider={provider}>{translate(`kami.provider.${provider}`, { _: provider })}</span>;
};

const ATTEMPT_TONE: Record<string, 'default' | 'info' | 'success' | 'error' | 'warning'> = {
  creating: 'default', open: 'info', paid: 'success', closed: 'default', failed: 'error',
};

export const AttemptStatusChip = ({ status }: { status: string }) => {
  const translate = useTranslate();
  const tone = ATTEMPT_TONE[status] ?? 'default';
  return <Chip size="small" variant={tone === 'default' ? 'outlined' : 'filled'} color={tone} label={translate(`kami.payments.attempt_status.${status}`, { _: status })} data-attempt-status={status} />;
};

const REFUND_TONE: Record<RefundStatus, 'default' | 'info' | 'success' | 'error' | 'warning'> = {
  requested: 'info', pending: 'info', succeeded: 'success', done: 'success', failed: 'error', manual: 'warning',
};

/** Refunds waiting for a person: the server closes these on a reference (POST /refunds/:id/close). */
export const OPEN_REFUND: readonly RefundStatus[] = ['requested', 'manual', 'failed'];
/** What "refunds to do" lists: the ones no gateway will pay back by itself. */
export const REFUNDS_TO_DO: RefundStatus[] = ['manual', 'failed'];

export const RefundStatusChip = ({ status }: { status: RefundStatus }) => {
  const translate = useTranslate();
  const tone = REFUND_TONE[status] ?? 'default';
  return <Chip size="small" variant={tone === 'default' ? 'outlined' : 'filled'} color={tone} label={translate(`kami.refunds.status.${status}`, { _: status })} data-refund-status={status} />;
};

/**
 * Verified, or refused with the gateway recipe's reason (`refused:<code>`). The outcome says what Kami
 * made of it: paid, not a payment, a reference naming no order, a query's answer…
 */
export const VerificationChip = ({ n }: { n: Pick<PaymentNotificationRecord, 'verified' | 'outcome' | 'detail' | 'kind'> }) => {
  const translate = useTranslate();
  if (n.outcome.startsWith('refused:')) {
    const code = n.outcome.slice('refused:'.length);
    return (
      <Tooltip title={n.detail ?? ''}>
        <Chip size="small" color="error" label={translate('kami.payments.refused', { reason: translate(`kami.payments.refusal.${code}`, { _: code }) })} data-verified="false" data-refusal={code} />
      </Tooltip>
    );
  }
  if (!n.verified) return <Chip size="small" color="warning" variant="outlined" label={translate('kami.payments.unverified')} data-verified="false" />;
  const label = n.kind === 'manual' ? 'kami.payments.by_operator' : n.kind === 'query' ? 'kami.payments.by_query' : 'kami.payments.verified';
  return <Chip size="small" color="success" variant="outlined" label={translate(label)} data-verified="true" />;
};

/** `paid`, `not_paid`, `unknown_reference`, `query:pending:hint`… in words (the code itself when unknown). */
export function outcomeText(outcome: string, translate: (k: string, o?: object) => string): string {
  if (outcome.startsWith('refused:')) return translate('kami.payments.outcome.refused');
  const [head, state, hint] = outcome.split(':');
  if (head === 'query' && state) {
    const text = translate(`kami.payments.outcome.query_${state}`, { _: outcome });
    return hint === 'hint' ? `${text} (${translate('kami.payments.outcome.hint')})` : text;
  }
  return translate(`kami.payments.outcome.${outcome}`, { _: outcome });
}
