import OkIcon from '@mui/icons-material/CheckCircle';
import FailIcon from '@mui/icons-material/ErrorOutlined';
import {
  Button, Dialog, DialogActions, DialogContent, DialogTitle, List, ListItem, ListItemIcon, ListItemText, Typography,
} from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useListContext, useRefresh, useTranslate, type HttpError, type Identifier } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { DecisionNoteField } from './DecisionNoteField.js';
import { Mono } from '../common/fields.js';
import type { BulkDecisionResult, Decision } from '../types.js';
import { useCommands } from '../common/useCommands.js';

interface Props {
  ids: Identifier[];
  decision: Decision;
  onClose: () => void;
}

/**
 * Decides many orders in one request; the server decides each one on its own, so the dialog then lists every
 * outcome. The list changes once the operator has read them (closing), and orders the server refused stay
 * selected, so the operator can look at them next. (Changing the selection earlier would unmount the bulk
 * toolbar, and this dialog with it.)
 */
export const BulkDecisionDialog = ({ ids, decision, onClose }: Props) => {
  const translate = useTranslate();
  const refresh = useRefresh();
  const { onSelect } = useListContext();
  const dataProvider = useCommands();
  const [note, setNote] = useState('');

  const { mutate, isPending, error, data: results } = useMutation<BulkDecisionResult[], HttpError>({
    mutationFn: () => dataProvider.bulkDecide({ ids, decision, ...(note ? { note } : {}) }),
  });
  const okCount = results?.filter((r) => r.ok).length ?? 0;
  const done = () => {
    onSelect(results!.filter((r) => !r.ok).map((r) => r.id));
    refresh();
    onClose();
  };

  return (
    <Dialog open onClose={isPending ? undefined : results ? done : onClose} fullWidth maxWidth="sm" data-testid="bulk-decision-dialog">
      <DialogTitle>{translate(`kami.decision.bulk_title_${decision}`, { smart_count: ids.length })}</DialogTitle>
      <DialogContent>
        {results ? (
          <>
            <Typography variant="body2" sx={{ mb: 1 }} data-testid="bulk-summary">
              {translate('kami.decision.bulk_summary', { ok: okCount, failed: results.length - okCount })}
            </Typography>
            <List dense disablePadding data-testid="bulk-results">
              {results.map((r) => (
                <ListItem key={r.id} disableGutters data-ok={r.ok} data-order-id={r.id}>
                  <ListItemIcon sx={{ minWidth: 32 }}>
                    {r.ok ? <OkIcon color="success" fontSize="small" /> : <FailIcon color="error" fontSize="small" />}
                  </ListItemIcon>
                  <ListItemText
                    primary={<Mono>{r.id}</Mono>}
                    secondary={r.ok ? translate(`kami.status.${r.status ?? ''}`, { _: r.status ?? '' }) : r.error?.message}
                  />
                </ListItem>
              ))}
            </List>
          </>
        ) : (
          <DecisionNoteField decision={decision} value={note} onChange={setNote} />
        )}
        {error && <ErrorAlert error={error} />}
      </DialogContent>
      <DialogActions>
        {results ? (
          <Button variant="contained" onClick={done} data-testid="bulk-close">{translate('ra.action.close')}</Button>
        ) : (
          <>
            <Button onClick={onClose} disabled={isPending}>{translate('ra.action.cancel')}</Button>
            <Button
              variant="contained"
              color={decision === 'approve' ? 'primary' : 'error'}
              onClick={() => mutate()}
              disabled={isPending}
              data-testid="bulk-confirm"
            >
              {translate(`kami.decision.bulk_confirm_${decision}`, { smart_count: ids.length })}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
};
