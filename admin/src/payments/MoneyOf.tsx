import { Box } from '@mui/material';
import { useLocaleState } from 'react-admin';
import { formatMoney } from '../common/format.js';

/** An amount in its own currency's decimals (USDT 4, JPY none), aligned for columns. */
export const MoneyOf = ({ minor, currency }: { minor: number | null | undefined; currency: string | null | undefined }) => {
  const [locale] = useLocaleState();
  if (minor === null || minor === undefined || !currency) return <>—</>;
  return <Box component="span" sx={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{formatMoney(minor, currency, locale)}</Box>;
};
