import MatchIcon from '@mui/icons-material/PlaylistAddCheckOutlined';
import { Alert, Divider, Tab, Tabs } from '@mui/material';
import { Count, DataTable, Link, List, useListContext, useRecordContext, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { PaymentNotificationRecord } from '../types.js';
import { ProviderName, VerificationChip, outcomeText } from './labels.js';
import { RawNotification } from './RawNotification.js';

type Filter = { unmatched?: boolean; verified?: boolean };

const TABS: { id: 'unmatched' | 'refused' | 'all'; filter: Filter }[] = [
  { id: 'unmatched', filter: { unmatched: true } },
  { id: 'refused', filter: { verified: false } },
  { id: 'all', filter: {} },
];

const tabOf = (f: Filter) => TABS.find((t) => Boolean(t.filter.unmatched) === Boolean(f.unmatched) && t.filter.verified === f.verified)?.id ?? 'all';

const NotificationTabs = () => {
  const translate = useTranslate();
  const { filterValues, setFilters, displayedFilters } = useListContext();
  const { unmatched: _u, verified: _v, ...others } = filterValues as Filter & Record<string, unknown>;
  const current = tabOf(filterValues as Filter);
  return (
    <>
      <Tabs value={current} onChange={(_, id: string) => setFilters({ ...others, ...TABS.find((t) => t.id === id)!.filter }, displayedFilters)}>
        {TABS.map((tab) => (
          <Tab
            key={tab.id} value={tab.id} data-testid={`notification-tab-${tab.id}`}
            label={(
              <span>
                {translate(`kami.notifications.tab.${tab.id}`)}{' '}
                {tab.id !== 'all' && <Count filter={{ ...others, ...tab.filter }} sx={{ lineHeight: 'inherit', color: 'text.secondary', fontWeight: 500 }} />}
              </span>
            )}
          />
        ))}
      </Tabs>
      <Divider />
      <Alert severity="info" variant="outlined" sx={{ m: 1.5 }}>{translate(`kami.notifications.help_${current}`)}</Alert>
    </>
  );
};

const Raw = () => {
  const record = useRecordContext<PaymentNotificationRecord>();
  return record ? <RawNotification n={record} /> : null;
};

const Empty = () => {
  const { filterValues } = useListContext();
  const tab = tabOf(filterValues as Filter);
  return <EmptyState icon={<MatchIcon />} title={`kami.notifications.empty_title_${tab}`} text={`kami.notifications.empty_text_${tab}`} />;
};

const Col = DataTable.Col<PaymentNotificationRecord>;

/**
 * What the gateways sent that no order took: verified payments whose reference names no order (money
 * a person must match to its order, e.g. by confirming that order paid with this transaction), and
 * refused notifications (forged, stale or malformed). A row unfolds the request exactly as received.
 */
export const NotificationList = () => {
  const translate = useTranslate();
  return (
    <List
      filterDefaultValues={{ unmatched: true }}
      sort={{ field: 'receivedAt', order: 'DESC' }}
      perPage={25}
      exporter={false}
      empty={false}
      actions={false}
      title="kami.notifications.title"
    >
      <NotificationTabs />
      <DataTable bulkActionButtons={false} rowClick="expand" expand={<Raw />} empty={<Empty />}>
        <Col source="receivedAt" render={() => <DateTimeField source="receivedAt" />} />
        <Col source="provider" render={(n) => <ProviderName provider={n.provider} />} />
        <Col source="kind" disableSort render={(n) => translate(`kami.payments.kind.${n.kind}`, { _: n.kind })} />
        <Col source="verified" disableSort render={(n) => <VerificationChip n={n} />} />
        <Col source="outcome" render={(n) => outcomeText(n.outcome, translate)} />
        <Col source="txnId" disableSort render={(n) => (n.txnId ? <Mono>{n.txnId}</Mono> : '—')} />
        <Col source="sourceIp" disableSort render={(n) => (n.sourceIp ? <Mono>{n.sourceIp}</Mono> : '—')} />
        <Col
          source="orderId" disableSort
          render={(n) => (n.orderId
            ? <Link to={`/orders/${encodeURIComponent(n.orderId)}/show`} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}><Mono>{n.orderId}</Mono></Link>
            : '—')}
        />
      </DataTable>
    </List>
  );
};
