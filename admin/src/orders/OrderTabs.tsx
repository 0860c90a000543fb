import { Divider, Tab, Tabs } from '@mui/material';
import { Count, useListContext, useTranslate } from 'react-admin';
import type { OrderStatus } from './statuses.js';

/** Tabs filter by status; those needing a person come first, and the finished-unhappily ones share a tab. */
const TABS: { id: string; statuses?: OrderStatus[] }[] = [
  { id: 'all' },
  { id: 'in_review', statuses: ['in_review'] },
  { id: 'backorder', statuses: ['backorder'] },
  { id: 'needs_attention', statuses: ['needs_attention'] },
  { id: 'awaiting_payment', statuses: ['awaiting_payment'] },
  { id: 'delivering', statuses: ['paid', 'delivering'] },
  { id: 'delivered', statuses: ['delivered'] },
  { id: 'closed', statuses: ['rejected', 'cancelled', 'expired', 'refunded', 'failed'] },
];

const statusFilter = (statuses: OrderStatus[]) => (statuses.length === 1 ? statuses[0] : statuses);
const sameStatuses = (value: unknown, statuses?: OrderStatus[]) =>
  JSON.stringify([value ?? []].flat().sort()) === JSON.stringify([...(statuses ?? [])].sort());

export const OrderTabs = () => {
  const translate = useTranslate();
  const { filterValues, setFilters, displayedFilters } = useListContext();
  const { status, ...otherFilters } = filterValues as { status?: OrderStatus | OrderStatus[] };
  const current = TABS.find((t) => sameStatuses(status, t.statuses))?.id ?? false;

  return (
    <>
      <Tabs
        value={current}
        variant="scrollable"
        scrollButtons="auto"
        onChange={(_, id: string) => {
          const statuses = TABS.find((t) => t.id === id)?.statuses;
          setFilters(statuses ? { ...otherFilters, status: statusFilter(statuses) } : otherFilters, displayedFilters);
        }}
      >
        {TABS.map((tab) => (
          <Tab
            key={tab.id}
            value={tab.id}
            data-testid={`tab-${tab.id}`}
            label={
              <span>
                {translate(`kami.orders.tab.${tab.id}`)}{' '}
                <Count
                  filter={{ ...otherFilters, ...(tab.statuses ? { status: statusFilter(tab.statuses) } : {}) }}
                  sx={{ lineHeight: 'inherit', color: 'text.secondary', fontWeight: 500 }}
                />
              </span>
            }
          />
        ))}
      </Tabs>
      <Divider />
    </>
  );
};
