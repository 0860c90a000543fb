import GatewayIcon from '@mui/icons-material/AccountBalanceWalletOutlined';
import { Chip, Stack, Typography } from '@mui/material';
import { DataTable, List, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import type { PaymentProviderRecord } from '../types.js';

const Empty = () => <EmptyState icon={<GatewayIcon />} title="kami.gateways.empty_title" text="kami.gateways.empty_text" />;

const Col = DataTable.Col<PaymentProviderRecord>;

export const SourceChip = ({ record }: { record: PaymentProviderRecord }) => {
  const translate = useTranslate();
  if (record.source === 'environment') return <Chip size="small" color="secondary" variant="outlined" label={translate('kami.gateways.source_environment')} data-source="environment" />;
  if (!record.version) return <Chip size="small" variant="outlined" label={translate('kami.gateways.not_configured')} data-source="none" />;
  return <Chip size="small" variant="outlined" label={translate('kami.gateways.source_panel')} data-source="panel" />;
};

export const EnabledChip = ({ enabled }: { enabled: boolean }) => {
  const translate = useTranslate();
  return <Chip size="small" color={enabled ? 'success' : 'default'} variant={enabled ? 'filled' : 'outlined'} label={translate(enabled ? 'kami.gateways.on' : 'kami.gateways.off')} data-enabled={enabled} />;
};

/**
 * The gateways this Kami can take money through (owners only): on or off, where each is configured,
 * what Kami can do with it, and how many of its secrets are stored. A row opens its settings.
 */
export const GatewayList = () => {
  const translate = useTranslate();
  return (
    <List exporter={false} pagination={false} perPage={100} empty={false} actions={false} title="kami.gateways.title" sort={{ field: 'id', order: 'ASC' }}>
      <DataTable rowClick="edit" bulkActionButtons={false} empty={<Empty />}>
        <Col
          source="displayName" disableSort
          render={(r) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 600 }}>{r.displayName}</Typography>
              <Mono>{r.id}</Mono>
            </Stack>
          )}
        />
        <Col source="enabled" disableSort render={(r) => <EnabledChip enabled={r.enabled} />} />
        <Col source="source" disableSort render={(r) => <SourceChip record={r} />} />
        <Col
          source="canQuery" disableSort
          render={(r) => (
            <Stack direction="row" spacing={0.5} sx={{ flexWrap: 'wrap' }}>
              {r.canQuery && <Chip size="small" variant="outlined" label={translate('kami.gateways.can_query')} />}
              <Chip size="small" variant="outlined" label={translate(r.canRefund ? 'kami.gateways.can_refund' : 'kami.gateways.refund_by_hand')} />
            </Stack>
          )}
        />
        <Col
          source="secrets" disableSort
          render={(r) => translate('kami.gateways.secrets_set', { count: Object.keys(r.secrets ?? {}).length, total: r.secretFields.length })}
        />
        <Col
          source="updatedAt" disableSort
          render={(r) => (r.updatedAt ? (
            <Stack>
              <DateTimeField source="updatedAt" />
              <Typography variant="caption" color="text.secondary">{r.updatedBy}</Typography>
            </Stack>
          ) : '—')}
        />
      </DataTable>
    </List>
  );
};
