import BlockIcon from '@mui/icons-material/Block';
import RestoreIcon from '@mui/icons-material/SettingsBackupRestore';
import { Button } from '@mui/material';
import { useCanAccess, useNotify, useRecordContext, useTranslate, useUpdate } from 'react-admin';
import type { BuyerRecord } from '../types.js';

/** Toggles the blacklist flag; pessimistic, so the row shows the server's answer, not a guess. */
export const BlacklistButton = () => {
  const record = useRecordContext<BuyerRecord>();
  const translate = useTranslate();
  const notify = useNotify();
  const { canAccess } = useCanAccess({ resource: 'buyers', action: 'blacklist' });
  const [update, { isPending }] = useUpdate<BuyerRecord>();
  if (!record || !canAccess) return null;
  const next = !record.blacklisted;
  const toggle = () => update(
    'buyers',
    { id: record.id, data: { blacklisted: next }, previousData: record },
    {
      mutationMode: 'pessimistic',
      // an empty answer means the session had ended and react-admin logged out instead: nothing changed
      onSuccess: (data) => data?.id !== undefined && notify(next ? 'kami.buyers.blacklisted_done' : 'kami.buyers.unblacklisted_done', { type: 'success' }),
      onError: (e) => notify((e as Error).message, { type: 'error' }),
    },
  );
  return (
    <Button size="small" color={next ? 'error' : 'primary'} startIcon={next ? <BlockIcon /> : <RestoreIcon />} disabled={isPending}
      onClick={(e) => { e.stopPropagation(); toggle(); }}>
      {translate(next ? 'kami.buyers.blacklist' : 'kami.buyers.unblacklist')}
    </Button>
  );
};
