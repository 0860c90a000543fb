import { CheckboxGroupInput, DateTimeInput, ReferenceArrayInput, type DateTimeInputProps } from 'react-admin';

/** An instant typed in the operator's time zone, kept as ISO 8601 in UTC (what the server's schema takes). */
export const InstantInput = (props: DateTimeInputProps) => (
  <DateTimeInput parse={(v: string) => (v ? new Date(v).toISOString() : null)} {...props} />
);

/** Where a promotion applies: one or more channels (the storefront is `retail`). */
export const ChannelsInput = ({ helperText }: { helperText: string }) => (
  <ReferenceArrayInput source="channels" reference="channels" sort={{ field: 'id', order: 'DESC' }} perPage={100}>
    <CheckboxGroupInput optionText="name" helperText={helperText} row={false} />
  </ReferenceArrayInput>
);

/** Empty number inputs are sent as null ("no limit"), not as an empty string the schema refuses. */
export const orNull = (v: unknown) => (v === '' || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v);
