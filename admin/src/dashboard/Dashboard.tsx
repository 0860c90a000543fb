import AutoIcon from '@mui/icons-material/AutoModeOutlined';
import InboxIcon from '@mui/icons-material/MoveToInboxOutlined';
import PaymentsIcon from '@mui/icons-material/PaymentsOutlined';
import ReceiptIcon from '@mui/icons-material/ReceiptLongOutlined';
import SpeedIcon from '@mui/icons-material/SpeedOutlined';
import { Alert, Box, Grid } from '@mui/material';
import { Loading, Title, useLocaleState, useTranslate } from 'react-admin';
import { formatDuration, formatMoney, formatMs, startOfToday } from '../common/format.js';
import { useStats } from '../common/useStats.js';
import { PaymentTasks } from '../payments/PaymentTasks.js';
import { JumpedBatches } from './JumpedBatches.js';
import { LowStock } from './LowStock.js';
import { OrdersChart } from './OrdersChart.js';
import { StatCard } from './StatCard.js';

const ordersLink = (filter: object) => `/orders?filter=${encodeURIComponent(JSON.stringify(filter))}`;

/** Today at a glance; every card opens the list its figure was counted from. */
export const Dashboard = () => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const { data, error } = useStats();
  if (error) return <Alert severity="error" sx={{ mt: 2 }}>{error.message}</Alert>;
  if (!data) return <Loading />;
  const today = ordersLink({ createdFrom: startOfToday() });
  const { inbox } = data;
  const cards = [
    <StatCard key="sales" testId="card-sales" title="kami.dashboard.sales_today" icon={<PaymentsIcon />} to={today}
      value={formatMoney(data.today.salesCents, data.today.currency, locale)} />,
    <StatCard key="orders" testId="card-orders" title="kami.dashboard.orders_today" icon={<ReceiptIcon />} to={today}
      value={data.today.orders.toLocaleString(locale)} hint={translate('kami.dashboard.delivered_today', { count: data.today.delivered })} />,
    <StatCard key="inbox" testId="card-inbox" title="kami.dashboard.inbox" icon={<InboxIcon />} to="/reviews"
      tone={inbox.pending ? 'warning' : 'success'} value={inbox.pending.toLocaleString(locale)}
      hint={inbox.pending && inbox.oldestWaitSeconds !== null ? translate('kami.inbox.oldest', { wait: formatDuration(inbox.oldestWaitSeconds, locale) }) : translate('kami.dashboard.inbox_clear')} />,
    <StatCard key="auto" testId="card-automation" title="kami.dashboard.automation" icon={<AutoIcon />} to={ordersLink({ status: 'delivered' })} tone="success"
      value={data.automationRate === null ? '—' : `${Math.round(data.automationRate * 1000) / 10}%`} hint={translate('kami.dashboard.automation_help')} />,
    <StatCard key="latency" testId="card-latency" title="kami.dashboard.latency" icon={<SpeedIcon />} to={ordersLink({ status: 'delivered' })}
      value={formatMs(data.deliveryLatencyMs.p50, locale)} hint={translate('kami.dashboard.latency_p95', { p95: formatMs(data.deliveryLatencyMs.p95, locale) })} />,
  ];
  return (
    <Box sx={{ mt: 2 }}>
      <Title title="kami.dashboard.title" />
      <PaymentTasks />
      <JumpedBatches batches={data.jumpedBatches} />
      <Grid container spacing={2}>
        {cards.map((card) => <Grid key={card.key} size={{ xs: 12, sm: 6, lg: 12 / 5 }}>{card}</Grid>)}
        <Grid size={{ xs: 12, lg: 8 }}><OrdersChart data={data.ordersPerHour} /></Grid>
        <Grid size={{ xs: 12, lg: 4 }}><LowStock products={data.lowStock} /></Grid>
      </Grid>
    </Box>
  );
};
