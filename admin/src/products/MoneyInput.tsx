import { InputAdornment } from '@mui/material';
import { NumberInput, type NumberInputProps } from 'react-admin';
import { useWatch } from 'react-hook-form';

/** Edits an integer amount of cents in currency units (12.34 ↔ 1234), so nobody types prices in cents. */
export const MoneyInput = (props: NumberInputProps & { currencySource?: string }) => {
  const { currencySource = 'currency', ...rest } = props;
  const currency = useWatch({ name: currencySource }) as string | undefined;
  return (
    <NumberInput
      step={0.01}
      min={0}
      // react-admin hands an empty value over as '' (not null): both mean "no amount"
      format={(cents: number | '' | null | undefined) => (cents == null || cents === '' ? '' : cents / 100)}
      parse={(units: string) => (units === '' || units == null ? null : Math.round(Number(units) * 100))}
      slotProps={{ input: { endAdornment: <InputAdornment position="end">{currency ?? ''}</InputAdornment> } }}
      {...rest}
    />
  );
};
