import DoneIcon from '@mui/icons-material/TaskAltOutlined';
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useCanAccess, useLocaleState, useNotify, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { formatMoney } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import type { RefundRecord } from '../types.js';
import { OPEN_REFUND } from './labels.js';

/** The server's minimum for a reference (POST /refunds/:id/close). */
const MIN_REFERENCE = 3;

/**
 * "Mark refunded": a person paid the buyer back outside Kami (a transfer, the gateway's merchant
 * portal) and records the reference of that payment. Only for refunds still waiting for a person.
 */
export const CloseRefundButton = ({ refund }: { refund: RefundRecord }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useCommands();
  const { canAccess } = useCanAccess({ resource: 'refunds', action: 'close' });
  const [open, setOpen] = useState(false);
  const [reference, setReference] = useState('');
  const { mutate, isPending, error, reset } = useMutation<RefundRecord, HttpError>({
    mutationFn: () => dataProvider.closeRefund(refund.id, reference.trim()),
    onSuccess: () => {
      notify('kami.refunds.done', { type: 'success' });
      setOpen(false);
      refresh();
    },
  });
  if (!canAccess || !OPEN_REFUND.includes(refund.status)) return null;
  const close = () => { setOpen(false); reset(); };
  return (
    <>
      <Button
        size="small" variant="outlined" startIcon={<DoneIcon />} data-testid={`close-refund-${refund.id}`} sx={{ whiteSpace: 'nowrap' }}
        onClick={(e) => { e.stopPropagation(); setOpen(true); }}
      >
        {translate('kami.refunds.mark_refunded')}
      </Button>
      <Dialog open={open} onClose={isPending ? undefined : close} fullWidth maxWidth="xs" data-testid="close-refund-dialog" onClick={(e) => e.stopPropagation()}>
        <DialogTitle>{translate('kami.refunds.mark_title')}</DialogTitle>
        <DialogContent>
          <Typography variant="h6" sx={{ fontVariantNumeric: 'tabular-nums' }}>{formatMoney(refund.amountMinor, refund.currency, locale)}</Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
            {translate('kami.refunds.for_order', { id: refund.orderId })}{refund.reason ? ` · ${refund.reason}` : ''}
          </Typography>
          <DialogContentText sx={{ mb: 2 }}>{translate('kami.refunds.mark_content')}</DialogContentText>
          <TextField
            label={translate('kami.refunds.reference')} helperText={translate('kami.refunds.reference_help')} value={reference}
            onChange={(e) => setReference(e.target.value)} autoFocus required fullWidth
            slotProps={{ htmlInput: { 'data-testid': 'close-refund-reference', maxLength: 200 } }}
          />
          {error && <ErrorAlert error={error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={isPending}>{translate('ra.action.cancel')}</Button>
          <Button variant="contained" onClick={() => mutate()} disabled={isPending || reference.trim().length < MIN_REFERENCE} data-testid="close-refund-confirm">
            {translate('kami.refunds.mark_confirm')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
};
