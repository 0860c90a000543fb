import { Chip, Typography } from '@mui/material';
import { DataTable, List, useCanAccess, useTranslate } from 'react-admin';
import type { RuleRecord } from '../types.js';

const Col = DataTable.Col<RuleRecord>;

const Scope = ({ record }: { record: RuleRecord }) => {
  const translate = useTranslate();
  if (record.scope === 'global') return <Chip size="small" color="primary" label={translate('kami.rules.global')} />;
  return record.scope === 'channel'
    ? <Typography variant="body2"><Chip size="small" variant="outlined" sx={{ mr: 1 }} label={translate('kami.rules.channel')} />{record.name}</Typography>
    : <Typography variant="body2">{record.name}</Typography>;
};

const Overrides = ({ record }: { record: RuleRecord }) => {
  const translate = useTranslate();
  const keys = Object.keys(record.settings ?? {});
  if (record.id === 'global') return <Typography variant="body2" color="text.secondary">{translate('kami.rules.global_help')}</Typography>;
  return keys.length
    ? <>{keys.map((k) => <Chip key={k} size="small" variant="outlined" sx={{ mr: 0.5 }} label={translate(`resources.rules.fields.settings.${k}`, { _: k })} />)}</>
    : <Typography variant="body2" color="text.secondary">{translate('kami.rules.inherits')}</Typography>;
};

/** Global settings first, then each partner channel's and each product's overrides; what a layer leaves unset comes from the one before. */
export const RuleList = () => {
  const { canAccess: canEdit } = useCanAccess({ resource: 'rules', action: 'edit' });
  return (
    <List exporter={false} pagination={false} perPage={1000}>
      <DataTable rowClick={canEdit ? 'edit' : false} bulkActionButtons={false}>
        <Col source="id" disableSort render={(r) => <Scope record={r} />} />
        <Col source="settings" label="kami.rules.overrides" disableSort render={(r) => <Overrides record={r} />} />
      </DataTable>
    </List>
  );
};
