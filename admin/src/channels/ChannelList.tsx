import HubIcon from '@mui/icons-material/HubOutlined';
import { Chip, Stack, Typography } from '@mui/material';
import { CreateButton, DataTable, List, TopToolbar, useCanAccess, useTranslate } from 'react-admin';
import { EmptyState } from '../common/EmptyState.js';
import { DateTimeField, Mono } from '../common/fields.js';
import { MoneyOf } from '../payments/MoneyOf.js';
import type { ChannelRecord } from '../types.js';

const Col = DataTable.Col<ChannelRecord>;

export const KindChip = ({ kind }: { kind: string }) => {
  const translate = useTranslate();
  return <Chip size="small" variant="outlined" color={kind === 'retail' ? 'primary' : 'default'} label={translate(`kami.channels.kind.${kind}`, { _: kind })} data-kind={kind} />;
};

const State = ({ record }: { record: ChannelRecord }) => {
  const translate = useTranslate();
  const live = record.credentials.filter((k) => !k.revokedAt && (k.expiresAt === null || Date.parse(k.expiresAt) > Date.now())).length;
  return (
    <Stack direction="row" spacing={0.5}>
      <Chip size="small" color={record.disabled ? 'default' : 'success'} variant={record.disabled ? 'outlined' : 'filled'}
        label={translate(record.disabled ? 'kami.channels.disabled' : 'kami.channels.enabled')} />
      {record.id !== 'retail' && <Chip size="small" variant="outlined" label={translate('kami.channels.live_keys', { smart_count: live })} />}
    </Stack>
  );
};

const Actions = () => {
  const { canAccess } = useCanAccess({ resource: 'channels', action: 'create' });
  return <TopToolbar>{canAccess && <CreateButton label="kami.channels.create" />}</TopToolbar>;
};

/** Where orders come from: the storefront (retail) and the partner channels, with their payment mode and balance. */
export const ChannelList = () => {
  const translate = useTranslate();
  const { canAccess: canEdit } = useCanAccess({ resource: 'channels', action: 'edit' });
  return (
    <List exporter={false} perPage={100} pagination={false} sort={{ field: 'createdAt', order: 'ASC' }} actions={<Actions />} title="kami.channels.title" empty={false}>
      <DataTable rowClick={canEdit ? 'edit' : 'show'} bulkActionButtons={false}
        empty={<EmptyState icon={<HubIcon />} title="kami.channels.empty_title" text="kami.channels.empty_text" />}>
        <Col source="name" render={(r) => (
          <Stack>
            <Typography variant="body2" sx={{ fontWeight: 600 }}>{r.name}</Typography>
            <Mono>{r.id}</Mono>
          </Stack>
        )} />
        <Col source="kind" render={(r) => <KindChip kind={r.kind} />} />
        <Col source="disabled" render={(r) => <State record={r} />} />
        <Col source="settings.paymentMode" disableSort
          render={(r) => (r.settings ? translate(`kami.channels.payment_mode.${r.settings.paymentMode}`) : translate('kami.channels.storefront'))} />
        <Col source="balances" disableSort render={(r) => (r.balances.length
          ? <Stack>{r.balances.map((b) => <MoneyOf key={b.currency} minor={b.balanceMinor} currency={b.currency} />)}</Stack>
          : '—')} />
        <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
      </DataTable>
    </List>
  );
};
