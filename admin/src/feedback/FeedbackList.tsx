import CommentIcon from '@mui/icons-material/ChatBubbleOutlineOutlined';
import { Rating, Typography } from '@mui/material';
import { AutocompleteInput, DataTable, Link, List, ReferenceInput, SearchInput, SelectArrayInput } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import { FeedbackTabs } from './FeedbackTabs.js';
import type { FeedbackRecord } from './types.js';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <ReferenceInput key="productId" source="productId" reference="products" alwaysOn>
    <AutocompleteInput optionText="name" sx={{ minWidth: 220 }} />
  </ReferenceInput>,
  <SelectArrayInput key="rating" source="rating" choices={[1, 2, 3, 4, 5].map((n) => ({ id: n, name: '★'.repeat(n) }))} alwaysOn sx={{ minWidth: 160 }} />,
];

const Col = DataTable.Col<FeedbackRecord>;

/** Every rating and comment buyers left, newest first; the comment is shown as text, never as HTML. */
export const FeedbackList = () => (
  <>
    <FeedbackTabs current="/feedback" />
    <List filters={filters} sort={{ field: 'createdAt', order: 'DESC' }} exporter={false} empty={false} title="kami.feedback.title">
      <DataTable bulkActionButtons={false} rowClick={false}
        empty={<EmptyState icon={<CommentIcon />} title="kami.feedback.empty_comments_title" text="kami.feedback.empty_comments_text" />}>
        <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
        <Col source="rating" render={(r) => <Rating value={r.rating} readOnly size="small" />} />
        <Col source="comment" disableSort render={(r) => <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', maxWidth: 480 }} data-testid="feedback-comment">{r.comment}</Typography>} />
        <Col source="productName" disableSort render={(r) => <Link to={`/products/${r.productId}`}>{r.productName}</Link>} />
        <Col source="batchIds" disableSort render={(r) => r.batchIds.map((b) => <Mono key={b}>#{b} </Mono>)} />
        <Col source="orderId" disableSort render={(r) => <Link to={`/orders/${r.orderId}/show`}><Mono>{r.orderId}</Mono></Link>} />
      </DataTable>
    </List>
  </>
);
