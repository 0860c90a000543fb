import KeyIcon from '@mui/icons-material/VpnKeyOutlined';
import UploadIcon from '@mui/icons-material/UploadFileOutlined';
import { Button, Chip } from '@mui/material';
import {
  AutocompleteInput, DataTable, Link, List, NumberInput, ReferenceField, ReferenceInput, SelectInput, TopToolbar,
  useCanAccess, useTranslate,
} from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { maskHint } from '../common/maskHint.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { KeyRecord, KeyStatus } from '../types.js';
import { ExportKeysButton } from './ExportKeysButton.js';
import { RevealKeysButton } from './RevealKeysButton.js';
import { VoidKeysButton } from './VoidKeysButton.js';

const KEY_STATUSES: KeyStatus[] = ['available', 'reserved', 'sold', 'void'];
const KEY_TONE = { available: 'success', reserved: 'info', sold: 'default', void: 'error' } as const;

const useKeyFilters = () => {
  const translate = useTranslate();
  return [
    <ReferenceInput key="productId" source="productId" reference="products" alwaysOn>
      <AutocompleteInput optionText="name" sx={{ minWidth: 220 }} />
    </ReferenceInput>,
    <SelectInput key="status" source="status" alwaysOn choices={KEY_STATUSES.map((s) => ({ id: s, name: translate(`kami.key_status.${s}`) }))} />,
    <NumberInput key="batchId" source="batchId" />,
  ];
};

const ImportButton = () => {
  const translate = useTranslate();
  const { canAccess } = useCanAccess({ resource: 'keys', action: 'import' });
  return canAccess ? <Button component={Link} to="/keys/import" size="small" startIcon={<UploadIcon />}>{translate('kami.menu.import')}</Button> : null;
};

const BulkActions = () => {
  const { canAccess: canVoid } = useCanAccess({ resource: 'keys', action: 'void' });
  const { canAccess: canReveal } = useCanAccess({ resource: 'keys', action: 'reveal' });
  return <>{canReveal && <RevealKeysButton />}{canVoid && <VoidKeysButton />}</>;
};

const KeyStatusChip = ({ status }: { status: KeyStatus }) => {
  const translate = useTranslate();
  return <Chip size="small" color={KEY_TONE[status]} variant="outlined" label={translate(`kami.key_status.${status}`)} />;
};

const Col = DataTable.Col<KeyRecord>;

/** Keys are listed by hint only (••••ABCD); the text itself needs the owner's audited reveal. */
export const KeyList = () => {
  const { canAccess: canVoid } = useCanAccess({ resource: 'keys', action: 'void' });
  const { canAccess: canReveal } = useCanAccess({ resource: 'keys', action: 'reveal' });
  return (
    <List filters={useKeyFilters()} sort={{ field: 'id', order: 'DESC' }} perPage={50} exporter={false} empty={false}
      actions={<TopToolbar><ImportButton /><ExportKeysButton /></TopToolbar>}>
      <DataTable
        bulkActionButtons={canVoid || canReveal ? <BulkActions /> : false}
        rowClick={false}
        empty={<EmptyState icon={<KeyIcon />} title="kami.keys.empty_title" text="kami.keys.empty_text" action={<ImportButton />} />}
      >
        <Col source="id" render={(r) => <Mono>#{r.id}</Mono>} />
        <Col source="productId" disableSort render={() => <ReferenceField source="productId" reference="products" />} />
        <Col source="batchId" render={() => <ReferenceField source="batchId" reference="batches" emptyText="—" />} />
        <Col source="hint" disableSort render={(r) => <Mono>{maskHint(r.hint)}</Mono>} />
        <Col source="status" render={(r) => <KeyStatusChip status={r.status} />} />
        <Col source="orderId" disableSort render={(r) => (r.orderId ? <Link to={`/orders/${r.orderId}/show`}><Mono>{r.orderId}</Mono></Link> : '—')} />
        <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
        <Col source="soldAt" render={() => <DateTimeField source="soldAt" emptyText="—" />} />
        <Col source="voidReason" disableSort />
      </DataTable>
    </List>
  );
};
