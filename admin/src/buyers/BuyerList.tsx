import PeopleIcon from '@mui/icons-material/PeopleAltOutlined';
import { Chip } from '@mui/material';
import { DataTable, Link, List, SearchInput, SelectInput, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { BuyerRecord, IdentityKind } from '../types.js';
import { BlacklistButton } from './BlacklistButton.js';

const KINDS: IdentityKind[] = ['email', 'phone', 'ip', 'payment_account', 'device'];

const useBuyerFilters = () => {
  const translate = useTranslate();
  return [
    <SearchInput key="q" source="q" alwaysOn />,
    <SelectInput key="kind" source="kind" alwaysOn choices={KINDS.map((k) => ({ id: k, name: translate(`kami.identity.${k}`) }))} />,
    <SelectInput key="blacklisted" source="blacklisted" alwaysOn
      choices={[{ id: true, name: translate('kami.buyers.only_blacklisted') }, { id: false, name: translate('kami.buyers.not_blacklisted') }]} />,
  ];
};

const OrdersLink = ({ record }: { record: BuyerRecord }) =>
  record.kind === 'email'
    ? <Link to={`/orders?filter=${encodeURIComponent(JSON.stringify({ email: record.value }))}`}>{record.orders}</Link>
    : <>{record.orders}</>;

const Col = DataTable.Col<BuyerRecord>;

/** A buyer is an identity (email, phone, IP, payment account, device); blacklisting one affects every order carrying it. */
export const BuyerList = () => {
  const translate = useTranslate();
  return (
    <List filters={useBuyerFilters()} sort={{ field: 'lastOrderAt', order: 'DESC' }} exporter={false} empty={false}>
      <DataTable bulkActionButtons={false} rowClick={false}
        rowSx={(r) => (r.blacklisted ? { bgcolor: 'rgba(220, 38, 38, 0.05)' } : {})}
        empty={<EmptyState icon={<PeopleIcon />} title="kami.buyers.empty_title" text="kami.buyers.empty_text" />}>
        <Col source="kind" render={(r) => <Chip size="small" variant="outlined" label={translate(`kami.identity.${r.kind}`)} />} />
        <Col source="value" render={(r) => <Mono>{r.value}</Mono>} />
        <Col source="orders" align="right" render={(r) => <OrdersLink record={r} />} />
        <Col source="lastOrderAt" render={() => <DateTimeField source="lastOrderAt" emptyText="—" />} />
        <Col source="blacklisted" render={(r) => (r.blacklisted ? <Chip size="small" color="error" label={translate('kami.buyers.blacklisted')} /> : null)} />
        <Col label="" disableSort align="right" render={() => <BlacklistButton />} />
      </DataTable>
    </List>
  );
};
