import EmailIcon from '@mui/icons-material/EmailOutlined';
import SmsIcon from '@mui/icons-material/SmsOutlined';
import { Box, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography } from '@mui/material';
import { useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { isSmsChannel, SMS_CHANNEL } from '../../../domain/delivery-channels.js';
import { Mono } from '../common/fields.js';
import { formatDateTime } from '../common/format.js';
import type { OrderDelivery, OrderRecord } from '../types.js';

const TONE: Record<string, 'success' | 'info' | 'warning' | 'error' | 'default'> = {
  sent: 'success', sending: 'info', retrying: 'warning', unknown: 'warning', failed: 'error',
};

const HEAD = ['channel', 'recipient', 'status', 'attempts', 'provider', 'messageId', 'lastError', 'time'] as const;

/**
 * What a channel is, in words: the first email or SMS, a resend (`resend-2`, `sms-resend-1`), or a
 * replacement key's email (`replace-<keyId>`). domain/delivery-channels.ts names them.
 */
function channelLabel(channel: string, translate: (key: string, options?: object) => string): string {
  const sms = isSmsChannel(channel);
  const resend = /resend-(\d+)$/.exec(channel);
  const replace = /^replace-(\d+)$/.exec(channel);
  if (channel === SMS_CHANNEL || channel === 'email') return translate(`kami.deliveries.channel.${channel}`);
  if (resend) return translate(sms ? 'kami.deliveries.channel.sms_resend' : 'kami.deliveries.channel.email_resend', { n: resend[1] });
  if (replace) return translate('kami.deliveries.channel.replace', { key: replace[1] });
  return channel;
}

const Row = ({ d }: { d: OrderDelivery }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const sms = isSmsChannel(d.channel);
  const when = d.sentAt ?? d.updatedAt;
  return (
    <TableRow data-channel={d.channel} data-status={d.status}>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>
        <Stack direction="row" spacing={0.75} sx={{ alignItems: 'center' }}>
          {sms ? <SmsIcon fontSize="small" color="action" /> : <EmailIcon fontSize="small" color="action" />}
          <span title={d.channel}>{channelLabel(d.channel, translate)}</span>
        </Stack>
      </TableCell>
      <TableCell><Mono>{d.recipient}</Mono></TableCell>
      <TableCell>
        <Tooltip title={translate(`kami.deliveries.status_help.${d.status}`, { _: '' })}>
          <Chip size="small" variant="outlined" color={TONE[d.status] ?? 'default'} label={translate(`kami.deliveries.status.${d.status}`, { _: d.status })} data-testid="delivery-status" />
        </Tooltip>
      </TableCell>
      <TableCell data-testid="delivery-attempts">{d.attempts}</TableCell>
      <TableCell>{d.provider ? translate(`kami.sms.provider.${d.provider}`, { _: d.provider }) : '—'}</TableCell>
      <TableCell sx={{ maxWidth: 220, overflowWrap: 'anywhere' }} data-testid="delivery-message-id">{d.messageId ? <Mono>{d.messageId}</Mono> : '—'}</TableCell>
      <TableCell sx={{ maxWidth: 280, overflowWrap: 'anywhere' }}>
        {d.lastError ? <Typography variant="body2" color="error" data-testid="delivery-error">{d.lastError}</Typography> : '—'}
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }} title={translate(d.sentAt ? 'kami.deliveries.sent_at' : 'kami.deliveries.updated_at')}>
        {formatDateTime(when, locale)}
      </TableCell>
    </TableRow>
  );
};

/**
 * How the order's deliveries went, one row a channel (email and SMS, resends included): never what was
 * sent, which the server does not keep (an SMS may carry keys).
 */
export const OrderDeliveries = () => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  const deliveries = record?.deliveries ?? [];
  if (!deliveries.length) return <Typography variant="body2" color="text.secondary" data-testid="deliveries">{translate('kami.deliveries.none')}</Typography>;
  return (
    <Box sx={{ overflowX: 'auto' }} data-testid="deliveries">
      <Table size="small">
        <TableHead>
          <TableRow>
            {HEAD.map((h) => <TableCell key={h} sx={{ color: 'text.secondary', fontWeight: 600, whiteSpace: 'nowrap' }}>{translate(`kami.deliveries.field.${h}`)}</TableCell>)}
          </TableRow>
        </TableHead>
        <TableBody>{deliveries.map((d) => <Row key={d.channel} d={d} />)}</TableBody>
      </Table>
    </Box>
  );
};
