import ReceiptIcon from '@mui/icons-material/ReceiptLongOutlined';
import { Stack } from '@mui/material';
import {
  AutocompleteInput, DataTable, DateInput, List, ReferenceField, ReferenceInput, SearchInput, SelectInput, TextField, TextInput, useTranslate,
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
    <ReferenceInput key="channelId" source="channelId" reference="channels">
      <AutocompleteInput optionText="name" sx={{ minWidth: 200 }} />
    </ReferenceInput>,
    <TextInput key="externalOrderId" source="externalOrderId" />,
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
      <Col source="channelId" render={(r) => (r.channelId === 'retail' ? '—' : (
        <Stack>
          <ReferenceField source="channelId" reference="channels" link={false}><TextField source="name" variant="body2" /></ReferenceField>
          {r.externalOrderId && <Mono>{r.externalOrderId}</Mono>}
        </Stack>
      ))} />
      <Col source="deliveredAt" render={() => <DateTimeField source="deliveredAt" emptyText="—" />} />
    </DataTable>
  </List>
);
