import { Alert, AlertTitle, Button, List, ListItem, ListItemText } from '@mui/material';
import { Link, useLocaleState, useTranslate } from 'react-admin';
import type { Stats } from '../types.js';

const percent = (rate: number | null, locale: string) =>
  (rate === null ? '—' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate));

/** Key batches whose invalid-report rate jumped (domain/feedback.ts batchJumped): shown only while there are some. */
export const JumpedBatches = ({ batches }: { batches: Stats['jumpedBatches'] }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!batches.length) return null;
  return (
    <Alert severity="warning" sx={{ mb: 2 }} data-testid="jumped-batches"
      action={<Button component={Link} to={`/feedback-batches?filter=${encodeURIComponent(JSON.stringify({ jumped: true }))}`} color="inherit" size="small">{translate('kami.feedback.review_batches')}</Button>}>
      <AlertTitle>{translate('kami.feedback.jumped_title', { smart_count: batches.length })}</AlertTitle>
      <List dense disablePadding>
        {batches.map((b) => (
          <ListItem key={b.id} disableGutters>
            <ListItemText primary={`#${b.id} ${b.label} · ${b.productName}`}
              secondary={translate('kami.feedback.jumped_line', { reports: b.reports, sold: b.sold, rate: percent(b.reportRate, locale), rest: percent(b.productReportRate, locale) })} />
          </ListItem>
        ))}
      </List>
    </Alert>
  );
};
