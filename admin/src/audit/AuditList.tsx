import HistoryIcon from '@mui/icons-material/HistoryEduOutlined';
import { Box, Chip } from '@mui/material';
import { DataTable, DateInput, List, TextInput, useRecordContext } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { AuditRecord } from '../types.js';

const filters = [
  <TextInput key="actorEmail" source="actorEmail" alwaysOn />,
  <TextInput key="action" source="action" alwaysOn />,
  <TextInput key="targetType" source="targetType" />,
  <TextInput key="targetId" source="targetId" />,
  <DateInput key="createdFrom" source="createdFrom" />,
  <DateInput key="createdTo" source="createdTo" />,
];

const summary = (data: AuditRecord['data']) =>
  Object.entries(data ?? {}).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('  ');

const AuditData = () => {
  const record = useRecordContext<AuditRecord>();
  return (
    <Box component="pre" sx={{ m: 0, p: 2, fontSize: 12, bgcolor: '#f8fafc', overflowX: 'auto' }}>
      {JSON.stringify(record?.data ?? {}, null, 2)}
    </Box>
  );
};

const Col = DataTable.Col<AuditRecord>;

/** Who did what, read-only: the table itself refuses updates and deletes. Click a row for the full data. */
export const AuditList = () => (
  <List filters={filters} sort={{ field: 'id', order: 'DESC' }} perPage={50} exporter={false} empty={false}>
    <DataTable bulkActionButtons={false} rowClick="expand" expand={<AuditData />}
      empty={<EmptyState icon={<HistoryIcon />} title="kami.audit.empty_title" text="kami.audit.empty_text" />}>
      <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
      <Col source="actorEmail" />
      <Col source="action" render={(r) => <Chip size="small" variant="outlined" label={r.action} />} />
      <Col source="targetType" render={(r) => <Mono>{r.targetType}{r.targetId ? `:${r.targetId}` : ''}</Mono>} />
      <Col source="data" disableSort render={(r) => (
        <Box sx={{ maxWidth: 420, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', color: 'text.secondary', fontSize: 12 }}>{summary(r.data)}</Box>
      )} />
    </DataTable>
  </List>
);
