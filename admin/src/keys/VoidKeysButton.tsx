import VoidIcon from '@mui/icons-material/BlockOutlined';
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useListContext, useNotify, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { useCommands } from '../common/useCommands.js';

/** Voids the selected unsold keys with a reason (kept on each key and in the audit log). */
export const VoidKeysButton = () => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const { selectedIds, onUnselectItems } = useListContext();
  const dataProvider = useCommands();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { mutate, isPending, error, reset } = useMutation<unknown, HttpError>({
    mutationFn: () => dataProvider.voidKeys({ ids: selectedIds, reason: reason.trim() }),
    onSuccess: () => {
      notify('kami.keys.voided', { type: 'success', messageArgs: { smart_count: selectedIds.length } });
      setOpen(false);
      onUnselectItems();
      refresh();
    },
  });
  const close = () => { setOpen(false); reset(); };
  return (
    <>
      <Button size="small" color="error" startIcon={<VoidIcon />} onClick={() => setOpen(true)}>{translate('kami.keys.void')}</Button>
      <Dialog open={open} onClose={isPending ? undefined : close} fullWidth maxWidth="xs">
        <DialogTitle>{translate('kami.keys.void_title', { smart_count: selectedIds.length })}</DialogTitle>
        <DialogContent>
          <DialogContentText>{translate('kami.keys.void_content')}</DialogContentText>
          <TextField label={translate('resources.keys.fields.voidReason')} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus required />
          {error && <ErrorAlert error={error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={isPending}>{translate('ra.action.cancel')}</Button>
          <Button variant="contained" color="error" disabled={isPending || !reason.trim()} onClick={() => mutate()}>{translate('kami.keys.void')}</Button>
        </DialogActions>
      </Dialog>
    </>
  );
};
