import { InputAdornment } from '@mui/material';
import { NumberInput, type NumberInputProps } from 'react-admin';
import { useWatch } from 'react-hook-form';
import { exponentOf, formatMinor, parseMajor } from '../../../domain/money.js';

/** `15.00` → `15`, `12.30` → `12.3`; an integer (JPY `1500`) stays as it is. */
const trimZeros = (decimal: string) => (decimal.includes('.') ? decimal.replace(/\.?0+$/, '') : decimal);

/** Two decimals where no currency is known (the global rules apply to every order's currency). */
const DEFAULT_EXPONENT = 2;

/**
 * Edits an integer amount of minor units in the currency's own units and decimals (CNY 12.34 ↔ 1234,
 * JPY 1234 ↔ 1234, USDT 1.2345 ↔ 12345), so nobody types prices in cents. The currency is `currency`, or
 * the form's value at `currencySource`.
 */
export const MoneyInput = (props: NumberInputProps & { currencySource?: string; currency?: string }) => {
  const { currencySource = 'currency', currency: fixed, ...rest } = props;
  const watched = useWatch({ name: currencySource }) as string | undefined;
  const currency = fixed ?? watched;
  const digits = currency ? exponentOf(currency) : DEFAULT_EXPONENT;
  // formatMinor and parseMajor read a currency's exponent; a placeholder with two decimals stands in for none
  const code = currency ?? 'XXX';
  return (
    <NumberInput
      step={10 ** -digits}
      min={0}
      // react-admin hands an empty value over as '' (not null): both mean "no amount"
      // the exact decimal, without trailing zeros, as a number field shows it (1500 CNY → 15, 1230 → 12.3)
      format={(minor: number | '' | null | undefined) => (minor == null || minor === '' ? '' : trimZeros(formatMinor(minor, code)))}
      parse={(units: string | number) => {
        if (units === '' || units == null || (typeof units === 'number' && Number.isNaN(units))) return null;
        // exact for a plain decimal; rounded to the currency's decimals when more were typed
        return parseMajor(String(units), code) ?? Math.round(Number(units) * 10 ** digits);
      }}
      slotProps={{ input: { endAdornment: <InputAdornment position="end">{currency ?? ''}</InputAdornment> } }}
      {...rest}
    />
  );
};
