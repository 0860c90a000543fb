import { Box, Card, CardActionArea, CardContent, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { Link, useTranslate } from 'react-admin';

interface Props {
  title: string;
  value: ReactNode;
  hint?: ReactNode;
  icon: ReactNode;
  /** Where the figure comes from: a list filtered to the same orders. */
  to: string;
  tone?: 'primary' | 'warning' | 'error' | 'success';
  testId: string;
}

export const StatCard = ({ title, value, hint, icon, to, tone = 'primary', testId }: Props) => {
  const translate = useTranslate();
  return (
    <Card sx={{ height: '100%' }} data-testid={testId}>
      <CardActionArea component={Link} to={to} sx={{ height: '100%' }}>
        <CardContent sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
          <Box sx={{ p: 1, borderRadius: 2, bgcolor: `${tone}.main`, color: '#fff', display: 'flex', opacity: 0.9 }}>{icon}</Box>
          <Box sx={{ minWidth: 0 }}>
            <Typography variant="body2" color="text.secondary">{translate(title)}</Typography>
            <Typography variant="h5" sx={{ fontWeight: 700, fontVariantNumeric: 'tabular-nums', lineHeight: 1.3 }}>{value}</Typography>
            {hint && <Typography variant="caption" color="text.secondary">{hint}</Typography>}
          </Box>
        </CardContent>
      </CardActionArea>
    </Card>
  );
};
