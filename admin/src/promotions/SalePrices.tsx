import SaleIcon from '@mui/icons-material/SellOutlined';
import { Box, Chip, Stack, Typography } from '@mui/material';
import {
  AutocompleteInput, BooleanInput, Create, CreateButton, DataTable, Edit, EditButton, FilterButton, FormDataConsumer, List, NumberInput,
  RadioButtonGroupInput, ReferenceInput, SimpleForm, TextInput, TopToolbar, useCanAccess, useGetOne, useLocaleState, useRecordContext, useTranslate, type RaRecord,
} from 'react-admin';
import { SaleInput, SaleUpdate } from '../../../domain/promotions.js';
import { EmptyState } from '../common/EmptyState.js';
import { Mono } from '../common/fields.js';
import { formatDateTime, formatMoney } from '../common/format.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import { MoneyInput } from '../products/MoneyInput.js';
import { ChannelsInput, InstantInput, orNull } from './inputs.js';
import type { SalePriceRecord } from './types.js';

const STATE_TONE = { on: 'success', scheduled: 'info', ended: 'default', off: 'default' } as const;

const SaleTerms = () => {
  const r = useRecordContext<SalePriceRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!r) return null;
  return r.priceMinor !== null
    ? <span>{translate('kami.promotions.sale_price_of', { price: formatMoney(r.priceMinor, r.product.currency, locale), list: formatMoney(r.product.priceCents, r.product.currency, locale) })}</span>
    : <span>{translate('kami.promotions.sale_percent_of', { percent: r.percentOff })}</span>;
};

const SaleWindow = () => {
  const r = useRecordContext<SalePriceRecord>();
  const [locale] = useLocaleState();
  return r ? <Typography variant="body2">{formatDateTime(r.startsAt, locale)} – {r.endsAt ? formatDateTime(r.endsAt, locale) : '…'}</Typography> : null;
};

const StateField = () => {
  const r = useRecordContext<SalePriceRecord>();
  const translate = useTranslate();
  if (!r) return null;
  return <Chip size="small" color={STATE_TONE[r.state]} variant={r.state === 'on' ? 'filled' : 'outlined'} label={translate(`kami.promotions.sale_state.${r.state}`)} data-state={r.state} />;
};

const ChannelChips = () => {
  const r = useRecordContext<SalePriceRecord>();
  const translate = useTranslate();
  return r ? (
    <Stack direction="row" spacing={0.5}>
      {r.channels.map((c) => <Chip key={c} size="small" variant="outlined" label={c === 'retail' ? translate('kami.channels.kind.retail') : c} />)}
    </Stack>
  ) : null;
};

const productOption = (p: RaRecord) => `${p.name} (${p.sku})`;

const filters = [
  <ReferenceInput key="productId" source="productId" reference="products" alwaysOn sort={{ field: 'name', order: 'ASC' }}>
    <AutocompleteInput optionText={productOption} label="resources.sale-prices.fields.productId" sx={{ minWidth: 280 }} />
  </ReferenceInput>,
];

const Col = DataTable.Col<SalePriceRecord>;

/** Time-window sale prices: a price per key or a percentage off one product, on the channels listed (a viewer reads the list only). */
export const SaleList = () => {
  const { canAccess: canEdit } = useCanAccess({ resource: 'sale-prices', action: 'edit' });
  return (
  <List filters={filters} actions={<TopToolbar><FilterButton /><CreateButton /></TopToolbar>} sort={{ field: 'startsAt', order: 'DESC' }} exporter={false}
    empty={<EmptyState icon={<SaleIcon />} title="kami.promotions.sales_empty_title" text="kami.promotions.sales_empty_text" action={<CreateButton />} />}>
    <DataTable rowClick={canEdit ? 'edit' : false} bulkActionButtons={false}>
      <Col source="productId" render={(r) => <span>{r.product.name} <Mono>({r.product.sku})</Mono></span>} />
      <Col source="label" />
      <Col source="priceMinor" label="resources.sale-prices.fields.terms" render={() => <SaleTerms />} disableSort />
      <Col source="startsAt" label="resources.sale-prices.fields.window" render={() => <SaleWindow />} />
      <Col source="channels" render={() => <ChannelChips />} disableSort />
      <Col source="active" label="resources.sale-prices.fields.state" render={() => <StateField />} />
      <Col label="" render={() => <EditButton />} />
    </DataTable>
  </List>
  );
};

const toInput = ({ kind, product: _p, state: _s, ...v }: Record<string, unknown>) => ({
  ...v,
  priceMinor: kind === 'price' ? orNull(v.priceMinor) : null,
  percentOff: kind === 'percent' ? orNull(v.percentOff) : null,
  endsAt: orNull(v.endsAt),
});

const KINDS = [{ id: 'price', name: 'kami.promotions.sale_kind_price' }, { id: 'percent', name: 'kami.promotions.percent_off' }];

/** The sale price is typed in the product's own currency, shown against its list price. */
const SalePriceInput = ({ productId }: { productId?: string }) => {
  const { data: product } = useGetOne('products', { id: productId ?? '' }, { enabled: !!productId });
  const translate = useTranslate();
  const [locale] = useLocaleState();
  return (
    <MoneyInput source="priceMinor" currency={product?.currency}
      helperText={product ? translate('kami.promotions.sale_price_help', { list: formatMoney(Number(product.priceCents), product.currency, locale) }) : 'kami.promotions.pick_product'} />
  );
};

const SaleFields = ({ creating }: { creating: boolean }) => {
  const record = useRecordContext<SalePriceRecord>();
  return (
    <>
      {creating ? (
        <ReferenceInput source="productId" reference="products" sort={{ field: 'name', order: 'ASC' }} perPage={200}>
          <AutocompleteInput optionText={productOption} sx={{ minWidth: 420 }} />
        </ReferenceInput>
      ) : record && <Typography variant="subtitle1" sx={{ mb: 1 }}>{record.product.name} <Mono>({record.product.sku})</Mono></Typography>}
      <TextInput source="label" helperText="kami.promotions.label_help" />
      <RadioButtonGroupInput source="kind" label="resources.sale-prices.fields.terms" choices={KINDS}
        defaultValue={record && record.priceMinor === null ? 'percent' : 'price'} />
      <FormDataConsumer>
        {({ formData }) => (formData.kind === 'percent'
          ? <NumberInput source="percentOff" min={1} max={100} step={1} helperText="kami.promotions.percent_help" />
          : <SalePriceInput productId={formData.productId as string | undefined} />)}
      </FormDataConsumer>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        <InstantInput source="startsAt" helperText="kami.promotions.sale_starts_help" />
        <InstantInput source="endsAt" helperText="kami.promotions.ends_help" />
      </Box>
      <ChannelsInput helperText="kami.promotions.sale_channels_help" />
      <BooleanInput source="active" helperText="kami.promotions.sale_active_help" />
    </>
  );
};

const validateCreate = (values: Record<string, unknown>) => zodValidate(SaleInput)(toInput(values));
const validateUpdate = (values: Record<string, unknown>) => zodValidate(SaleUpdate)(toInput(values));

export const SaleCreate = () => {
  const onSuccess = useSaveSuccess('sale-prices', 'created');
  return (
    <Create mutationOptions={{ onSuccess }} transform={toInput} redirect="list">
      <SimpleForm validate={validateCreate} sx={{ maxWidth: 900 }}
        defaultValues={{ kind: 'price', label: '', channels: ['retail'], active: true, startsAt: new Date().toISOString() }}>
        <SaleFields creating />
      </SimpleForm>
    </Create>
  );
};

export const SaleEdit = () => {
  const onSuccess = useSaveSuccess('sale-prices', 'updated');
  return (
    <Edit mutationMode="pessimistic" mutationOptions={{ onSuccess }} transform={toInput} redirect="list">
      <SimpleForm validate={validateUpdate} sx={{ maxWidth: 900 }}>
        <SaleFields creating={false} />
      </SimpleForm>
    </Edit>
  );
};
