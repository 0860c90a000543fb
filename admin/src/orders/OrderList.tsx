import ReceiptIcon from '@mui/icons-material/ReceiptLongOutlined';
import {
  AutocompleteInput, DataTable, DateInput, List, ReferenceInput, SearchInput, SelectInput, TextInput, useTranslate,
} from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, MoneyField, Mono, StatusField } from '../common/fields.js';
import type { OrderRecord } from '../types.js';
import { OrderTabs } from './OrderTabs.js';
import { ORDER_STATUSES } from './statuses.js';

const useOrderFilters = () => {
  const translate = useTranslate();
  return [
    <SearchInput key="q" source="q" alwaysOn placeholder={translate('kami.orders.search')} sx={{ minWidth: 260 }} />,
    <SelectInput key="status" source="status" choices={ORDER_STATUSES.map((s) => ({ id: s, name: translate(`kami.status.${s}`) }))} />,
    <ReferenceInput key="productId" source="productId" reference="products">
      <AutocompleteInput optionText="name" sx={{ minWidth: 220 }} />
    </ReferenceInput>,
    <TextInput key="email" source="email" type="email" />,
    <DateInput key="createdFrom" source="createdFrom" />,
    <DateInput key="createdTo" source="createdTo" />,
    <TextInput key="paymentProvider" source="paymentProvider" />,
  ];
};

const Col = DataTable.Col<OrderRecord>;

export const OrderList = () => (
  <List filters={useOrderFilters()} sort={{ field: 'createdAt', order: 'DESC' }} perPage={25} exporter={false} empty={false}>
    <OrderTabs />
    <DataTable
      rowClick="show"
      bulkActionButtons={false}
      empty={<EmptyState icon={<ReceiptIcon />} title="kami.orders.empty_title" text="kami.orders.empty_text" />}
    >
      <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
      <Col source="id" render={(r) => <Mono>{r.id}</Mono>} />
      <Col source="productName" disableSort render={(r) => `${r.productName} × ${r.quantity}`} />
      <Col source="amountCents" align="right" render={() => <MoneyField />} />
      <Col source="email" />
      <Col source="status" render={() => <StatusField />} />
      <Col source="paymentProvider" />
      <Col source="deliveredAt" render={() => <DateTimeField source="deliveredAt" emptyText="—" />} />
    </DataTable>
  </List>
);
