import StarIcon from '@mui/icons-material/StarBorderOutlined';
import { Box, Button, Stack, Typography } from '@mui/material';
import { DataTable, Link, List, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { Mono } from '../common/fields.js';
import { AvgRating, JumpedChip, ReportRate } from './figures.js';
import { FeedbackTabs } from './FeedbackTabs.js';
import type { ProductFeedbackRecord } from './types.js';

const listOf = (path: string, filter: object) => `${path}?filter=${encodeURIComponent(JSON.stringify(filter))}`;

/** Ratings by stars as a tiny bar chart: a product with a tail of one-star ratings shows at a glance. */
const Distribution = ({ counts }: { counts: number[] }) => {
  const most = Math.max(1, ...counts);
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'flex-end', height: 28 }} aria-hidden>
      {counts.map((n, i) => (
        <Box key={i} title={`${i + 1}★: ${n}`} sx={{ width: 8, height: `${Math.max(2, (n / most) * 28)}px`, bgcolor: i < 2 ? 'error.light' : 'primary.light', borderRadius: 0.5 }} />
      ))}
    </Stack>
  );
};

const Col = DataTable.Col<ProductFeedbackRecord>;

/** Per product: ratings and invalid-key reports against keys sold; the way to its batches, comments, and to take it off sale. */
export const ProductFeedbackList = () => {
  const translate = useTranslate();
  return (
    <>
      <FeedbackTabs current="/feedback-products" />
      <List sort={{ field: 'name', order: 'ASC' }} exporter={false} empty={false} title="kami.feedback.title" perPage={50}>
        <DataTable bulkActionButtons={false} rowClick={false}
          empty={<EmptyState icon={<StarIcon />} title="kami.feedback.empty_title" text="kami.feedback.empty_text" />}>
          <Col source="name" render={(r) => (
            <Box>
              <Link to={`/products/${r.id}`}>{r.name}</Link>
              <div><Mono>{r.sku}</Mono>{!r.active && <Typography component="span" variant="caption" color="text.secondary"> · {translate('kami.feedback.off_sale')}</Typography>}</div>
            </Box>
          )} />
          <Col source="avgRating" render={(r) => <AvgRating avg={r.avgRating} count={r.ratings} />} />
          <Col source="ratings" label="kami.feedback.distribution" render={(r) => <Distribution counts={r.ratingCounts} />} />
          <Col source="sold" />
          <Col source="reportRate" render={(r) => <ReportRate rate={r.reportRate} reports={r.reports} />} />
          <Col source="jumpedBatches" disableSort render={(r) => (r.jumpedBatches ? <JumpedChip label={translate('kami.feedback.jumped_batches', { smart_count: r.jumpedBatches })} /> : null)} />
          <Col label="" render={(r) => (
            <Stack direction="row" spacing={1}>
              <Button size="small" component={Link} to={listOf('/feedback-batches', { productId: r.id })}>{translate('kami.feedback.batches')}</Button>
              <Button size="small" component={Link} to={listOf('/feedback', { productId: r.id })}>{translate('kami.feedback.comments')}</Button>
            </Stack>
          )} />
        </DataTable>
      </List>
    </>
  );
};
