import { Chip } from '@mui/material';
import { CreateButton, DataTable, List, SearchInput, TopToolbar, useTranslate } from 'react-admin';
import { DateTimeField } from '../common/fields.js';
import type { Operator } from '../types.js';

const ROLE_TONE = { owner: 'primary', operator: 'info', viewer: 'default' } as const;

const Col = DataTable.Col<Operator & { createdAt: string }>;

export const OperatorList = () => {
  const translate = useTranslate();
  return (
    <List filters={[<SearchInput key="q" source="q" alwaysOn />]} exporter={false} actions={<TopToolbar><CreateButton /></TopToolbar>}>
      <DataTable rowClick="edit" bulkActionButtons={false} rowSx={(r) => (r.disabled ? { opacity: 0.55 } : {})}>
        <Col source="name" />
        <Col source="email" />
        <Col source="role" render={(r) => <Chip size="small" color={ROLE_TONE[r.role]} label={translate(`kami.role.${r.role}`)} />} />
        <Col source="disabled" render={(r) => (r.disabled ? <Chip size="small" variant="outlined" label={translate('kami.operators.disabled')} /> : null)} />
        <Col source="createdAt" render={() => <DateTimeField source="createdAt" />} />
      </DataTable>
    </List>
  );
};
