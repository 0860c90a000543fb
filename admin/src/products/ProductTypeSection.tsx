import { Alert } from '@mui/material';
import {
  ArrayInput, BooleanInput, NumberInput, SelectInput, SimpleFormIterator, TextInput, useRecordContext, useTranslate,
} from 'react-admin';
import { BUYER_FIELD_TYPES, KEY_FORMATS, MAX_BUYER_VALUE_LENGTH, MAX_KEY_USES } from '../../../domain/product-types.js';
import type { ProductRecord } from '../types.js';

const FORMATS = KEY_FORMATS.map((f) => ({ id: f, name: `kami.product_types.format.${f}` }));
const FIELD_TYPES = BUYER_FIELD_TYPES.map((t) => ({ id: t, name: `kami.product_types.field_type.${t}` }));

/** A select field's options, one a line (stored as a list). */
const optionsText = (v: unknown) => (Array.isArray(v) ? v.join('\n') : '');
const optionsList = (s: string) => (s === '' ? null : s.split('\n'));

/**
 * The product's type (issue 12): its key format — fixed once it has keys, as the server enforces
 * (409 key_format_locked) — and the fields its buyers fill in at checkout (domain/product-types.ts,
 * checked by the same zod schema as the server's).
 */
export const ProductTypeSection = () => {
  const record = useRecordContext<ProductRecord>();
  const translate = useTranslate();
  const stock = record?.stock;
  const hasKeys = !!stock && stock.available + stock.reserved + stock.sold + stock.void > 0;
  return (
    <>
      <SelectInput
        source="keyFormat" label="kami.product_types.key_format" choices={FORMATS} defaultValue="plain" disabled={hasKeys} sx={{ maxWidth: 320 }}
        helperText={hasKeys ? 'kami.product_types.format_locked' : 'kami.product_types.format_help'}
      />
      <NumberInput
        source="keyUses" label="kami.product_types.key_uses" defaultValue={1} min={1} max={MAX_KEY_USES} disabled={hasKeys} sx={{ maxWidth: 320 }}
        helperText={hasKeys ? 'kami.product_types.format_locked' : 'kami.product_types.key_uses_help'}
      />
      <Alert severity="info" sx={{ mb: 1, width: '100%' }}>{translate('kami.product_types.fields_help')}</Alert>
      <ArrayInput source="buyerFields" label="kami.product_types.fields">
        <SimpleFormIterator inline>
          <TextInput source="name" label="kami.product_types.field.name" helperText="kami.product_types.field.name_help" />
          <TextInput source="label" label="kami.product_types.field.label" />
          <SelectInput source="type" label="kami.product_types.field.type" choices={FIELD_TYPES} defaultValue="text" />
          <BooleanInput source="required" label="kami.product_types.field.required" defaultValue />
          <TextInput source="pattern" label="kami.product_types.field.pattern" helperText="kami.product_types.field.pattern_help" />
          <NumberInput source="maxLength" label="kami.product_types.field.max_length" defaultValue={100} min={1} max={MAX_BUYER_VALUE_LENGTH} />
          <TextInput
            source="options" label="kami.product_types.field.options" helperText="kami.product_types.field.options_help" multiline
            format={optionsText} parse={optionsList}
          />
        </SimpleFormIterator>
      </ArrayInput>
    </>
  );
};
