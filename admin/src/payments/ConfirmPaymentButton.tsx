import PaidIcon from '@mui/icons-material/PriceCheckOutlined';
import {
  Alert, AlertTitle, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField, Typography,
} from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useCanAccess, useLocaleState, useNotify, useRecordContext, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { accepts } from '../../../domain/order-commands.js';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { Mono } from '../common/fields.js';
import { formatMoney } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import type { ConfirmPaymentResult, OrderRecord } from '../types.js';

/** The server's bounds for a reference (POST /orders/:id/confirm-payment). */
const MIN_REFERENCE = 3;
const MAX_REFERENCE = 100;

/** What each gateway said when asked, as the server lists it in a 409 payment_not_found (`details.asked`). */
const askedOf = (error: HttpError | null): string[] | null => {
  if ((error?.body as { code?: string } | undefined)?.code !== 'payment_not_found') return null;
  const asked = (error?.body as { details?: { asked?: unknown } }).details?.asked;
  return Array.isArray(asked) ? asked.map(String) : [];
};

/**
 * "Confirm paid" for an order awaiting payment, expired or cancelled (domain/order-commands.ts, the
 * table the server checks too). First a plain click asks the order's gateways: a gateway that reports
 * it paid is proof, and the payment is recorded from its answer. When none does, the dialog shows what
 * each said and asks for the payment's reference (and a note) to confirm it by hand, on the operator's
 * word, which the audit log keeps. Either way the order's run settles the payment as any other: a late
 * one goes to review.
 */
export const ConfirmPaymentButton = () => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useCommands();
  const { canAccess } = useCanAccess({ resource: 'orders', action: 'confirm_payment' });
  const [open, setOpen] = useState(false);
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  // what the gateways said when asked: null until asked (then the reference may be given)
  const [asked, setAsked] = useState<string[] | null>(null);

  const done = (result: ConfirmPaymentResult) => {
    notify(result.confirmedBy === 'gateway' ? 'kami.orders.command.confirm_payment.done_gateway' : 'kami.orders.command.confirm_payment.done', { type: 'success' });
    setOpen(false);
    refresh();
  };
  const ask = useMutation<ConfirmPaymentResult, HttpError>({
    mutationFn: () => dataProvider.confirmPayment(record!.id, note.trim() ? { note: note.trim() } : {}),
    onSuccess: done,
    onError: (error) => setAsked(askedOf(error)),
  });
  const confirm = useMutation<ConfirmPaymentResult, HttpError>({
    mutationFn: () => dataProvider.confirmPayment(record!.id, { reference: reference.trim(), ...(note.trim() ? { note: note.trim() } : {}) }),
    onSuccess: done,
  });
  if (!record || !canAccess || !accepts('confirm_payment', record)) return null;

  const t = (key: string, options?: object) => translate(`kami.orders.command.confirm_payment.${key}`, options);
  const pending = ask.isPending || confirm.isPending;
  const start = () => { setAsked(null); setReference(''); setNote(''); ask.reset(); confirm.reset(); setOpen(true); };
  const close = () => setOpen(false);
  // a refusal other than "not found" (already paid, no attempt, not payable…) is shown as it is
  const askError = ask.error && asked === null ? ask.error : null;
  const referenceOk = reference.trim().length >= MIN_REFERENCE;

  return (
    <>
      <Button size="small" variant="outlined" startIcon={<PaidIcon />} onClick={start} data-testid="command-confirm_payment">
        {t('label')}
      </Button>
      <Dialog open={open} onClose={pending ? undefined : close} fullWidth maxWidth="sm" data-testid="command-confirm_payment-dialog">
        <DialogTitle>{t('title')}</DialogTitle>
        <DialogContent>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            <Mono>{record.id}</Mono> · {formatMoney(record.amountCents, record.currency, locale)} · {translate(`kami.status.${record.status}`)}
          </Typography>
          <DialogContentText>{t('content')}</DialogContentText>
          {askError && <ErrorAlert error={askError} />}
          {asked !== null && (
            <Alert severity="warning" sx={{ mt: 2 }} data-testid="confirm-payment-asked">
              <AlertTitle>{t('not_found')}</AlertTitle>
              {asked.length ? (
                <>
                  <Typography variant="body2">{t('asked_list')}</Typography>
                  <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
                    {asked.map((line, i) => <li key={i}><Mono>{line}</Mono></li>)}
                  </Box>
                </>
              ) : <Typography variant="body2">{t('asked_none')}</Typography>}
            </Alert>
          )}
          {asked !== null && (
            <Box sx={{ mt: 2 }}>
              <Alert severity="info" variant="outlined" sx={{ mb: 2 }}>{t('by_hand')}</Alert>
              <TextField
                label={t('reference')} helperText={t('reference_help')} value={reference} onChange={(e) => setReference(e.target.value)}
                required fullWidth autoFocus slotProps={{ htmlInput: { 'data-testid': 'confirm-payment-reference', maxLength: MAX_REFERENCE } }}
              />
            </Box>
          )}
          <TextField
            label={t('note')} helperText={t('note_help')} value={note} onChange={(e) => setNote(e.target.value)}
            fullWidth multiline minRows={2} sx={{ mt: 2 }} slotProps={{ htmlInput: { 'data-testid': 'confirm-payment-note', maxLength: 1000 } }}
          />
          {confirm.error && <ErrorAlert error={confirm.error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={pending}>{translate('ra.action.cancel')}</Button>
          {asked === null ? (
            <Button variant="contained" onClick={() => ask.mutate()} disabled={pending} data-testid="confirm-payment-ask">
              {ask.isPending ? t('asking') : t('ask')}
            </Button>
          ) : (
            <Button variant="contained" color="warning" onClick={() => confirm.mutate()} disabled={pending || !referenceOk} data-testid="confirm-payment-confirm">
              {t('confirm')}
            </Button>
          )}
        </DialogActions>
      </Dialog>
    </>
  );
};
