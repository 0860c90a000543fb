import ScheduleIcon from '@mui/icons-material/Schedule';
import { Box, Stack, Typography } from '@mui/material';
import { useListContext, useLocaleState, useTranslate } from 'react-admin';
import { formatDuration, secondsSince } from '../common/format.js';
import type { ReviewRecord } from '../types.js';

/**
 * The backlog at a glance, for what the filters show: how many orders wait and how long the oldest has.
 * The list is sorted oldest first by default, so the page holds the oldest one.
 */
export const InboxSummary = () => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const { total, data } = useListContext<ReviewRecord>();
  if (!total || !data?.length) return null;
  const oldest = Math.max(...data.map((r) => secondsSince(r.waitingSince)));
  return (
    <Stack direction="row" spacing={3} sx={{ px: 2, py: 1.25, alignItems: 'center', borderBottom: 1, borderColor: 'divider' }} data-testid="inbox-summary">
      <Typography variant="body2">
        <Box component="span" sx={{ fontSize: 20, fontWeight: 700, mr: 0.75 }}>{total}</Box>
        {translate('kami.inbox.waiting', { smart_count: total })}
      </Typography>
      <Stack direction="row" spacing={0.75} sx={{ alignItems: 'center', color: oldest > 3600 ? 'warning.main' : 'text.secondary' }}>
        <ScheduleIcon fontSize="small" />
        <Typography variant="body2" data-testid="oldest-wait">{translate('kami.inbox.oldest', { wait: formatDuration(oldest, locale) })}</Typography>
      </Stack>
    </Stack>
  );
};
