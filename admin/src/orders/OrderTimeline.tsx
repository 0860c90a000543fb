import { Box, Typography } from '@mui/material';
import { useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { isSmsChannel } from '../../../domain/delivery-channels.js';
import { formatDateTime } from '../common/format.js';
import type { OrderRecord } from '../types.js';
import { eventSummary } from './eventSummary.js';
import { ORDER_STATUSES, STATUS_TONE, type OrderStatus } from './statuses.js';

const isStatus = (type: string): type is OrderStatus => (ORDER_STATUSES as readonly string[]).includes(type);

/** An event's title key: a failing delivery names its channel (the email, or the SMS beside it). */
const titleKey = (e: { type: string; data?: unknown }) => {
  const channel = (e.data as { channel?: unknown } | null | undefined)?.channel;
  return e.type === 'delivery_failing' && typeof channel === 'string' && isSmsChannel(channel) ? 'kami.event.sms_failing' : `kami.event.${e.type}`;
};

const DOT: Record<string, string> = {
  warning: 'warning.main', error: 'error.main', success: 'success.main', info: 'info.main', default: 'grey.400',
};

/** The order's audit trail as a timeline: status changes carry the status colour, other events a neutral dot. */
export const OrderTimeline = () => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const events = record?.events ?? [];
  const currency = record?.currency ?? 'USD';
  if (!events.length) return <Typography variant="body2" color="text.secondary">{translate('kami.orders.no_events')}</Typography>;
  return (
    <Box component="ol" sx={{ listStyle: 'none', m: 0, p: 0 }} data-testid="order-timeline">
      {events.map((e, i) => (
        <Box component="li" key={`${e.type}-${i}`} sx={{ display: 'flex', gap: 1.5, pb: 2, position: 'relative' }}>
          <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'center' }}>
            <Box sx={{ width: 10, height: 10, borderRadius: '50%', mt: 0.75, bgcolor: DOT[isStatus(e.type) ? STATUS_TONE[e.type] : 'default'] }} />
            {i < events.length - 1 && <Box sx={{ flex: 1, width: 2, bgcolor: 'divider', mt: 0.5 }} />}
          </Box>
          <Box sx={{ minWidth: 0 }}>
            <Typography variant="body2" sx={{ fontWeight: 600 }} data-event={e.type}>
              {isStatus(e.type)
                ? translate('kami.event.status', { status: translate(`kami.status.${e.type}`) })
                : translate(titleKey(e), { _: e.type.replace(/_/g, ' ') })}
            </Typography>
            <Typography variant="caption" color="text.secondary" component="div">
              {formatDateTime(e.createdAt, locale)} · {e.actor === 'system' ? translate('kami.event.system') : e.actor}
            </Typography>
            <Typography variant="caption" component="div" sx={{ color: 'text.secondary', wordBreak: 'break-word' }}>
              {eventSummary(e, currency, locale, translate)}
            </Typography>
          </Box>
        </Box>
      ))}
    </Box>
  );
};
