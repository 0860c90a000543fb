import ScheduleIcon from '@mui/icons-material/Schedule';
import { Box, Stack, Typography } from '@mui/material';
import { useLocaleState, useTranslate } from 'react-admin';
import { formatDuration } from '../common/format';
import { useStats } from '../common/useStats';

/** The backlog at a glance: how many orders wait and how long the oldest has waited. */
export const InboxSummary = () => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const { data } = useStats();
  if (!data) return null;
  const { pending, oldestWaitSeconds } = data.inbox;
  return (
    <Stack direction="row" spacing={3} sx={{ px: 2, py: 1.25, alignItems: 'center', borderBottom: 1, borderColor: 'divider' }} data-testid="inbox-summary">
      <Typography variant="body2">
        <Box component="span" sx={{ fontSize: 20, fontWeight: 700, mr: 0.75 }}>{pending}</Box>
        {translate('kami.inbox.waiting', { smart_count: pending })}
      </Typography>
      {oldestWaitSeconds !== null && pending > 0 && (
        <Stack direction="row" spacing={0.75} sx={{ alignItems: 'center', color: oldestWaitSeconds > 3600 ? 'warning.main' : 'text.secondary' }}>
          <ScheduleIcon fontSize="small" />
          <Typography variant="body2" data-testid="oldest-wait">
            {translate('kami.inbox.oldest', { wait: formatDuration(oldestWaitSeconds, locale) })}
          </Typography>
        </Stack>
      )}
    </Stack>
  );
};
