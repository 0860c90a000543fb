import LayersIcon from '@mui/icons-material/LayersOutlined';
import { Stack, Typography } from '@mui/material';
import { AutocompleteInput, DataTable, List, ReferenceField, ReferenceInput, SearchInput, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { BatchRecord, KeyStatus } from '../types.js';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <ReferenceInput key="productId" source="productId" reference="products" alwaysOn>
    <AutocompleteInput optionText="name" sx={{ minWidth: 220 }} />
  </ReferenceInput>,
];

const Counts = ({ counts }: { counts: BatchRecord['counts'] }) => {
  const translate = useTranslate();
  return (
    <Stack direction="row" spacing={2}>
      {(['available', 'reserved', 'sold', 'void'] as KeyStatus[]).map((s) => (
        <Typography key={s} variant="body2" sx={{ whiteSpace: 'nowrap' }}>
          <b>{(counts[s] ?? 0).toLocaleString()}</b> <Typography component="span" variant="caption" color="text.secondary">{translate(`kami.key_status.${s}`)}</Typography>
        </Typography>
      ))}
    </Stack>
  );
};

const Col = DataTable.Col<BatchRecord>;

/** One row per import; a click lists that batch's keys. */
export const BatchList = () => (
  <List filters={filters} sort={{ field: 'id', order: 'DESC' }} exporter={false} empty={false}>
    <DataTable
      bulkActionButtons={false}
      rowClick={(id) => `/keys?filter=${encodeURIComponent(JSON.stringify({ batchId: id }))}`}
      empty={<EmptyState icon={<LayersIcon />} title="kami.batches.empty_title" text="kami.batches.empty_text" />}
    >
      <Col source="id" render={(r) => <Mono>#{r.id}</Mono>} />
      <Col source="label" />
      <Col source="productId" disableSort render={() => <ReferenceField source="productId" reference="products" link={false} />} />
      <Col source="counts" disableSort render={(r) => <Counts counts={r.counts} />} />
      <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
    </DataTable>
  </List>
);
