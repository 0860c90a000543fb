import WarningIcon from '@mui/icons-material/WarningAmberOutlined';
import { Chip, Rating, Stack, Typography } from '@mui/material';
import { useLocaleState, useTranslate } from 'react-admin';

/** A report rate as a percentage with one decimal; a dash while nothing was sold. */
export const ReportRate = ({ rate, reports }: { rate: number | null; reports: number }) => {
  const [locale] = useLocaleState();
  if (rate === null) return <Typography variant="body2" color="text.secondary">—</Typography>;
  return (
    <Typography variant="body2" sx={{ fontWeight: reports ? 700 : 400, color: reports ? 'warning.dark' : 'text.secondary' }}>
      {new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate)}
      <Typography component="span" variant="caption" color="text.secondary"> ({reports})</Typography>
    </Typography>
  );
};

/** The average rating as stars with its number and how many rated. */
export const AvgRating = ({ avg, count }: { avg: number | null; count: number }) => {
  const translate = useTranslate();
  if (avg === null) return <Typography variant="body2" color="text.secondary">{translate('kami.feedback.no_ratings')}</Typography>;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <Rating value={avg} precision={0.1} readOnly size="small" />
      <Typography variant="body2"><b>{avg.toFixed(1)}</b> <Typography component="span" variant="caption" color="text.secondary">({count})</Typography></Typography>
    </Stack>
  );
};

/** The mark of a batch whose report rate jumped (domain/feedback.ts batchJumped). */
export const JumpedChip = ({ label = 'kami.feedback.jumped' }: { label?: string }) => {
  const translate = useTranslate();
  return <Chip icon={<WarningIcon />} color="warning" size="small" label={translate(label)} data-testid="jumped" />;
};
