import RuleIcon from '@mui/icons-material/RuleOutlined';
import { Alert, Box, Card, CardContent, Stack, Typography } from '@mui/material';
import { useState, type ReactNode } from 'react';
import {
  ArrayInput, BooleanInput, Button, Create, Edit, NumberInput, SelectInput, Show, SimpleForm, SimpleFormIterator, TextInput, minValue,
  useRecordContext, useRedirect, useTranslate,
} from 'react-admin';
import { Link } from 'react-router-dom';
import { z } from 'zod';
import { ChannelCreateInput, ChannelSettingsSchema, PARTNER_KINDS, PAYMENT_MODES, channelSettings } from '../../../domain/channels.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import type { ChannelRecord, IssuedChannelKey } from '../types.js';
import { ChannelBalance } from './ChannelBalance.js';
import { ChannelKeys } from './ChannelKeys.js';
import { ChannelPrices } from './ChannelPrices.js';
import { SecretDialog } from './SecretDialog.js';

const Grid = ({ children }: { children: ReactNode }) => (
  <Box sx={{ width: '100%', display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr 1fr' }, columnGap: 2 }}>{children}</Box>
);

/** A partner channel's settings (domain/channels.ts ChannelSettingsSchema, the server's own), for creating and editing alike. */
const SettingsFields = () => {
  const translate = useTranslate();
  const t = (key: string) => `kami.channels.help.${key}`;
  return (
    <>
      <Typography variant="subtitle2" sx={{ mt: 1 }}>{translate('kami.channels.section.payment')}</Typography>
      <Grid>
        <SelectInput source="settings.paymentMode" choices={PAYMENT_MODES.map((id) => ({ id, name: translate(`kami.channels.payment_mode.${id}`) }))} helperText={t('paymentMode')} />
        <NumberInput source="settings.maxQuantity" validate={minValue(1)} helperText={t('maxQuantity')} />
      </Grid>
      <Typography variant="subtitle2" sx={{ mt: 1 }}>{translate('kami.channels.section.delivery')}</Typography>
      <Grid>
        <BooleanInput source="settings.allowSplit" helperText={t('allowSplit')} />
        <BooleanInput source="settings.emailKeys" helperText={t('emailKeys')} />
        <BooleanInput source="settings.countSeparately" helperText={t('countSeparately')} />
      </Grid>
      <Typography variant="subtitle2" sx={{ mt: 1 }}>{translate('kami.channels.section.access')}</Typography>
      <Grid>
        <NumberInput source="settings.rateLimitPerMinute" validate={minValue(0)} helperText={t('rateLimitPerMinute')} />
        <ArrayInput source="settings.ipAllowList" helperText={t('ipAllowList')}>
          <SimpleFormIterator inline disableReordering>
            <TextInput source="" label="kami.channels.network" helperText={false} sx={{ minWidth: 220 }} />
          </SimpleFormIterator>
        </ArrayInput>
      </Grid>
    </>
  );
};

const validateCreate = zodValidate(ChannelCreateInput);
const validateUpdate = zodValidate(z.object({ name: z.string().trim().min(1).max(120), settings: ChannelSettingsSchema.nullable() }));

/** Create: the secret comes back this once and is shown before anything else happens. */
export const ChannelCreate = () => {
  const [issued, setIssued] = useState<(IssuedChannelKey & { id: string }) | null>(null);
  const redirect = useRedirect();
  const translate = useTranslate();
  return (
    <>
      <Create title="kami.channels.create_title" redirect={false} mutationOptions={{ onSuccess: (data: ChannelRecord & IssuedChannelKey) => setIssued(data) }}>
        <SimpleForm validate={validateCreate} defaultValues={{ kind: 'reseller', settings: channelSettings({}) }} sx={{ maxWidth: 1100 }}>
          <Grid>
            <TextInput source="name" />
            <SelectInput source="kind" choices={PARTNER_KINDS.map((id) => ({ id, name: translate(`kami.channels.kind.${id}`) }))} />
          </Grid>
          <SettingsFields />
        </SimpleForm>
      </Create>
      <SecretDialog issued={issued} onClose={() => issued && redirect('edit', 'channels', issued.id)} />
    </>
  );
};

const RulesLink = () => {
  const record = useRecordContext<ChannelRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const overrides = Object.keys(record.rules ?? {}).length;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mt: 1 }}>
      <Button component={Link} to={`/rules/${encodeURIComponent(`channel:${record.id}`)}`} label="kami.channels.rules_link" startIcon={<RuleIcon />} />
      <Typography variant="body2" color="text.secondary">{translate('kami.channels.rules_help', { smart_count: overrides })}</Typography>
    </Stack>
  );
};

/** Everything about a channel besides its settings form: keys, balance and ledger, prices (retail has only its quantity prices). */
export const ChannelSections = () => {
  const record = useRecordContext<ChannelRecord>();
  const translate = useTranslate();
  if (!record) return null;
  if (record.id === 'retail') {
    return (
      <Stack spacing={2} sx={{ mt: 2 }}>
        <Alert severity="info">{translate('kami.channels.retail_note')}</Alert>
        <ChannelPrices />
      </Stack>
    );
  }
  return (
    <Stack spacing={2} sx={{ mt: 2 }}>
      <ChannelKeys />
      <ChannelBalance />
      <ChannelPrices />
    </Stack>
  );
};

const ChannelTitle = () => {
  const record = useRecordContext<ChannelRecord>();
  const translate = useTranslate();
  return <span>{translate('kami.channels.title_one', { name: record?.name ?? '' })}</span>;
};

const ChannelFormFields = () => {
  const record = useRecordContext<ChannelRecord>();
  if (!record) return null;
  return (
    <>
      <Grid>
        <TextInput source="name" />
        {record.id !== 'retail' && <BooleanInput source="disabled" label="kami.channels.disabled" helperText="kami.channels.help.disabled" />}
      </Grid>
      {record.id !== 'retail' && <SettingsFields />}
      {record.id !== 'retail' && <RulesLink />}
    </>
  );
};

/** Owners: the settings form, then keys, money and prices. */
export const ChannelEdit = () => {
  const onSuccess = useSaveSuccess('channels', 'updated', 'edit');
  return (
    <Edit mutationMode="pessimistic" title={<ChannelTitle />} mutationOptions={{ onSuccess }} component="div" redirect={false}>
      <Card><CardContent><SimpleForm validate={validateUpdate} sx={{ maxWidth: 1100, p: 0 }}><ChannelFormFields /></SimpleForm></CardContent></Card>
      <ChannelSections />
    </Edit>
  );
};

/** Everyone else reads the same page without the form. */
const ChannelSettingsText = () => {
  const record = useRecordContext<ChannelRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const s = record.settings;
  const rows: [string, ReactNode][] = s ? [
    ['paymentMode', translate(`kami.channels.payment_mode.${s.paymentMode}`)], ['maxQuantity', s.maxQuantity],
    ['allowSplit', translate(s.allowSplit ? 'kami.channels.yes' : 'kami.channels.no')], ['emailKeys', translate(s.emailKeys ? 'kami.channels.yes' : 'kami.channels.no')],
    ['countSeparately', translate(s.countSeparately ? 'kami.channels.yes' : 'kami.channels.no')], ['rateLimitPerMinute', s.rateLimitPerMinute || '—'],
    ['ipAllowList', s.ipAllowList.join(', ') || translate('kami.channels.anywhere')],
  ] : [];
  return (
    <Card>
      <CardContent>
        <Typography variant="h6">{record.name}</Typography>
        {rows.map(([key, value]) => (
          <Typography key={key} variant="body2"><Box component="span" sx={{ color: 'text.secondary', mr: 1 }}>{translate(`resources.channels.fields.settings.${key}`)}</Box>{value}</Typography>
        ))}
      </CardContent>
    </Card>
  );
};

export const ChannelShow = () => (
  <Show title={<ChannelTitle />} component="div" actions={false}>
    <ChannelSettingsText />
    <ChannelSections />
  </Show>
);
