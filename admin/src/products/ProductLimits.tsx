import RuleIcon from '@mui/icons-material/RuleOutlined';
import { Box, Button, Stack, Typography } from '@mui/material';
import { Link, useCanAccess, useGetOne, useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { formatMoney } from '../common/format.js';
import type { ProductRecord, RuleRecord, RuleSettings } from '../types.js';

/**
 * A product's limits are rule overrides (one place for all rule settings, versioned and audited), so the
 * product page shows what applies and links to the product's rules rather than editing a second copy.
 */
export const ProductLimits = () => {
  const record = useRecordContext<ProductRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const { canAccess: canEdit } = useCanAccess({ resource: 'rules', action: 'edit' });
  const { data: rules } = useGetOne<RuleRecord>('rules', { id: record?.id ?? '' }, { enabled: !!record });
  if (!record) return <Typography variant="body2" color="text.secondary">{translate('kami.products.limits_after_create')}</Typography>;
  if (!rules) return null;
  const e = rules.effective;
  const own = (key: keyof RuleSettings) => (key in (rules.settings ?? {}) ? '' : ` (${translate('kami.products.inherited')})`);
  const items = [
    [translate('resources.rules.fields.settings.purchaseLimit'), `${e.purchaseLimit ?? '∞'} / ${e.purchaseLimitWindow}${own('purchaseLimit')}`],
    [translate('resources.rules.fields.settings.bulkQuantity'), `${e.bulkQuantity}${own('bulkQuantity')}`],
    [translate('resources.rules.fields.settings.bulkAmountCents'), `${formatMoney(e.bulkAmountCents, record.currency, locale)}${own('bulkAmountCents')}`],
  ];
  return (
    <Stack direction="row" spacing={4} sx={{ alignItems: 'center', flexWrap: 'wrap', width: '100%' }} data-testid="product-limits">
      {items.map(([label, value]) => (
        <Box key={label}>
          <Typography variant="caption" color="text.secondary">{label}</Typography>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>{value}</Typography>
        </Box>
      ))}
      {canEdit && (
        <Button component={Link} to={`/rules/${record.id}`} size="small" variant="outlined" startIcon={<RuleIcon />}>
          {translate('kami.products.edit_limits')}
        </Button>
      )}
    </Stack>
  );
};
