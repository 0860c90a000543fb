import { Table, TableBody, TableCell, TableRow } from '@mui/material';
import { useRecordContext } from 'react-admin';
import { buyerFieldsOf, labelledInput } from '../../../domain/product-types.js';
import type { OrderRecord } from '../types.js';

/** What the buyer filled in for the product's own checkout fields, labelled as the product declares them. */
export const BuyerInputView = () => {
  const record = useRecordContext<OrderRecord>();
  const rows = labelledInput(buyerFieldsOf(record?.buyerFields), record?.buyerInput);
  if (!rows.length) return null;
  return (
    <Table size="small" data-testid="buyer-input">
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.name}>
            <TableCell sx={{ color: 'text.secondary', borderBottom: 0, py: 0.25, pl: 0 }}>{r.label}</TableCell>
            <TableCell sx={{ borderBottom: 0, py: 0.25, fontFamily: 'monospace' }}>{r.value}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

export const hasBuyerInput = (record: OrderRecord) => !!record.buyerInput && Object.keys(record.buyerInput).length > 0;
