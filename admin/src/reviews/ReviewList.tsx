import InboxIcon from '@mui/icons-material/MoveToInboxOutlined';
import { Box, Chip, Typography } from '@mui/material';
import {
  AutocompleteInput, DataTable, List, ReferenceInput, SelectInput, useCanAccess, useTranslate,
} from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { MoneyField, Mono, ReasonChips, WaitLabel } from '../common/fields.js';
import { PaymentTasks } from '../payments/PaymentTasks.js';
import type { ReviewRecord } from '../types.js';
import { BulkDecisionButtons } from './BulkDecisionButtons.js';
import { DecisionButtons } from './DecisionButtons.js';
import { InboxSummary } from './InboxSummary.js';

/** A manual order still waiting for its goods past its product's delivery SLA (its deadline is behind). */
const PastSla = ({ record }: { record: ReviewRecord }) => {
  const translate = useTranslate();
  if (record.status !== 'backorder' || !record.reviewDeadline || Date.parse(record.reviewDeadline) > Date.now()) return null;
  return <Chip size="small" color="error" sx={{ ml: 0.5 }} label={translate('kami.inbox.past_sla')} data-testid="past-sla" />;
};
import { REASON_CODES } from './reasons.js';
import { ReviewPanel } from './ReviewPanel.js';

const AGES = [15, 60, 240, 1440];

const useReviewFilters = () => {
  const translate = useTranslate();
  return [
    <SelectInput
      key="reason" source="reason" alwaysOn label="kami.inbox.filter_reason"
      choices={REASON_CODES.map((code) => ({ id: code, name: translate(`kami.reason.${code}`) }))}
    />,
    <ReferenceInput key="product" source="productId" reference="products" alwaysOn>
      <AutocompleteInput label="kami.inbox.filter_product" optionText="name" sx={{ minWidth: 220 }} />
    </ReferenceInput>,
    <SelectInput
      key="age" source="olderThanMinutes" alwaysOn label="kami.inbox.filter_age"
      choices={AGES.map((minutes) => ({ id: minutes, name: translate(`kami.inbox.older_than_${minutes}`) }))}
    />,
  ];
};

const InboxEmpty = () => (
  <EmptyState icon={<InboxIcon />} title="kami.inbox.empty_title" text="kami.inbox.empty_text" />
);

const Col = DataTable.Col<ReviewRecord>;

/**
 * The landing page: orders the automation must not decide alone, oldest first. A row click unfolds what the
 * rules saw; approve and reject sit on the row; selected rows can be decided together.
 */
export const ReviewList = () => {
  const { canAccess: canDecide } = useCanAccess({ resource: 'reviews', action: 'decide' });
  return (
    <>
      <PaymentTasks sx={{ mt: 1.5, mb: -0.5 }} />
      <List
        filters={useReviewFilters()}
        sort={{ field: 'reviewSince', order: 'ASC' }}
        perPage={25}
        empty={false}
        exporter={false}
        title="kami.inbox.title"
      >
        <InboxSummary />
        <DataTable
          rowClick="expand"
          expand={<ReviewPanel />}
          bulkActionButtons={canDecide ? <BulkDecisionButtons /> : false}
          empty={<InboxEmpty />}
        >
          <Col source="id" render={(r) => <Mono>{r.id}</Mono>} />
          <Col
            source="productName"
            disableSort
            render={(r) => (
              <Box>
                <Typography variant="body2" sx={{ fontWeight: 600 }}>{r.productName}</Typography>
                <Typography variant="caption" color="text.secondary">× {r.quantity} · {r.email}</Typography>
              </Box>
            )}
          />
          <Col source="amountCents" align="right" render={() => <MoneyField />} />
          <Col source="reviewReasons" disableSort render={(r) => <><ReasonChips reasons={r.reviewReasons} /><PastSla record={r} /></>} />
          <Col source="reviewSince" render={(r) => <WaitLabel since={r.waitingSince} />} />
          <Col label="" disableSort align="right" render={() => <DecisionButtons />} />
        </DataTable>
      </List>
    </>
  );
};
