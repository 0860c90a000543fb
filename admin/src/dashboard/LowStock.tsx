import { Button, Card, CardContent, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { Link, useCanAccess, useTranslate } from 'react-admin';
import { Mono } from '../common/fields.js';
import type { Stats } from '../types.js';

/** Products about to sell out, with the way to restock each one. */
export const LowStock = ({ products }: { products: Stats['lowStock'] }) => {
  const translate = useTranslate();
  const { canAccess: canImport } = useCanAccess({ resource: 'keys', action: 'import' });
  return (
    <Card sx={{ height: '100%' }} data-testid="low-stock">
      <CardContent>
        <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', mb: 1 }}>
          <Typography variant="subtitle2">{translate('kami.dashboard.low_stock')}</Typography>
          <Button component={Link} to="/products" size="small">{translate('kami.dashboard.all_products')}</Button>
        </Stack>
        {products.length === 0 ? (
          <Typography variant="body2" color="text.secondary" sx={{ py: 3, textAlign: 'center' }}>{translate('kami.dashboard.stock_ok')}</Typography>
        ) : (
          <Table size="small">
            <TableBody>
              {products.map((p) => (
                <TableRow key={p.id}>
                  <TableCell>
                    <Link to={`/products/${p.id}`}>{p.name}</Link>
                    <div><Mono>{p.sku}</Mono></div>
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                    <Typography component="span" sx={{ fontWeight: 700, color: p.available === 0 ? 'error.main' : 'warning.main' }}>{p.available}</Typography>
                    <Typography component="span" variant="caption" color="text.secondary"> / {p.threshold}</Typography>
                  </TableCell>
                  <TableCell align="right">
                    {canImport && <Button component={Link} to={`/keys/import?productId=${p.id}`} size="small">{translate('kami.dashboard.restock')}</Button>}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
};
