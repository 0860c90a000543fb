import ReplayIcon from '@mui/icons-material/ReplayOutlined';
import OutboxIcon from '@mui/icons-material/OutboxOutlined';
import { Box, Card, CardContent, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography, type ChipProps } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  Button, DataTable, List, SelectInput, Show, TextInput, TopToolbar, useCanAccess, useLocaleState, useNotify, useRecordContext, useRefresh, useTranslate,
  type HttpError,
} from 'react-admin';
import { Link } from 'react-router-dom';
import { WEBHOOK_EVENT_TYPES } from '../../../domain/events.js';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import { formatDateTime } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import type { WebhookDeliveryRecord, WebhookDeliveryStatus } from '../types.js';

const TONE: Record<WebhookDeliveryStatus, ChipProps['color']> = { queued: 'default', retrying: 'warning', delivered: 'success', failed: 'error' };
const STATUSES = Object.keys(TONE) as WebhookDeliveryStatus[];

export const DeliveryStatus = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const translate = useTranslate();
  return record ? <Chip size="small" color={TONE[record.status]} label={translate(`kami.webhooks.status.${record.status}`)} data-status={record.status} /> : null;
};

const EventType = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const translate = useTranslate();
  return record ? <span>{translate(`kami.webhooks.event.${record.event.type}`, { _: record.event.type })}</span> : null;
};

const OrderLink = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const orderId = record?.event.orderId;
  return orderId ? <Link to={`/orders/${encodeURIComponent(orderId)}/show`} onClick={(e) => e.stopPropagation()}><Mono>{orderId}</Mono></Link> : null;
};

const LastTry = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const translate = useTranslate();
  if (!record) return null;
  if (!record.attempts) return <Typography variant="body2" color="text.secondary">{translate('kami.webhooks.not_tried')}</Typography>;
  return (
    <Typography variant="body2">
      {record.lastStatusCode !== null ? `HTTP ${record.lastStatusCode}` : ''}{record.lastError ? ` ${record.lastError}` : ''}
    </Typography>
  );
};

/** Sends a finished delivery again: the same event, with the same id (the receiver de-duplicates). */
export const RedeliverButton = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const commands = useCommands();
  const notify = useNotify();
  const refresh = useRefresh();
  const { canAccess } = useCanAccess({ resource: 'webhook-deliveries', action: 'redeliver' });
  const { mutate, isPending } = useMutation({
    mutationFn: () => commands.redeliverWebhook(record!.id),
    onSuccess: () => { notify('kami.webhooks.redelivering', { type: 'success' }); refresh(); },
    onError: (e: HttpError) => notify(e.message, { type: 'error' }),
  });
  if (!record || !canAccess || record.status === 'queued' || record.status === 'retrying' || record.endpoint.disabled) return null;
  return <Button label="kami.webhooks.redeliver" onClick={(e) => { e.stopPropagation(); mutate(); }} disabled={isPending} startIcon={<ReplayIcon />} data-testid="redeliver" />;
};

const filters = [
  <SelectInput key="status" source="status" choices={STATUSES.map((id) => ({ id, name: `kami.webhooks.status.${id}` }))} alwaysOn />,
  <SelectInput key="eventType" source="eventType" choices={[...WEBHOOK_EVENT_TYPES, 'webhook.test'].map((id) => ({ id, name: `kami.webhooks.event.${id}` }))} />,
  <TextInput key="channelId" source="channelId" />,
  <TextInput key="orderId" source="orderId" />,
];

const Col = DataTable.Col<WebhookDeliveryRecord>;

/** Every webhook sent, per endpoint and channel: its status, tries and last answer; a failed one can be sent again. */
export const DeliveryList = () => (
  <List filters={filters} sort={{ field: 'id', order: 'DESC' }} exporter={false}
    empty={<EmptyState icon={<OutboxIcon />} title="kami.webhooks.deliveries_empty_title" text="kami.webhooks.deliveries_empty_text" />}>
    <DataTable rowClick="show" bulkActionButtons={false}>
      <Col source="createdAt" field={DateTimeField} />
      <Col source="event.type" label="resources.webhook-deliveries.fields.eventType" render={() => <EventType />} />
      <Col source="event.orderId" label="resources.webhook-deliveries.fields.orderId" render={() => <OrderLink />} disableSort />
      <Col source="endpoint.channelId" label="resources.webhook-deliveries.fields.channelId" disableSort />
      <Col source="endpoint.url" label="resources.webhook-deliveries.fields.endpoint" render={(r) => <Mono>{r.endpoint.url}</Mono>} disableSort />
      <Col source="status" render={() => <DeliveryStatus />} />
      <Col source="attempts" />
      <Col source="lastError" label="resources.webhook-deliveries.fields.lastTry" render={() => <LastTry />} disableSort />
      <Col label="" render={() => <RedeliverButton />} />
    </DataTable>
  </List>
);

/** Every try of one delivery: when, how long, the answer or the error, and the start of what the endpoint said. */
const Tries = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!record?.tries) return null;
  return (
    <Table size="small" data-testid="webhook-tries">
      <TableHead>
        <TableRow>
          {['n', 'startedAt', 'durationMs', 'statusCode', 'error', 'responseExcerpt'].map((c) => <TableCell key={c}>{translate(`kami.webhooks.try.${c}`)}</TableCell>)}
        </TableRow>
      </TableHead>
      <TableBody>
        {record.tries.map((t) => (
          <TableRow key={t.n}>
            <TableCell>{t.n}</TableCell>
            <TableCell>{formatDateTime(t.startedAt, locale)}</TableCell>
            <TableCell>{t.durationMs} ms</TableCell>
            <TableCell>{t.statusCode ?? '—'}</TableCell>
            <TableCell>{t.error ?? ''}</TableCell>
            <TableCell><Mono>{t.responseExcerpt ?? ''}</Mono></TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

const EventBody = () => {
  const record = useRecordContext<WebhookDeliveryRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const body = { id: record.event.id, type: record.event.type, createdAt: record.event.occurredAt, data: record.event.data };
  return (
    <Box>
      <Box component="pre" sx={{ bgcolor: 'action.hover', p: 1.5, borderRadius: 1, overflowX: 'auto', fontSize: 12, m: 0 }}>{JSON.stringify(body, null, 2)}</Box>
      {record.endpoint.includeKeys && record.event.type === 'order.delivered' && (
        <Typography variant="body2" color="warning.main" sx={{ mt: 1 }}>{translate('kami.webhooks.keys_added_when_sent')}</Typography>
      )}
    </Box>
  );
};

export const DeliveryShow = () => {
  const translate = useTranslate();
  return (
    <Show actions={<TopToolbar><RedeliverButton /></TopToolbar>}>
      <Card variant="outlined" sx={{ m: 2 }}>
        <CardContent>
          <Stack direction="row" spacing={2} sx={{ mb: 2, alignItems: 'center' }}>
            <EventType /><DeliveryStatus /><OrderLink />
          </Stack>
          <Typography variant="subtitle2">{translate('kami.webhooks.tries')}</Typography>
          <Tries />
          <Typography variant="subtitle2" sx={{ mt: 3 }}>{translate('kami.webhooks.body')}</Typography>
          <EventBody />
        </CardContent>
      </Card>
    </Show>
  );
};
