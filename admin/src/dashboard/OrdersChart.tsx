import { Card, CardContent, Typography } from '@mui/material';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLocaleState, useTranslate } from 'react-admin';
import { KAMI } from '../theme.js';
import type { Stats } from '../types.js';

/** Orders created per hour over the last 24 hours, in the browser's time zone. */
export const OrdersChart = ({ data }: { data: Stats['ordersPerHour'] }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const points = data.map((p) => ({ label: hour.format(new Date(p.hour)), count: p.count }));
  return (
    <Card sx={{ height: '100%' }} data-testid="orders-chart">
      <CardContent>
        <Typography variant="subtitle2" sx={{ mb: 1 }}>{translate('kami.dashboard.orders_per_hour')}</Typography>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={KAMI.line} />
            <XAxis dataKey="label" tick={{ fontSize: 11 }} interval={2} tickLine={false} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} tickLine={false} axisLine={false} />
            <Tooltip formatter={(v) => [v, translate('kami.dashboard.orders')]} cursor={{ fill: 'rgba(15,118,110,0.06)' }} />
            <Bar dataKey="count" fill={KAMI.teal} radius={[3, 3, 0, 0]} maxBarSize={28} />
          </BarChart>
        </ResponsiveContainer>
      </CardContent>
    </Card>
  );
};
