import { Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { useTranslate } from 'react-admin';

/** An empty list that says what will appear here and why it is empty, instead of a bare "No results". */
export const EmptyState = ({ icon, title, text, action }: { icon: ReactNode; title: string; text: string; action?: ReactNode }) => {
  const translate = useTranslate();
  return (
    <Box sx={{ textAlign: 'center', py: 8, px: 2, width: '100%' }} data-testid="empty-state">
      <Box sx={{ color: 'primary.main', opacity: 0.5, '& svg': { fontSize: 64 } }}>{icon}</Box>
      <Typography variant="h6" sx={{ mt: 1 }}>{translate(title)}</Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5, maxWidth: 460, mx: 'auto' }}>{translate(text)}</Typography>
      {action && <Box sx={{ mt: 2 }}>{action}</Box>}
    </Box>
  );
};
