import CopyIcon from '@mui/icons-material/ContentCopy';
import RevealIcon from '@mui/icons-material/VisibilityOutlined';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, IconButton, List, ListItem, ListItemText } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useListContext, useTranslate, type HttpError } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { Mono } from '../common/fields.js';
import { useCommands } from '../common/useCommands.js';

/** Owner only: shows the selected keys' text. The server audits the reveal before answering. */
export const RevealKeysButton = () => {
  const translate = useTranslate();
  const { selectedIds } = useListContext();
  const dataProvider = useCommands();
  const { mutate, isPending, error, data, reset } = useMutation<{ id: number; secret: string }[], HttpError>({
    mutationFn: () => dataProvider.revealKeys(selectedIds),
  });
  const open = isPending || !!data || !!error;
  return (
    <>
      <Button size="small" startIcon={<RevealIcon />} onClick={() => mutate()} disabled={isPending}>{translate('kami.keys.reveal')}</Button>
      {/* Closing forgets the secrets: they are not kept in any state once the dialog is gone. */}
      <Dialog open={open} onClose={reset} fullWidth maxWidth="sm">
        <DialogTitle>{translate('kami.keys.reveal_title')}</DialogTitle>
        <DialogContent>
          <Alert severity="info" sx={{ mb: 1 }}>{translate('kami.keys.reveal_audited')}</Alert>
          {error && <ErrorAlert error={error} />}
          <List dense>
            {data?.map((k) => (
              <ListItem key={k.id} secondaryAction={
                <IconButton edge="end" aria-label={translate('kami.keys.copy')} onClick={() => void navigator.clipboard.writeText(k.secret)}><CopyIcon fontSize="small" /></IconButton>
              }>
                <ListItemText primary={<Mono>{k.secret}</Mono>} secondary={`#${k.id}`} />
              </ListItem>
            ))}
          </List>
        </DialogContent>
        <DialogActions><Button onClick={reset}>{translate('ra.action.close')}</Button></DialogActions>
      </Dialog>
    </>
  );
};
