import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState, type ReactElement } from 'react';
import { useCanAccess, useNotify, useRecordContext, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import type { KamiDataProvider } from '../dataProvider.js';
import type { OrderRecord } from '../types.js';
import { accepts } from '../../../domain/order-commands.js';
import { useCommands } from '../common/useCommands.js';

interface Props {
  /**
   * Names the permission (orders.<command>) and the messages (kami.orders.command.<command>.*); the
   * button shows only when the order accepts it (domain/order-commands.ts, the table the server checks).
   */
  command: 'resend' | 'resend_sms' | 'cancel' | 'mark_delivered';
  icon: ReactElement;
  /** Asks for a text (e.g. what was handed over by hand) that the command sends. */
  withText?: boolean;
  run: (dataProvider: KamiDataProvider, order: OrderRecord, text: string) => Promise<unknown>;
  color?: 'primary' | 'error';
}

/** An order command behind a confirmation; pessimistic, and the server's refusal is shown in the dialog. */
export const CommandButton = ({ command, icon, withText, run, color = 'primary' }: Props) => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useCommands();
  const { canAccess } = useCanAccess({ resource: 'orders', action: command });
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const { mutate, isPending, error, reset } = useMutation<unknown, HttpError>({
    mutationFn: () => run(dataProvider, record!, text.trim()),
    onSuccess: () => {
      notify(`kami.orders.command.${command}.done`, { type: 'success' });
      setOpen(false);
      refresh();
    },
  });
  if (!record || !canAccess || !accepts(command, record)) return null;
  const close = () => { setOpen(false); reset(); };
  const t = (key: string) => translate(`kami.orders.command.${command}.${key}`);

  return (
    <>
      <Button size="small" variant="outlined" color={color} startIcon={icon} onClick={() => setOpen(true)} data-testid={`command-${command}`}>
        {t('label')}
      </Button>
      <Dialog open={open} onClose={isPending ? undefined : close} fullWidth maxWidth="xs" data-testid={`command-${command}-dialog`}>
        <DialogTitle>{t('title')}</DialogTitle>
        <DialogContent>
          <DialogContentText>{t('content')}</DialogContentText>
          {withText && (
            <TextField
              label={t('text')} helperText={translate(`kami.orders.command.${command}.text_help`, { smart_count: record.quantity })}
              value={text} onChange={(e) => setText(e.target.value)} multiline minRows={3} autoFocus required
              slotProps={{ htmlInput: { 'data-testid': `command-${command}-text` } }}
            />
          )}
          {error && <ErrorAlert error={error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={isPending}>{translate('ra.action.cancel')}</Button>
          <Button variant="contained" color={color} onClick={() => mutate()} disabled={isPending || (withText && !text.trim())} data-testid={`command-${command}-confirm`}>
            {t('confirm')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
};
