import { Box, Chip, Divider, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import {
  BooleanInput, NumberInput, SelectInput, SimpleForm, TextInput, minValue, useRecordContext, useTranslate,
} from 'react-admin';
import { ProductInput } from '../../../domain/admin-schemas.js';
import { FormDraft } from '../common/FormDraft.js';
import { zodValidate } from '../common/zodValidate.js';
import type { ProductRecord } from '../types.js';
import { MarkdownInput } from './MarkdownInput.js';
import { MoneyInput } from './MoneyInput.js';
import { ProductLimits } from './ProductLimits.js';
import { FulfilmentSection } from './FulfilmentSection.js';
import { ProductTypeSection } from './ProductTypeSection.js';
import { SmsSection } from './SmsSection.js';
import { StockSummary } from './StockSummary.js';

/** Currencies offered for a price; each is entered and shown in its own decimals (domain/money.ts: JPY none). */
const CURRENCIES = ['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'SGD', 'JPY'].map((c) => ({ id: c, name: c }));

const DELIVERY_MODES = [
  { id: 'auto', name: 'kami.products.delivery.auto' },
  { id: 'manual', name: 'kami.products.delivery.manual' },
];

const Heading = ({ children }: { children: string }) => {
  const translate = useTranslate();
  return (
    <>
      <Divider flexItem sx={{ mt: 2, mb: 1 }} />
      <Typography variant="subtitle2" sx={{ mt: 1 }}>{translate(children)}</Typography>
    </>
  );
};

const Row = ({ children }: { children: ReactNode }) => (
  <Box sx={{ display: 'flex', gap: 2, width: '100%', flexWrap: { xs: 'wrap', md: 'nowrap' } }}>{children}</Box>
);

const StockSection = () => {
  const translate = useTranslate();
  return (
    <>
      <Typography variant="subtitle2">{translate('kami.products.stock')}</Typography>
      <StockSummary />
    </>
  );
};

const DemoBadge = () => {
  const record = useRecordContext<ProductRecord>();
  const translate = useTranslate();
  return record?.demo ? <Chip label={translate('kami.products.demo')} color="warning" size="small" sx={{ mb: 1 }} /> : null;
};

/** Shared by create and edit; validation mirrors the server's ProductInput schema. */
export const ProductForm = ({ withStock = false }: { withStock?: boolean }) => (
  <SimpleForm validate={zodValidate(ProductInput)} sx={{ maxWidth: 1100 }} defaultValues={{ currency: 'CNY', active: true, deliveryMode: 'auto', lowStockThreshold: 10 }}>
    <FormDraft />
    <DemoBadge />
    {withStock && <StockSection />}
    <Heading>kami.products.section_basics</Heading>
    <Row>
      <TextInput source="name" />
      <TextInput source="sku" helperText="kami.products.sku_help" />
    </Row>
    <TextInput source="description" multiline minRows={2} />
    <Row>
      <SelectInput source="deliveryMode" choices={DELIVERY_MODES} helperText="kami.products.delivery_help" />
      <BooleanInput source="active" helperText="kami.products.active_help" />
    </Row>
    <Heading>kami.products.section_price</Heading>
    <Row>
      <MoneyInput source="priceCents" />
      <SelectInput source="currency" choices={CURRENCIES} />
      <MoneyInput source="costMinor" helperText="kami.products.cost_help" />
    </Row>
    <Heading>kami.products.section_limits</Heading>
    <NumberInput source="lowStockThreshold" validate={minValue(0)} helperText="kami.products.low_stock_help" sx={{ maxWidth: 320 }} />
    <ProductLimits />
    <Heading>kami.product_types.section</Heading>
    <ProductTypeSection />
    <Heading>kami.fulfilment.section</Heading>
    <TextInput source="manualSla" helperText="kami.fulfilment.sla_help" sx={{ maxWidth: 320 }} />
    <FulfilmentSection />
    <Heading>kami.fulfilment.device_section</Heading>
    <BooleanInput source="deviceBound" helperText="kami.fulfilment.device_help" />
    <FulfilmentSection kind="licence" />
    <Heading>kami.products.section_guide</Heading>
    <MarkdownInput source="guide" />
    <Heading>kami.sms.section</Heading>
    <SmsSection />
  </SimpleForm>
);
