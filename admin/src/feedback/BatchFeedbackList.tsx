import LayersIcon from '@mui/icons-material/LayersOutlined';
import { Button, Stack } from '@mui/material';
import { AutocompleteInput, BooleanInput, DataTable, Link, List, ReferenceInput, useCanAccess, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import { AvgRating, JumpedChip, ReportRate } from './figures.js';
import { FeedbackTabs } from './FeedbackTabs.js';
import type { BatchFeedbackRecord } from './types.js';

const listOf = (path: string, filter: object) => `${path}?filter=${encodeURIComponent(JSON.stringify(filter))}`;

const filters = [
  <ReferenceInput key="productId" source="productId" reference="products" alwaysOn>
    <AutocompleteInput optionText="name" sx={{ minWidth: 220 }} />
  </ReferenceInput>,
  <BooleanInput key="jumped" source="jumped" alwaysOn />,
];

const Col = DataTable.Col<BatchFeedbackRecord>;

/**
 * Per import batch: keys sold, invalid-key reports and their rate beside the rest of its product's,
 * ratings of the orders it supplied. A batch whose rate jumped is marked; "Pull unsold keys" opens its
 * unsold keys to void them.
 */
export const BatchFeedbackList = () => {
  const translate = useTranslate();
  const { canAccess: canVoid } = useCanAccess({ resource: 'keys', action: 'void' });
  return (
    <>
      <FeedbackTabs current="/feedback-batches" />
      <List filters={filters} sort={{ field: 'id', order: 'DESC' }} exporter={false} empty={false} title="kami.feedback.title" perPage={50}>
        <DataTable bulkActionButtons={false} rowClick={false}
          rowSx={(r) => (r.jumped ? { bgcolor: 'warning.50', '& td': { borderColor: 'warning.light' } } : {})}
          empty={<EmptyState icon={<LayersIcon />} title="kami.feedback.empty_batches_title" text="kami.feedback.empty_batches_text" />}>
          <Col source="id" render={(r) => <Mono>#{r.id}</Mono>} />
          <Col source="label" render={(r) => (
            <Stack spacing={0.5}>
              <span>{r.label}</span>
              <Link to={`/products/${r.productId}`}>{r.productName}</Link>
            </Stack>
          )} />
          <Col source="sold" />
          <Col source="reportRate" render={(r) => <ReportRate rate={r.reportRate} reports={r.reports} />} />
          <Col source="productReportRate" disableSort render={(r) => <ReportRate rate={r.productReportRate} reports={0} />} />
          <Col source="avgRating" render={(r) => <AvgRating avg={r.avgRating} count={r.ratings} />} />
          <Col source="jumped" disableSort render={(r) => (r.jumped ? <JumpedChip /> : null)} />
          <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
          <Col label="" render={(r) => (
            <Stack direction="row" spacing={1}>
              <Button size="small" component={Link} to={listOf('/feedback', { batchId: r.id })}>{translate('kami.feedback.comments')}</Button>
              {canVoid && <Button size="small" color="warning" component={Link} to={listOf('/keys', { batchId: r.id, status: 'available' })}>{translate('kami.feedback.pull_batch')}</Button>}
            </Stack>
          )} />
        </DataTable>
      </List>
    </>
  );
};
