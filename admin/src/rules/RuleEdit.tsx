import { Box, Divider, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import {
  CheckboxGroupInput, Edit, NumberInput, SelectInput, SimpleForm, TextInput, minValue, useGetOne, useRecordContext, useTranslate,
} from 'react-admin';
import { z } from 'zod';
import { formatMinor } from '../../../domain/money.js';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../../../domain/rules-schema.js';
import { FormDraft } from '../common/FormDraft.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import { MoneyInput } from '../products/MoneyInput.js';
import type { ProductRecord, RuleRecord, RuleSettings } from '../types.js';

type Key = keyof RuleSettings;

const Section = ({ title, children }: { title: string; children: ReactNode }) => {
  const translate = useTranslate();
  return (
    <Box sx={{ width: '100%' }}>
      <Divider sx={{ my: 1.5 }} />
      <Typography variant="subtitle2" sx={{ mb: 0.5 }}>{translate(title)}</Typography>
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr 1fr' }, columnGap: 2 }}>{children}</Box>
    </Box>
  );
};

/**
 * A global setting as the product form's helper text shows it: amounts in the product's currency and
 * its decimals (a global amount is minor units of each order's own currency), choices by name.
 */
function settingText(key: Key, value: unknown, currency: string | undefined, translate: (k: string, o?: object) => string): string {
  if (value === null || value === undefined) return translate('kami.rules.no_limit');
  if (key.endsWith('Cents')) return currency ? `${formatMinor(Number(value), currency)} ${currency}` : formatMinor(Number(value), 'XXX');
  if (Array.isArray(value)) return value.map((v) => translate(`kami.identity.${v}`)).join(', ');
  if (key === 'blacklistAction') return translate(`kami.rules.blacklist.${value}`);
  if (key === 'reviewTimeoutPolicy') return translate(`kami.rules.policy.${value}`);
  return String(value);
}

/** The currency of the product whose rules these are (none for the global rules: they apply to every currency). */
const useRuleCurrency = () => {
  const record = useRecordContext<RuleRecord>();
  const isProduct = record?.scope === 'product';
  const { data: product } = useGetOne<ProductRecord>('products', { id: record?.id ?? '' }, { enabled: isProduct });
  return isProduct ? product?.currency : undefined;
};

/** Per product, an empty field means "as the global setting", which the helper text shows. */
const useInherited = (currency: string | undefined) => {
  const record = useRecordContext<RuleRecord>();
  const isGlobal = record?.id === 'global';
  const { data: global } = useGetOne<RuleRecord>('rules', { id: 'global' }, { enabled: !isGlobal });
  const translate = useTranslate();
  return (key: Key) => (isGlobal || !global
    ? undefined
    : translate('kami.rules.inherit', { value: settingText(key, global.settings[key], currency, translate) }));
};

const src = (key: Key) => `settings.${key}`;

const Fields = () => {
  const currency = useRuleCurrency();
  const inherited = useInherited(currency);
  const translate = useTranslate();
  const n = (key: Key, min = 0) => <NumberInput source={src(key)} validate={minValue(min)} helperText={inherited(key) ?? false} />;
  const text = (key: Key) => <TextInput source={src(key)} helperText={inherited(key) ?? 'kami.rules.duration_help'} />;
  // the global amounts are minor units of each order's own currency: shown with two decimals, as most have
  const money = (key: Key) => <MoneyInput source={src(key)} currency={currency} helperText={inherited(key) ?? (currency ? false : 'kami.rules.amount_any_currency')} />;
  const choices = (ids: string[], prefix: string) => ids.map((id) => ({ id, name: translate(`${prefix}.${id}`) }));
  return (
    <>
      <Section title="kami.rules.section_limit">
        {n('purchaseLimit', 1)}
        {text('purchaseLimitWindow')}
        <CheckboxGroupInput
          source={src('purchaseLimitBy')}
          choices={choices(['email', 'phone', 'device', 'payment_account', 'ip'], 'kami.identity').map((c) => (c.id === 'ip' ? { ...c, name: translate('kami.rules.limit_by_ip') } : c))}
          helperText={[inherited('purchaseLimitBy'), translate('kami.rules.limit_by_help')].filter(Boolean).join(' · ')}
        />
      </Section>
      <Section title="kami.rules.section_bulk">
        {n('bulkQuantity', 1)}
        {money('bulkAmountCents')}
        {money('newBuyerAmountCents')}
      </Section>
      <Section title="kami.rules.section_velocity">
        {n('velocityMaxOrders', 1)}
        {n('velocityMaxUnpaid', 1)}
        {text('velocityWindow')}
        {text('duplicateWindow')}
        <SelectInput source={src('blacklistAction')} choices={choices(['reject', 'review'], 'kami.rules.blacklist')} helperText={inherited('blacklistAction') ?? false} />
      </Section>
      <Section title="kami.rules.section_timeout">
        {text('reviewTimeout')}
        <SelectInput source={src('reviewTimeoutPolicy')} choices={choices(['remind', 'auto_reject', 'auto_approve_below'], 'kami.rules.policy')} helperText={inherited('reviewTimeoutPolicy') ?? false} />
        {money('autoApproveBelowCents')}
      </Section>
    </>
  );
};

/**
 * The server takes `{ settings }` only. A product stores only what differs from global: its empty fields
 * are dropped (they mean "as all products"), not saved as blanks.
 */
const dropEmpty = (data: RuleRecord) => ({
  id: data.id,
  settings: data.id === 'global'
    ? data.settings
    : Object.fromEntries(Object.entries(data.settings ?? {}).filter(([, v]) => v !== null && v !== '' && v !== undefined && !(Array.isArray(v) && !v.length))),
});

const validateGlobal = zodValidate(z.object({ settings: RuleSettingsSchema }));
const validateProduct = zodValidate(z.object({ settings: ProductRuleOverridesSchema }));
/** The server's own schemas: global needs every setting, a product any subset of them. */
const validate = (values: object) => {
  const data = values as RuleRecord;
  return data.id === 'global' ? validateGlobal(data) : validateProduct(dropEmpty(data));
};

const RuleTitle = () => {
  const record = useRecordContext<RuleRecord>();
  const translate = useTranslate();
  const title = record?.scope === 'global' ? 'kami.rules.title_global' : record?.scope === 'channel' ? 'kami.rules.title_channel' : 'kami.rules.title_product';
  return <span>{translate(title, { name: record?.name ?? '' })}</span>;
};

export const RuleEdit = () => {
  const onSuccess = useSaveSuccess('rules', 'updated');
  return (
    <Edit mutationMode="pessimistic" transform={dropEmpty} title={<RuleTitle />} mutationOptions={{ onSuccess }}>
      <SimpleForm sx={{ maxWidth: 1100 }} validate={validate}>
        <FormDraft />
        <Fields />
      </SimpleForm>
    </Edit>
  );
};
