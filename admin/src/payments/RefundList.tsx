import RefundIcon from '@mui/icons-material/CurrencyExchangeOutlined';
import { Box, Divider, Tab, Tabs, Typography } from '@mui/material';
import { Count, DataTable, Link, List, useListContext, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { RefundRecord, RefundStatus } from '../types.js';
import { CloseRefundButton } from './CloseRefundButton.js';
import { ProviderName, REFUNDS_TO_DO, RefundStatusChip } from './labels.js';
import { MoneyOf } from './MoneyOf.js';

const TABS: { id: string; statuses?: RefundStatus[] }[] = [
  { id: 'todo', statuses: REFUNDS_TO_DO },
  { id: 'at_gateway', statuses: ['requested', 'pending'] },
  { id: 'closed', statuses: ['succeeded', 'done'] },
  { id: 'all' },
];

const same = (value: unknown, statuses?: RefundStatus[]) =>
  JSON.stringify([value ?? []].flat().sort()) === JSON.stringify([...(statuses ?? [])].sort());

/** To do first: refunds no gateway will pay back by itself. */
const RefundTabs = () => {
  const translate = useTranslate();
  const { filterValues, setFilters, displayedFilters } = useListContext();
  const { status, ...others } = filterValues as { status?: RefundStatus[] };
  const current = TABS.find((t) => same(status, t.statuses))?.id ?? false;
  return (
    <>
      <Tabs
        value={current}
        onChange={(_, id: string) => {
          const statuses = TABS.find((t) => t.id === id)?.statuses;
          setFilters(statuses ? { ...others, status: statuses } : others, displayedFilters);
        }}
      >
        {TABS.map((tab) => (
          <Tab
            key={tab.id} value={tab.id} data-testid={`refund-tab-${tab.id}`}
            label={(
              <span>
                {translate(`kami.refunds.tab.${tab.id}`)}{' '}
                <Count filter={{ ...others, ...(tab.statuses ? { status: tab.statuses } : {}) }} sx={{ lineHeight: 'inherit', color: 'text.secondary', fontWeight: 500 }} />
              </span>
            )}
          />
        ))}
      </Tabs>
      <Divider />
    </>
  );
};

const Empty = () => <EmptyState icon={<RefundIcon />} title="kami.refunds.empty_title" text="kami.refunds.empty_text" />;

const Col = DataTable.Col<RefundRecord>;

/**
 * Refunds, the ones waiting for a person first (a gateway without a refund API, the sandbox, or one
 * that refused): pay the buyer back, then "Mark refunded" with the reference of that payment.
 */
export const RefundList = () => (
  <List
    filterDefaultValues={{ status: REFUNDS_TO_DO }}
    sort={{ field: 'createdAt', order: 'ASC' }}
    perPage={25}
    exporter={false}
    empty={false}
    title="kami.refunds.title"
    actions={false}
  >
    <RefundTabs />
    <DataTable bulkActionButtons={false} rowClick={false} empty={<Empty />}>
      <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
      <Col
        source="orderId" disableSort
        render={(r) => <Link to={`/orders/${encodeURIComponent(r.orderId)}/show`} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}><Mono>{r.orderId}</Mono></Link>}
      />
      <Col source="provider" disableSort render={(r) => <ProviderName provider={r.provider} />} />
      <Col source="amountMinor" align="right" render={(r) => <MoneyOf minor={r.amountMinor} currency={r.currency} />} />
      <Col source="status" render={(r) => <RefundStatusChip status={r.status} />} />
      <Col
        source="reason" disableSort
        render={(r) => (
          <Box sx={{ minWidth: 160, maxWidth: 360 }}>
            <Typography variant="body2">{r.reason}</Typography>
            {r.lastError && <Typography variant="caption" color="error.main" sx={{ overflowWrap: 'anywhere' }}>{r.lastError}</Typography>}
          </Box>
        )}
      />
      <Col source="payment" disableSort render={(r) => (r.payment ? <Mono>{r.payment.txnId}</Mono> : '—')} />
      <Col
        source="reference" disableSort
        render={(r) => (r.reference ? (
          <Box>
            <Mono>{r.reference}</Mono>
            {r.closedBy && <Typography variant="caption" component="div" color="text.secondary">{r.closedBy}</Typography>}
          </Box>
        ) : '—')}
      />
      <Col label="" disableSort align="right" render={(r) => <CloseRefundButton refund={r} />} />
    </DataTable>
  </List>
);
