import UploadIcon from '@mui/icons-material/UploadFileOutlined';
import { Box, Button, LinearProgress, Stack, Typography } from '@mui/material';
import { Link, useCanAccess, useRecordContext, useTranslate } from 'react-admin';
import type { ProductRecord } from '../types.js';

/** The same test as the dashboard's low-stock list; manual-delivery products hold no keys, so they are never low. */
export const isLowStock = (p: ProductRecord) => p.deliveryMode !== 'manual' && p.stock.available < p.lowStockThreshold;

/** A bar is full at this many times the alert level: beyond that, more stock is not news. */
const COMFORTABLE = 5;

/** Available keys as a number, and a bar of how far above the low-stock alert they are; red when below it. */
export const StockBar = () => {
  const record = useRecordContext<ProductRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const { available, reserved, sold } = record.stock;
  const low = isLowStock(record);
  const fill = Math.min(100, (available / Math.max(1, record.lowStockThreshold * COMFORTABLE)) * 100);
  return (
    <Box sx={{ minWidth: 140 }} data-low-stock={low}>
      <Stack direction="row" sx={{ justifyContent: 'space-between' }}>
        <Typography variant="body2" sx={{ fontWeight: 700, color: low ? 'error.main' : 'text.primary' }}>
          {available === 0 ? translate('kami.products.sold_out') : available.toLocaleString()}
        </Typography>
        <Typography variant="caption" color="text.secondary">{translate('kami.products.reserved_sold', { reserved, sold })}</Typography>
      </Stack>
      <LinearProgress variant="determinate" color={low ? 'error' : 'primary'} value={fill} sx={{ height: 5, borderRadius: 3, mt: 0.5 }} />
    </Box>
  );
};

/** Stock block of the edit page, with the way to add keys one click away. */
export const StockSummary = () => {
  const record = useRecordContext<ProductRecord>();
  const translate = useTranslate();
  const { canAccess: canImport } = useCanAccess({ resource: 'keys', action: 'import' });
  if (!record) return null;
  return (
    <Stack direction="row" spacing={4} sx={{ alignItems: 'center', width: '100%', flexWrap: 'wrap' }}>
      {(['available', 'reserved', 'sold', 'void'] as const).map((status) => (
        <Box key={status}>
          <Typography variant="caption" color="text.secondary">{translate(`kami.key_status.${status}`)}</Typography>
          <Typography variant="h6" sx={{ color: status === 'available' && isLowStock(record) ? 'error.main' : undefined }}>
            {record.stock[status].toLocaleString()}
          </Typography>
        </Box>
      ))}
      {canImport && (
        <Button component={Link} to={`/keys/import?productId=${record.id}`} startIcon={<UploadIcon />} variant="outlined" size="small">
          {translate('kami.keys.import_for_product')}
        </Button>
      )}
    </Stack>
  );
};
