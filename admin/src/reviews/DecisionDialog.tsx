import { Button, Dialog, DialogActions, DialogContent, DialogTitle, TextField, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useNotify, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { DecisionNoteField } from './DecisionNoteField.js';
import { Mono } from '../common/fields.js';
import type { Decision, OrderRecord } from '../types.js';
import { useCommands } from '../common/useCommands.js';

interface Props {
  /** reviewSeq is there when the dialog opens from the inbox: the server then refuses it for a newer review. */
  order: Pick<OrderRecord, 'id' | 'quantity' | 'productName'> & { reviewSeq?: number };
  decision: Decision;
  onClose: () => void;
}

/**
 * Approve or reject one order, pessimistically: nothing on screen changes until the server accepted the
 * decision; a refusal (e.g. someone else decided first) stays in the dialog with the server's reason.
 */
export const DecisionDialog = ({ order, decision, onClose }: Props) => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useCommands();
  const [note, setNote] = useState('');
  const [quantity, setQuantity] = useState(String(order.quantity));
  const partial = Number(quantity) !== order.quantity;
  const quantityValid = /^\d+$/.test(quantity) && Number(quantity) >= 1 && Number(quantity) <= order.quantity;

  const { mutate, isPending, error } = useMutation<OrderRecord, HttpError>({
    mutationFn: () => {
      const common = { ...(note ? { note } : {}), ...(order.reviewSeq ? { reviewSeq: order.reviewSeq } : {}) };
      return decision === 'approve'
        ? dataProvider.approveOrder(order.id, { ...common, ...(partial ? { quantity: Number(quantity) } : {}) })
        : dataProvider.rejectOrder(order.id, common);
    },
    onSuccess: () => {
      notify(`kami.decision.done_${decision}`, { type: 'success', messageArgs: { id: order.id } });
      onClose();
      refresh();
    },
  });

  return (
    <Dialog open onClose={isPending ? undefined : onClose} fullWidth maxWidth="xs" data-testid="decision-dialog">
      <DialogTitle>{translate(`kami.decision.title_${decision}`)}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" color="text.secondary">
          {order.productName} × {order.quantity} · <Mono>{order.id}</Mono>
        </Typography>
        {decision === 'approve' && (
          <TextField
            label={translate('kami.decision.quantity')}
            helperText={translate('kami.decision.quantity_help', { max: order.quantity })}
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            error={!quantityValid}
            slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'decision-quantity' } }}
          />
        )}
        <DecisionNoteField decision={decision} value={note} onChange={setNote} />
        {error && <ErrorAlert error={error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={isPending}>{translate('ra.action.cancel')}</Button>
        <Button
          variant="contained"
          color={decision === 'approve' ? 'primary' : 'error'}
          onClick={() => mutate()}
          disabled={isPending || !quantityValid}
          data-testid="decision-confirm"
        >
          {translate(`kami.decision.confirm_${decision}`)}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
