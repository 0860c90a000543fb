import SendIcon from '@mui/icons-material/SendOutlined';
import WebhookIcon from '@mui/icons-material/WebhookOutlined';
import { Chip, Stack } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  BooleanInput, Button, CheckboxGroupInput, Create, CreateButton, DataTable, Edit, EditButton, FilterButton, List, SimpleForm, TextInput,
  TopToolbar, useCanAccess, useNotify, useRecordContext, useTranslate, type HttpError,
} from 'react-admin';
import { Link } from 'react-router-dom';
import { WEBHOOK_EVENT_TYPES, WebhookEndpointInput, WebhookEndpointUpdate } from '../../../domain/events.js';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import { useCommands } from '../common/useCommands.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import type { WebhookEndpointRecord } from '../types.js';

const EVENT_CHOICES = WEBHOOK_EVENT_TYPES.map((id) => ({ id, name: `kami.webhooks.event.${id}` }));

export const EventChips = ({ events }: { events: string[] }) => {
  const translate = useTranslate();
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }}>
      {events.map((e) => <Chip key={e} size="small" variant="outlined" label={translate(`kami.webhooks.event.${e}`, { _: e })} />)}
    </Stack>
  );
};

const Events = () => {
  const record = useRecordContext<WebhookEndpointRecord>();
  return record ? <EventChips events={record.events} /> : null;
};

const EndpointState = () => {
  const record = useRecordContext<WebhookEndpointRecord>();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Stack direction="row" spacing={0.5}>
      <Chip size="small" color={record.disabled ? 'default' : 'success'} variant={record.disabled ? 'outlined' : 'filled'}
        label={translate(record.disabled ? 'kami.webhooks.disabled' : 'kami.webhooks.enabled')} />
      {record.includeKeys && <Chip size="small" color="warning" label={translate('kami.webhooks.keys_included')} />}
    </Stack>
  );
};

/** Queues a test event to the endpoint; its delivery (and every try) shows in the deliveries list. */
export const TestEventButton = () => {
  const record = useRecordContext<WebhookEndpointRecord>();
  const commands = useCommands();
  const notify = useNotify();
  const { canAccess } = useCanAccess({ resource: 'webhook-endpoints', action: 'test' });
  const { mutate, isPending } = useMutation({
    mutationFn: () => commands.sendTestEvent(record!.id),
    onSuccess: () => notify('kami.webhooks.test_sent', { type: 'success' }),
    onError: (e: HttpError) => notify(e.message, { type: 'error' }),
  });
  if (!record || !canAccess || record.disabled) return null;
  return <Button label="kami.webhooks.send_test" onClick={(e) => { e.stopPropagation(); mutate(); }} disabled={isPending} startIcon={<SendIcon />} data-testid={`send-test-${record.id}`} />;
};

const DeliveriesLink = () => {
  const record = useRecordContext<WebhookEndpointRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const filter = encodeURIComponent(JSON.stringify({ endpointId: record.id }));
  return <Link to={`/webhook-deliveries?filter=${filter}`} onClick={(e) => e.stopPropagation()}>{translate('kami.webhooks.see_deliveries')}</Link>;
};

const filters = [<TextInput key="channelId" source="channelId" alwaysOn />];

const ListActions = () => (
  <TopToolbar>
    <FilterButton />
    <CreateButton />
  </TopToolbar>
);

const Col = DataTable.Col<WebhookEndpointRecord>;

/** Each channel's webhook endpoints: where events go, which ones, whether keys go with them. */
export const EndpointList = () => (
  <List filters={filters} actions={<ListActions />} sort={{ field: 'id', order: 'DESC' }} exporter={false}
    empty={<EmptyState icon={<WebhookIcon />} title="kami.webhooks.empty_title" text="kami.webhooks.empty_text" action={<CreateButton />} />}>
    <DataTable rowClick={false} bulkActionButtons={false}>
      <Col source="channelId" />
      <Col source="url" render={(r) => <Mono>{r.url}</Mono>} />
      <Col source="events" render={() => <Events />} disableSort />
      <Col source="disabled" label="kami.webhooks.state" render={() => <EndpointState />} />
      <Col source="createdAt" field={DateTimeField} />
      <Col label="" render={() => (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}><DeliveriesLink /><TestEventButton /><EditButton /></Stack>
      )} />
    </DataTable>
  </List>
);

const Fields = ({ creating }: { creating: boolean }) => (
  <>
    <TextInput source="channelId" disabled={!creating} helperText="kami.webhooks.channel_help" />
    <TextInput source="url" type="url" fullWidth helperText="kami.webhooks.url_help" />
    <CheckboxGroupInput source="events" choices={EVENT_CHOICES} row={false} helperText="kami.webhooks.events_help" />
    <BooleanInput source="includeKeys" helperText="kami.webhooks.include_keys_help" />
    <TextInput source="description" fullWidth />
    {!creating && <BooleanInput source="disabled" helperText="kami.webhooks.disabled_help" />}
  </>
);

const pick = <T extends object>(values: T, keys: string[]) => Object.fromEntries(Object.entries(values).filter(([k]) => keys.includes(k)));
const validateCreate = zodValidate(WebhookEndpointInput);
const validateUpdate = (values: object) => zodValidate(WebhookEndpointUpdate)(pick(values, Object.keys(WebhookEndpointUpdate.shape)));

export const EndpointCreate = () => {
  const onSuccess = useSaveSuccess('webhook-endpoints', 'created');
  return (
    <Create mutationOptions={{ onSuccess }} redirect="list">
      <SimpleForm validate={validateCreate} defaultValues={{ channelId: '', events: ['order.delivered'], includeKeys: false, description: '' }} sx={{ maxWidth: 640 }}>
        <Fields creating />
      </SimpleForm>
    </Create>
  );
};

export const EndpointEdit = () => {
  const onSuccess = useSaveSuccess('webhook-endpoints', 'updated');
  return (
    <Edit mutationMode="pessimistic" mutationOptions={{ onSuccess }} redirect="list">
      <SimpleForm validate={validateUpdate} sx={{ maxWidth: 640 }}>
        <Fields creating={false} />
      </SimpleForm>
    </Edit>
  );
};
