import StoreIcon from '@mui/icons-material/StorefrontOutlined';
import { Box, Chip, Stack, Typography } from '@mui/material';
import {
  CreateButton, DataTable, List, SearchInput, SelectInput, TopToolbar, useCanAccess, useTranslate,
} from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { MoneyField, Mono } from '../common/fields.js';
import type { ProductRecord } from '../types.js';
import { isLowStock, StockBar } from './StockSummary.js';

const useProductFilters = () => {
  const translate = useTranslate();
  return [
    <SearchInput key="q" source="q" alwaysOn placeholder={translate('kami.products.search')} />,
    <SelectInput
      key="active" source="active" alwaysOn
      choices={[{ id: true, name: translate('kami.products.on_sale') }, { id: false, name: translate('kami.products.off_sale') }]}
    />,
  ];
};

const NameCell = ({ record }: { record: ProductRecord }) => {
  const translate = useTranslate();
  return (
    <Box>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>{record.name}</Typography>
        {record.demo && <Chip size="small" color="warning" variant="outlined" label={translate('kami.products.demo')} />}
        {!record.active && <Chip size="small" variant="outlined" label={translate('kami.products.off_sale')} />}
      </Stack>
      <Mono>{record.sku}</Mono>
    </Box>
  );
};

const DeliveryMode = ({ mode }: { mode: ProductRecord['deliveryMode'] }) => {
  const translate = useTranslate();
  return <Typography variant="body2" color="text.secondary">{translate(`kami.products.delivery.${mode ?? 'auto'}`)}</Typography>;
};

const Actions = () => {
  const { canAccess } = useCanAccess({ resource: 'products', action: 'create' });
  return <TopToolbar>{canAccess && <CreateButton />}</TopToolbar>;
};

const Col = DataTable.Col<ProductRecord>;

export const ProductList = () => {
  const { canAccess: canEdit } = useCanAccess({ resource: 'products', action: 'edit' });
  return (
    <List filters={useProductFilters()} sort={{ field: 'name', order: 'ASC' }} exporter={false} actions={<Actions />} empty={false}>
      <DataTable
        rowClick={canEdit ? 'edit' : false}
        bulkActionButtons={false}
        rowSx={(r) => (isLowStock(r) && r.active ? { bgcolor: 'rgba(220, 38, 38, 0.04)' } : {})}
        empty={<EmptyState icon={<StoreIcon />} title="kami.products.empty_title" text="kami.products.empty_text" />}
      >
        <Col source="name" render={(r) => <NameCell record={r} />} />
        <Col source="priceCents" align="right" render={() => <MoneyField source="priceCents" />} />
        <Col source="stock.available" disableSort render={() => <StockBar />} />
        <Col source="lowStockThreshold" disableSort align="right" />
        <Col source="deliveryMode" disableSort render={(r) => <DeliveryMode mode={r.deliveryMode} />} />
      </DataTable>
    </List>
  );
};
