import { Alert, AlertTitle, Box, Card, CardContent, Chip, Grid, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { Link, ReferenceField, Show, TextField, useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { formatDateTime, formatMoney } from '../common/format.js';
import { maskHint } from '../common/maskHint.js';
import { Mono, ReasonChips, StatusChip } from '../common/fields.js';
import { ProviderName } from '../payments/labels.js';
import { OrderPayments } from '../payments/OrderPayments.js';
import { PriceBreakdownView } from '../promotions/PriceBreakdownView.js';
import type { OrderRecord } from '../types.js';
import { BuyerInputView, hasBuyerInput } from './BuyerInputView.js';
import { OrderActions } from './OrderActions.js';
import { OrderDeliveries } from './OrderDeliveries.js';
import { OrderTimeline } from './OrderTimeline.js';

const Row = ({ label, children }: { label: string; children: ReactNode }) => {
  const translate = useTranslate();
  return (
    <TableRow>
      <TableCell sx={{ color: 'text.secondary', width: 160, borderBottom: 0, py: 0.75 }}>{translate(label)}</TableCell>
      <TableCell sx={{ borderBottom: 0, py: 0.75 }}>{children}</TableCell>
    </TableRow>
  );
};

const Header = () => {
  const record = useRecordContext<OrderRecord>()!;
  const [locale] = useLocaleState();
  return (
    <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ justifyContent: 'space-between', alignItems: { md: 'center' } }}>
      <Box>
        <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center' }}>
          <Typography variant="h5">{record.productName} × {record.quantity}</Typography>
          <StatusChip status={record.status} size="medium" />
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
          <Mono>{record.id}</Mono> · {formatMoney(record.amountCents, record.currency, locale)} · {record.email}
        </Typography>
      </Box>
      <OrderActions />
    </Stack>
  );
};

const Details = () => {
  const record = useRecordContext<OrderRecord>()!;
  const [locale] = useLocaleState();
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '—');
  return (
    <Table size="small">
      <TableBody>
        <Row label="resources.orders.fields.productName">
          <Link to={`/products/${record.productId}`}>{record.productName}</Link> <Mono>({record.sku})</Mono>
        </Row>
        <Row label="resources.orders.fields.email">{record.email}</Row>
        {record.phone && <Row label="kami.deliveries.phone"><Mono>{record.phone}</Mono></Row>}
        {hasBuyerInput(record) && <Row label="kami.product_types.buyer_input"><BuyerInputView /></Row>}
        {record.fulfilment && <Row label="kami.fulfilment.result"><FulfilmentView /></Row>}
        {record.device && <Row label="kami.fulfilment.activation"><DeviceView /></Row>}
        <Row label="resources.orders.fields.amountCents">{formatMoney(record.amountCents, record.currency, locale)}</Row>
        <Row label="resources.orders.fields.paymentProvider">{record.paymentProvider ? <ProviderName provider={record.paymentProvider} /> : '—'}</Row>
        {record.channelId !== 'retail' && <ChannelRows />}
        {record.priceBreakdown && <Row label="resources.orders.fields.priceBreakdown"><PriceBreakdownView breakdown={record.priceBreakdown} /></Row>}
        <Row label="resources.orders.fields.createdAt">{when(record.createdAt)}</Row>
        <Row label="resources.orders.fields.expiresAt">{when(record.expiresAt)}</Row>
        <Row label="resources.orders.fields.paidAt">{when(record.paidAt)}</Row>
        <Row label="resources.orders.fields.deliveredAt">{when(record.deliveredAt)}</Row>
      </TableBody>
    </Table>
  );
};

/** A partner's order: its channel, the partner's own order id, how it is delivered. */
const ChannelRows = () => {
  const record = useRecordContext<OrderRecord>()!;
  const translate = useTranslate();
  return (
    <>
      <Row label="resources.orders.fields.channelId">
        <ReferenceField source="channelId" reference="channels" link="edit"><TextField source="name" /></ReferenceField> <Mono>({record.channelId})</Mono>
      </Row>
      <Row label="resources.orders.fields.externalOrderId"><Mono>{record.externalOrderId ?? '—'}</Mono></Row>
      {(record.splitDelivery || !record.emailKeys) && (
        <Row label="kami.orders.delivery_terms">
          <Stack direction="row" spacing={0.5}>
            {record.splitDelivery && <Chip size="small" variant="outlined" label={translate('kami.orders.split')} />}
            {!record.emailKeys && <Chip size="small" variant="outlined" label={translate('kami.orders.not_emailed')} />}
          </Stack>
        </Row>
      )}
    </>
  );
};

/** The device a device-bound order activates, and whose code it got: its own, or the one bound before. */
const DeviceView = () => {
  const { device, id } = useRecordContext<OrderRecord>()!;
  const translate = useTranslate();
  if (!device) return null;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }} data-testid="order-device">
      <Mono>{device.deviceId}</Mono>
      {device.boundBy === null && <Chip size="small" label={translate('kami.fulfilment.device_unbound')} />}
      {device.boundBy === id && <Chip size="small" color="success" label={translate('kami.fulfilment.device_bound_here')} />}
      {device.boundBy !== null && device.boundBy !== id && (
        <Typography variant="body2">{translate('kami.fulfilment.device_same_code')} <Link to={`/orders/${device.boundBy}/show`}><Mono>{device.boundBy}</Mono></Link></Typography>
      )}
    </Stack>
  );
};

const FULFILMENT_TONE = { calling: 'info', fulfilled: 'success', refused: 'error', failed: 'warning' } as const;

/** What the merchant's system answered (its receipt is the order's key, below). */
const FulfilmentView = () => {
  const { fulfilment: f } = useRecordContext<OrderRecord>()!;
  const translate = useTranslate();
  if (!f) return null;
  return (
    <Stack spacing={0.5} data-testid="order-fulfilment">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Chip size="small" color={FULFILMENT_TONE[f.status]} label={translate(`kami.fulfilment.status.${f.status}`)} />
        <Typography variant="body2" color="text.secondary">{translate('kami.fulfilment.attempts', { smart_count: f.attempts })}</Typography>
      </Stack>
      {f.reference && <Typography variant="body2">{translate('kami.fulfilment.reference')}: <Mono>{f.reference}</Mono></Typography>}
      {f.refusal && <Typography variant="body2">{translate('kami.fulfilment.refusal')}: {f.refusal}</Typography>}
      {f.lastError && f.status !== 'fulfilled' && <Typography variant="body2" color="text.secondary">{translate('kami.fulfilment.last_error')}: {f.lastError}</Typography>}
    </Stack>
  );
};

const KEY_TONE = { available: 'success', reserved: 'info', sold: 'default', void: 'error' } as const;

/** The order's keys by hint only, compact: a large order holds hundreds. */
const Keys = () => {
  const record = useRecordContext<OrderRecord>()!;
  const translate = useTranslate();
  if (!record.keys?.length) return <Typography variant="body2" color="text.secondary">{translate('kami.orders.no_keys')}</Typography>;
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.75 }} data-testid="order-keys">
      {record.keys.map((k) => (
        <Chip
          key={k.id} size="small" variant="outlined" color={KEY_TONE[k.status]} data-key-id={k.id}
          label={<Mono>#{k.id} {maskHint(k.hint)}</Mono>} title={translate(`kami.key_status.${k.status}`)}
        />
      ))}
    </Box>
  );
};

const Attention = () => {
  const record = useRecordContext<OrderRecord>()!;
  const translate = useTranslate();
  return (
    <>
      {record.reviewReasons?.length > 0 && (
        <Alert severity="warning" sx={{ mt: 2 }}>
          <AlertTitle>{translate('kami.orders.review_reasons')}</AlertTitle>
          <ReasonChips reasons={record.reviewReasons} />
          {record.reviewReasons.map((r) => <Typography key={r.code} variant="body2">{r.message}</Typography>)}
        </Alert>
      )}
      {record.attention && (
        <Alert severity="error" sx={{ mt: 2 }}><AlertTitle>{translate('kami.orders.attention')}</AlertTitle>{record.attention}</Alert>
      )}
    </>
  );
};

const Section = ({ title, children }: { title: string; children: ReactNode }) => {
  const translate = useTranslate();
  return (
    <Card>
      <CardContent>
        <Typography variant="subtitle2" sx={{ mb: 1 }}>{translate(title)}</Typography>
        {children}
      </CardContent>
    </Card>
  );
};

const OrderTitle = () => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  return <span>{translate('kami.orders.title', { id: record?.id ?? '' })}</span>;
};

/** The sections read the record unconditionally, so nothing renders before it has loaded. */
const OrderShowContent = () => {
  const record = useRecordContext<OrderRecord>();
  if (!record) return null;
  return (
    <>
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <Header />
          <Attention />
        </CardContent>
      </Card>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 7 }}>
          <Stack spacing={2}>
            <Section title="kami.orders.details"><Details /></Section>
            <Section title="kami.orders.keys"><Keys /></Section>
          </Stack>
        </Grid>
        <Grid size={{ xs: 12, md: 5 }}>
          <Section title="kami.orders.timeline"><OrderTimeline /></Section>
        </Grid>
        <Grid size={12}>
          <Section title="kami.deliveries.title"><OrderDeliveries /></Section>
        </Grid>
        <Grid size={12}>
          <Section title="kami.orders.payment"><OrderPayments /></Section>
        </Grid>
      </Grid>
    </>
  );
};

export const OrderShow = () => (
  <Show title={<OrderTitle />} actions={false} component="div">
    <OrderShowContent />
  </Show>
);
