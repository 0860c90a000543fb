import CouponIcon from '@mui/icons-material/LocalOfferOutlined';
import { Box, Card, CardContent, Chip, Stack, Typography } from '@mui/material';
import {
  AutocompleteArrayInput, BooleanInput, Create, CreateButton, DataTable, Edit, EditButton, FilterButton, FormDataConsumer, List, NullableBooleanInput,
  NumberInput, RadioButtonGroupInput, ReferenceArrayInput, ReferenceManyField, SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput,
  TopToolbar, useCanAccess, useLocaleState, useRecordContext, useTranslate, type RaRecord,
} from 'react-admin';
import { Link } from 'react-router-dom';
import { CouponInput, CouponUpdate } from '../../../domain/promotions.js';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono, StatusChip } from '../common/fields.js';
import { formatDateTime, formatMoney } from '../common/format.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import type { OrderStatus } from '../orders/statuses.js';
import { MoneyInput } from '../products/MoneyInput.js';
import { ChannelsInput, InstantInput, orNull } from './inputs.js';
import type { CouponRecord, CouponUseRecord } from './types.js';

const CURRENCIES = ['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'SGD', 'JPY'].map((c) => ({ id: c, name: c }));

/** What a coupon takes off, in its own terms: `15%` or `¥5.00`. */
export const CouponDiscount = ({ coupon }: { coupon: Pick<CouponRecord, 'percentOff' | 'amountOffMinor' | 'currency'> }) => {
  const [locale] = useLocaleState();
  return <>{coupon.percentOff !== null ? `${coupon.percentOff}%` : formatMoney(coupon.amountOffMinor!, coupon.currency!, locale)}</>;
};

const CouponDiscountField = (_: { label?: string }) => {
  const r = useRecordContext<CouponRecord>();
  return r ? <CouponDiscount coupon={r} /> : null;
};

const PerBuyerField = (_: { label?: string }) => {
  const r = useRecordContext<CouponRecord>();
  return r ? <>{r.maxUsesPerBuyer ?? '∞'}</> : null;
};

/** Uses that count now against the overall limit (`3 / 10`, or `3 / ∞`). */
const UsesField = (_: { label?: string }) => {
  const r = useRecordContext<CouponRecord>();
  if (!r) return null;
  return <span data-testid={`coupon-uses-${r.code}`}>{r.uses.counted} / {r.maxUses ?? '∞'}</span>;
};

const WindowField = (_: { label?: string }) => {
  const r = useRecordContext<CouponRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!r) return null;
  if (!r.startsAt && !r.endsAt) return <Typography variant="body2" color="text.secondary">{translate('kami.promotions.always')}</Typography>;
  return (
    <Typography variant="body2">
      {r.startsAt ? formatDateTime(r.startsAt, locale) : '…'} – {r.endsAt ? formatDateTime(r.endsAt, locale) : '…'}
    </Typography>
  );
};

const StateChip = (_: { label?: string }) => {
  const r = useRecordContext<CouponRecord>();
  const translate = useTranslate();
  if (!r) return null;
  const expired = r.endsAt !== null && Date.parse(r.endsAt) <= Date.now();
  const state = !r.active ? 'off' : expired ? 'ended' : r.maxUses !== null && r.uses.counted >= r.maxUses ? 'used_up' : 'on';
  return <Chip size="small" color={state === 'on' ? 'success' : 'default'} variant={state === 'on' ? 'filled' : 'outlined'} label={translate(`kami.promotions.coupon_state.${state}`)} data-state={state} />;
};

const ScopeField = (_: { label?: string }) => {
  const r = useRecordContext<CouponRecord>();
  const translate = useTranslate();
  if (!r) return null;
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }}>
      <Chip size="small" variant="outlined" label={r.products.length ? translate('kami.promotions.n_products', { smart_count: r.products.length }) : translate('kami.promotions.all_products')} />
      {r.channels.map((c) => <Chip key={c} size="small" variant="outlined" label={c === 'retail' ? translate('kami.channels.kind.retail') : c} />)}
    </Stack>
  );
};

const filters = [
  <TextInput key="q" source="q" label="kami.promotions.search_code" alwaysOn />,
  <NullableBooleanInput key="active" source="active" label="resources.coupons.fields.active" />,
];

const Col = DataTable.Col<CouponRecord>;

/** Operators open a coupon's form; a viewer opens it read-only (its terms and uses). */
export const CouponList = () => {
  const { canAccess: canEdit } = useCanAccess({ resource: 'coupons', action: 'edit' });
  return (
  <List filters={filters} actions={<TopToolbar><FilterButton /><CreateButton /></TopToolbar>} sort={{ field: 'id', order: 'DESC' }} exporter={false}
    empty={<EmptyState icon={<CouponIcon />} title="kami.promotions.coupons_empty_title" text="kami.promotions.coupons_empty_text" action={<CreateButton />} />}>
    <DataTable rowClick={canEdit ? 'edit' : 'show'} bulkActionButtons={false}>
      <Col source="code" render={(r) => (
        <Stack>
          <Mono>{r.code}</Mono>
          {r.description && <Typography variant="caption" color="text.secondary">{r.description}</Typography>}
        </Stack>
      )} />
      <Col source="percentOff" label="resources.coupons.fields.discount" render={(r) => <CouponDiscount coupon={r} />} disableSort />
      <Col source="uses" label="resources.coupons.fields.uses" render={() => <UsesField />} disableSort />
      <Col source="maxUsesPerBuyer" render={(r) => r.maxUsesPerBuyer ?? '∞'} disableSort />
      <Col source="startsAt" label="resources.coupons.fields.window" render={() => <WindowField />} />
      <Col source="products" label="resources.coupons.fields.scope" render={() => <ScopeField />} disableSort />
      <Col source="active" label="resources.coupons.fields.state" render={() => <StateChip />} />
      <Col label="" render={() => <EditButton />} />
    </DataTable>
  </List>
  );
};

/** The form's values → the server's input: the discount kind picks which of the two amounts is sent. */
const toInput = ({ discountKind, uses: _uses, ...v }: Record<string, unknown>) => ({
  ...v,
  percentOff: discountKind === 'percent' ? orNull(v.percentOff) : null,
  amountOffMinor: discountKind === 'fixed' ? orNull(v.amountOffMinor) : null,
  currency: discountKind === 'fixed' ? orNull(v.currency) : null,
  maxUses: orNull(v.maxUses),
  maxUsesPerBuyer: orNull(v.maxUsesPerBuyer),
  startsAt: orNull(v.startsAt),
  endsAt: orNull(v.endsAt),
});

const DISCOUNT_KINDS = [{ id: 'percent', name: 'kami.promotions.percent_off' }, { id: 'fixed', name: 'kami.promotions.amount_off' }];

const Row = ({ children }: { children: React.ReactNode }) => <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', width: '100%' }}>{children}</Box>;

const CouponFields = ({ creating }: { creating: boolean }) => {
  const record = useRecordContext<CouponRecord>();
  return (
    <>
      <Row>
        <TextInput source="code" disabled={!creating} helperText={creating ? 'kami.promotions.code_help' : 'kami.promotions.code_fixed'} />
        <TextInput source="description" sx={{ minWidth: 320 }} />
      </Row>
      <RadioButtonGroupInput source="discountKind" label="resources.coupons.fields.discount" choices={DISCOUNT_KINDS}
        defaultValue={record && record.percentOff === null ? 'fixed' : 'percent'} />
      <FormDataConsumer>
        {({ formData }) => (formData.discountKind === 'fixed' ? (
          <Row>
            <SelectInput source="currency" choices={CURRENCIES} helperText="kami.promotions.currency_help" />
            <MoneyInput source="amountOffMinor" currencySource="currency" />
          </Row>
        ) : <NumberInput source="percentOff" min={1} max={100} step={1} helperText="kami.promotions.percent_help" />)}
      </FormDataConsumer>
      <Row>
        <NumberInput source="maxUses" min={1} step={1} helperText="kami.promotions.max_uses_help" />
        <NumberInput source="maxUsesPerBuyer" min={1} step={1} helperText="kami.promotions.per_buyer_help" />
      </Row>
      <Row>
        <InstantInput source="startsAt" helperText="kami.promotions.starts_help" />
        <InstantInput source="endsAt" helperText="kami.promotions.ends_help" />
      </Row>
      <ReferenceArrayInput source="products" reference="products" perPage={200} sort={{ field: 'name', order: 'ASC' }}>
        <AutocompleteArrayInput optionText={(p: RaRecord) => `${p.name} (${p.sku})`} helperText="kami.promotions.products_help" sx={{ minWidth: 480 }} />
      </ReferenceArrayInput>
      <ChannelsInput helperText="kami.promotions.channels_help" />
      <BooleanInput source="active" helperText="kami.promotions.active_help" />
    </>
  );
};

const validateCreate = (values: Record<string, unknown>) => zodValidate(CouponInput)(toInput(values));
const validateUpdate = (values: Record<string, unknown>) => zodValidate(CouponUpdate)(toInput(values));

export const CouponCreate = () => {
  const onSuccess = useSaveSuccess('coupons', 'created');
  return (
    <Create mutationOptions={{ onSuccess }} transform={toInput} redirect="list">
      <SimpleForm validate={validateCreate} sx={{ maxWidth: 900 }}
        defaultValues={{ discountKind: 'percent', channels: ['retail'], products: [], active: true, description: '' }}>
        <CouponFields creating />
      </SimpleForm>
    </Create>
  );
};

/** A coupon's uses: each order that took it, counted while the order counts, released with an expired, cancelled or rejected one. */
const CouponUses = () => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const record = useRecordContext<CouponRecord>();
  if (!record) return null;
  const U = DataTable.Col<CouponUseRecord>;
  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Typography variant="subtitle2">{translate('kami.promotions.uses_title')}</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }} data-testid="coupon-uses-summary">
          {translate('kami.promotions.uses_summary', {
            counted: record.uses.counted, released: record.uses.released, discount: formatMoney(record.uses.discountMinor, record.currency ?? 'CNY', locale),
          })}
        </Typography>
        <ReferenceManyField reference="coupon-uses" target="couponId" sort={{ field: 'createdAt', order: 'DESC' }} perPage={50}
          empty={<Typography variant="body2" color="text.secondary">{translate('kami.promotions.no_uses')}</Typography>}>
          <DataTable bulkActionButtons={false} rowClick={false} data-testid="coupon-uses">
            <U source="orderId" render={(u) => <Link to={`/orders/${u.orderId}/show`}><Mono>{u.orderId}</Mono></Link>} />
            <U source="email" />
            <U source="discountMinor" render={(u) => formatMoney(u.discountMinor, u.currency, locale)} />
            <U source="orderStatus" render={(u) => <StatusChip status={u.orderStatus as OrderStatus} />} />
            <U source="counted" render={(u) => (
              <Chip size="small" variant={u.counted ? 'filled' : 'outlined'} color={u.counted ? 'primary' : 'default'}
                label={translate(u.counted ? 'kami.promotions.counted' : 'kami.promotions.released')} />
            )} />
            <U source="createdAt" field={DateTimeField} />
          </DataTable>
        </ReferenceManyField>
      </CardContent>
    </Card>
  );
};

export const CouponEdit = () => {
  const onSuccess = useSaveSuccess('coupons', 'updated');
  return (
    <Edit mutationMode="pessimistic" mutationOptions={{ onSuccess }} transform={toInput} redirect="list">
      <SimpleForm validate={validateUpdate} sx={{ maxWidth: 900 }}>
        <CouponFields creating={false} />
      </SimpleForm>
      <CouponUses />
    </Edit>
  );
};

/** A coupon read-only (viewers): its terms as the list shows them, and its uses. */
export const CouponShow = () => (
  <Show>
    <SimpleShowLayout>
      <TextField source="code" sx={{ fontFamily: 'monospace' }} />
      <TextField source="description" emptyText="—" />
      <CouponDiscountField label="resources.coupons.fields.discount" />
      <UsesField label="resources.coupons.fields.uses" />
      <PerBuyerField label="resources.coupons.fields.maxUsesPerBuyer" />
      <WindowField label="resources.coupons.fields.window" />
      <ScopeField label="resources.coupons.fields.scope" />
      <StateChip label="resources.coupons.fields.state" />
    </SimpleShowLayout>
    <CouponUses />
  </Show>
);
