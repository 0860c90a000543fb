import { Alert, Button, Stack, type SxProps, type Theme } from '@mui/material';
import { Link, useCanAccess, useGetList, useTranslate } from 'react-admin';
import { REFUNDS_TO_DO } from './labels.js';

const COUNT_ONLY = { pagination: { page: 1, perPage: 1 }, sort: { field: 'id', order: 'ASC' as const } };
/** As often as the inbox badge: a refund to do should not wait for a reload. */
const POLL_MS = 15_000;

const listLink = (resource: string, filter: object) => `/${resource}?filter=${encodeURIComponent(JSON.stringify(filter))}`;

/**
 * Money that waits for a person, above the inbox and the dashboard: refunds no gateway will pay back
 * by itself, and verified payments that named no order. Nothing shows while there is none.
 */
export const PaymentTasks = ({ sx }: { sx?: SxProps<Theme> }) => {
  const translate = useTranslate();
  const { canAccess: canSeeUnmatched } = useCanAccess({ resource: 'payment-notifications', action: 'list' });
  const refunds = useGetList('refunds', { ...COUNT_ONLY, filter: { status: REFUNDS_TO_DO } }, { refetchInterval: POLL_MS });
  const unmatched = useGetList('payment-notifications', { ...COUNT_ONLY, filter: { unmatched: true } }, { enabled: !!canSeeUnmatched, refetchInterval: POLL_MS });
  const tasks = [
    refunds.total ? { id: 'refunds', text: translate('kami.refunds.to_do', { smart_count: refunds.total }), to: listLink('refunds', { status: REFUNDS_TO_DO }) } : null,
    canSeeUnmatched && unmatched.total ? { id: 'unmatched', text: translate('kami.notifications.to_match', { smart_count: unmatched.total }), to: listLink('payment-notifications', { unmatched: true }) } : null,
  ].filter((t) => t !== null);
  if (!tasks.length) return null;
  return (
    <Stack spacing={1} sx={[{ mb: 1.5 }, ...(Array.isArray(sx) ? sx : [sx])]} data-testid="payment-tasks">
      {tasks.map((t) => (
        <Alert
          key={t.id} severity="warning" data-testid={`payment-task-${t.id}`}
          action={<Button component={Link} to={t.to} color="inherit" size="small">{translate('kami.refunds.open')}</Button>}
        >
          {t.text}
        </Alert>
      ))}
    </Stack>
  );
};
