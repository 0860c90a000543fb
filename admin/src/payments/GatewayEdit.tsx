import LockIcon from '@mui/icons-material/LockOutlined';
import { Alert, AlertTitle, Box, Divider, InputAdornment, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import {
  BooleanInput, Edit, NumberInput, SaveButton, SelectInput, SimpleForm, TextInput, Toolbar, useLocaleState, useNotify, useRecordContext,
  useTranslate, type RaRecord,
} from 'react-admin';
import { useFormState } from 'react-hook-form';
import { formatDateTime } from '../common/format.js';
import type { SettingsField } from '../../../domain/payment-providers.js';
import type { PaymentProviderRecord } from '../types.js';
import { EnabledChip, SourceChip } from './GatewayList.js';

/**
 * The form's fields: as the server describes them from the gateway module's schema, or, from a server
 * without descriptions, the settings stored and the secret fields it names.
 */
export function gatewayFields(record: PaymentProviderRecord): SettingsField[] {
  if (record.fields?.length) return record.fields;
  const stored = Object.entries(record.settings ?? {}).filter(([k]) => !record.secretFields.includes(k)).map(([name, v]): SettingsField => ({
    name, type: typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'number' : 'string', secret: false, required: false,
  }));
  return [...stored, ...record.secretFields.map((name): SettingsField => ({ name, type: 'string', secret: true, required: false }))];
}

/** `apiUrl` → `Api url`: a field's name when neither the panel nor the module gives it a label. */
const humanize = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase()).replace(/\b(url|id|api|ip)\b/gi, (w) => w.toUpperCase());

/** Keys and certificates are pasted as PEM: several lines, which a one-line field would join. */
const isMultiline = (f: SettingsField) => /private.?key|public.?key|cert|pem/i.test(f.name) || /\bPEM\b/.test(f.description ?? '');

const Heading = ({ title, hint }: { title: string; hint?: string }) => {
  const translate = useTranslate();
  return (
    <Box sx={{ width: '100%', mt: 1 }}>
      <Divider sx={{ mb: 1.5 }} />
      <Typography variant="subtitle2">{translate(title)}</Typography>
      {hint && <Typography variant="body2" color="text.secondary">{translate(hint)}</Typography>}
    </Box>
  );
};

/** A field's default as the form's starting value (a setting left at its default is then visible, and saved as such). */
const defaultOf = (f: SettingsField) =>
  (typeof f.default === 'string' || typeof f.default === 'number' || typeof f.default === 'boolean' ? f.default : undefined);

const useFieldText = () => {
  const translate = useTranslate();
  return {
    // Kami's own label for the fields its gateways have (both languages), else the module's title
    label: (f: SettingsField) => translate(`kami.gateways.field.${f.name}`, { _: f.title ?? humanize(f.name) }),
    help: (f: SettingsField, extra?: string) => [
      f.description,
      f.required ? translate('kami.gateways.required') : undefined,
      f.default !== undefined && f.default !== '' ? translate('kami.gateways.default', { value: String(f.default) }) : undefined,
      extra,
    ].filter(Boolean).join(' · ') || false,
  };
};

const SettingInput = ({ field: f, disabled }: { field: SettingsField; disabled: boolean }) => {
  const text = useFieldText();
  const common = { source: `settings.${f.name}`, label: text.label(f), helperText: text.help(f), disabled, defaultValue: defaultOf(f) };
  if (f.type === 'boolean') return <BooleanInput {...common} />;
  if (f.choices?.length) return <SelectInput {...common} choices={f.choices.map((c) => ({ id: c, name: String(c) }))} />;
  if (f.type === 'number' || f.type === 'integer') return <NumberInput {...common} step={f.type === 'integer' ? 1 : 'any'} />;
  return <TextInput {...common} multiline={isMultiline(f)} minRows={isMultiline(f) ? 3 : undefined} type={f.format === 'uri' ? 'url' : 'text'} />;
};

/**
 * A secret is write-only: the panel never receives it back, only whether it is set (and its last four
 * characters when it is long enough). Empty keeps the stored one; anything typed replaces it.
 */
const SecretInput = ({ field: f, disabled }: { field: SettingsField; disabled: boolean }) => {
  const record = useRecordContext<PaymentProviderRecord>();
  const translate = useTranslate();
  const text = useFieldText();
  const mask = record?.secrets?.[f.name];
  const state = mask
    ? translate('kami.gateways.secret_set', { mask: mask === '(set)' ? translate('kami.gateways.secret_hidden') : mask })
    : translate('kami.gateways.secret_unset');
  const multiline = isMultiline(f);
  return (
    <TextInput
      source={`newSecrets.${f.name}`}
      label={text.label(f)}
      helperText={<span data-testid={`secret-state-${f.name}`} data-set={Boolean(mask)}>{text.help({ ...f, required: f.required && !mask }, state) || state}</span>}
      disabled={disabled}
      type={multiline ? 'text' : 'password'}
      multiline={multiline}
      minRows={multiline ? 3 : undefined}
      autoComplete="new-password"
      placeholder={mask ? translate('kami.gateways.secret_keep') : ''}
      sx={multiline ? { '& textarea': { fontFamily: 'ui-monospace, Menlo, monospace', fontSize: 12 } } : undefined}
      slotProps={{ input: { startAdornment: <InputAdornment position="start"><LockIcon fontSize="small" color={mask ? 'success' : 'disabled'} /></InputAdornment> } }}
    />
  );
};

/** A problem of the settings as a whole (the server's `(root)`), which no single field carries. */
const RootError = () => {
  const { errors } = useFormState();
  const message = (errors.root as { server?: { message?: string } } | undefined)?.server?.message;
  return message ? <Alert severity="error" sx={{ width: '100%' }} data-testid="gateway-root-error">{message}</Alert> : null;
};

const Section = ({ children }: { children: ReactNode }) => (
  <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, columnGap: 2, width: '100%' }}>{children}</Box>
);

const Summary = () => {
  const record = useRecordContext<PaymentProviderRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!record) return null;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
      <EnabledChip enabled={record.enabled} />
      <SourceChip record={record} />
      <Typography variant="body2" color="text.secondary">
        {[
          record.canQuery ? translate('kami.gateways.can_query') : null,
          translate(record.canRefund ? 'kami.gateways.can_refund' : 'kami.gateways.refund_by_hand'),
          record.updatedAt ? translate('kami.gateways.updated', { when: formatDateTime(record.updatedAt, locale), who: record.updatedBy ?? '' }) : null,
        ].filter(Boolean).join(' · ')}
      </Typography>
    </Stack>
  );
};

const SettingsFields = () => {
  const record = useRecordContext<PaymentProviderRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const readOnly = record.source === 'environment';
  const fields = gatewayFields(record);
  const settings = fields.filter((f) => !f.secret);
  const secrets = fields.filter((f) => f.secret);
  return (
    <>
      <Summary />
      {readOnly && (
        <Alert severity="info" sx={{ width: '100%', mt: 2 }} data-testid="gateway-environment">
          <AlertTitle>{translate('kami.gateways.env_title')}</AlertTitle>
          {translate('kami.gateways.env_text', { prefix: `KAMI_PAY_${record.id.toUpperCase()}_` })}
        </Alert>
      )}
      {record.secretsUnreadable && (
        <Alert severity="warning" sx={{ width: '100%', mt: 2 }} data-testid="gateway-secrets-unreadable">{translate('kami.gateways.secrets_unreadable')}</Alert>
      )}
      <Heading title="kami.gateways.section_general" />
      <Section>
        <TextInput source="displayName" label="kami.gateways.display_name" helperText="kami.gateways.display_name_help" disabled={readOnly} />
        <BooleanInput source="enabled" label="kami.gateways.enabled" helperText="kami.gateways.enabled_help" disabled={readOnly} />
      </Section>
      <Heading title="kami.gateways.section_settings" />
      {settings.length
        ? <Section>{settings.map((f) => <SettingInput key={f.name} field={f} disabled={readOnly} />)}</Section>
        : <Typography variant="body2" color="text.secondary">{translate('kami.gateways.no_settings')}</Typography>}
      {secrets.length > 0 && (
        <>
          <Heading title="kami.gateways.section_secrets" hint="kami.gateways.secrets_hint" />
          <Section>{secrets.map((f) => <SecretInput key={f.name} field={f} disabled={readOnly} />)}</Section>
        </>
      )}
      <RootError />
      {!readOnly && <Typography variant="caption" color="text.secondary" sx={{ mt: 1 }}>{translate('kami.gateways.audited')}</Typography>}
    </>
  );
};

const GatewayToolbar = () => {
  const record = useRecordContext<PaymentProviderRecord>();
  if (record?.source === 'environment') return null;
  return <Toolbar><SaveButton data-testid="gateway-save" /></Toolbar>;
};

const GatewayTitle = () => {
  const record = useRecordContext<PaymentProviderRecord>();
  const translate = useTranslate();
  return <span>{translate('kami.gateways.edit_title', { name: record?.displayName ?? '' })}</span>;
};

/**
 * A gateway's settings (owners). Saved as a whole: an enabled gateway must be complete and valid (the
 * server checks with the module's own schema and names each field's problem); a disabled one may be
 * saved half-filled. The form stays open after a save, showing what is now stored.
 */
export const GatewayEdit = () => {
  const notify = useNotify();
  const onSuccess = (data: RaRecord | undefined) => {
    if (data?.id === undefined) return;
    notify('kami.gateways.saved', { type: 'success' });
  };
  return (
    <Edit mutationMode="pessimistic" mutationOptions={{ onSuccess }} redirect={false} title={<GatewayTitle />} actions={false}>
      <SimpleForm sx={{ maxWidth: 1100 }} toolbar={<GatewayToolbar />}>
        <SettingsFields />
      </SimpleForm>
    </Edit>
  );
};
