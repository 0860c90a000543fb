import AutorenewIcon from '@mui/icons-material/AutorenewOutlined';
import BlockIcon from '@mui/icons-material/BlockOutlined';
import {
  Button, Card, CardContent, Chip, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, MenuItem, Stack, Table, TableBody, TableCell,
  TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useCanAccess, useLocaleState, useNotify, useRecordContext, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { Mono } from '../common/fields.js';
import { formatDateTime } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import type { ChannelCredentialRecord, ChannelRecord, IssuedChannelKey } from '../types.js';
import { SecretDialog } from './SecretDialog.js';

/** Overlaps offered for a rotation: the old key keeps working this long while the partner switches. */
const OVERLAPS = ['0s', '1h', '24h', '7d'] as const;

type KeyState = 'live' | 'ending' | 'ended' | 'revoked';
const stateOf = (k: ChannelCredentialRecord, now = Date.now()): KeyState =>
  (k.revokedAt ? 'revoked' : k.expiresAt === null ? 'live' : Date.parse(k.expiresAt) > now ? 'ending' : 'ended');
const TONE = { live: 'success', ending: 'warning', ended: 'default', revoked: 'error' } as const;

/** A channel's API keys by id and dates; owners rotate (with an overlap) and revoke. */
export const ChannelKeys = () => {
  const record = useRecordContext<ChannelRecord>()!;
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const notify = useNotify();
  const refresh = useRefresh();
  const commands = useCommands();
  const { canAccess } = useCanAccess({ resource: 'channels', action: 'keys' });
  const [rotating, setRotating] = useState(false);
  const [overlap, setOverlap] = useState<string>('24h');
  const [issued, setIssued] = useState<IssuedChannelKey | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);

  const rotate = useMutation<IssuedChannelKey, HttpError>({
    mutationFn: () => commands.rotateChannelKey(record.id, overlap),
    onSuccess: (key) => { setRotating(false); setIssued(key); },
  });
  const revoke = useMutation<ChannelRecord, HttpError, string>({
    mutationFn: (keyId) => commands.revokeChannelKey(record.id, keyId),
    onSuccess: () => { setRevoking(null); notify('kami.channels.keys.revoked_done', { type: 'success' }); refresh(); },
  });
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '—');

  return (
    <Card>
      <CardContent>
        <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', mb: 1 }}>
          <Typography variant="subtitle2">{translate('kami.channels.keys.title')}</Typography>
          {canAccess && (
            <Button size="small" variant="outlined" startIcon={<AutorenewIcon />} onClick={() => { rotate.reset(); setRotating(true); }} data-testid="channel-rotate">
              {translate('kami.channels.keys.rotate')}
            </Button>
          )}
        </Stack>
        <Table size="small" data-testid="channel-keys">
          <TableHead>
            <TableRow>
              {['key_id', 'state', 'created', 'last_used', ''].map((h) => <TableCell key={h}>{h && translate(`kami.channels.keys.${h}`)}</TableCell>)}
            </TableRow>
          </TableHead>
          <TableBody>
            {record.credentials.map((k) => {
              const state = stateOf(k);
              return (
                <TableRow key={k.keyId} data-key-id={k.keyId} data-state={state}>
                  <TableCell><Mono>{k.keyId}</Mono></TableCell>
                  <TableCell>
                    <Chip size="small" color={TONE[state]} variant={state === 'live' ? 'filled' : 'outlined'}
                      label={translate(`kami.channels.keys.state_${state}`, { at: when(k.revokedAt ?? k.expiresAt) })} />
                  </TableCell>
                  <TableCell>{when(k.createdAt)} <Typography component="span" variant="caption" color="text.secondary">{k.createdBy}</Typography></TableCell>
                  <TableCell>{k.lastUsedAt ? when(k.lastUsedAt) : translate('kami.channels.keys.never_used')}</TableCell>
                  <TableCell align="right">
                    {canAccess && (state === 'live' || state === 'ending') && (
                      <Button size="small" color="error" startIcon={<BlockIcon />} onClick={() => { revoke.reset(); setRevoking(k.keyId); }} data-testid={`channel-revoke-${k.keyId}`}>
                        {translate('kami.channels.keys.revoke')}
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </CardContent>

      <Dialog open={rotating} onClose={rotate.isPending ? undefined : () => setRotating(false)} fullWidth maxWidth="xs" data-testid="channel-rotate-dialog">
        <DialogTitle>{translate('kami.channels.keys.rotate_title')}</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>{translate('kami.channels.keys.rotate_text')}</DialogContentText>
          <TextField select fullWidth label={translate('kami.channels.keys.overlap')} value={overlap} onChange={(e) => setOverlap(e.target.value)} data-testid="channel-overlap">
            {OVERLAPS.map((o) => <MenuItem key={o} value={o}>{translate(`kami.channels.keys.overlap_${o}`)}</MenuItem>)}
          </TextField>
          {rotate.error && <ErrorAlert error={rotate.error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRotating(false)} disabled={rotate.isPending}>{translate('ra.action.cancel')}</Button>
          <Button variant="contained" onClick={() => rotate.mutate()} disabled={rotate.isPending} data-testid="channel-rotate-confirm">{translate('kami.channels.keys.rotate')}</Button>
        </DialogActions>
      </Dialog>

      <Dialog open={revoking !== null} onClose={revoke.isPending ? undefined : () => setRevoking(null)} fullWidth maxWidth="xs" data-testid="channel-revoke-dialog">
        <DialogTitle>{translate('kami.channels.keys.revoke_title')}</DialogTitle>
        <DialogContent>
          <DialogContentText>{translate('kami.channels.keys.revoke_text', { key: revoking ?? '' })}</DialogContentText>
          {revoke.error && <ErrorAlert error={revoke.error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRevoking(null)} disabled={revoke.isPending}>{translate('ra.action.cancel')}</Button>
          <Button color="error" variant="contained" onClick={() => revoking && revoke.mutate(revoking)} disabled={revoke.isPending} data-testid="channel-revoke-confirm">
            {translate('kami.channels.keys.revoke')}
          </Button>
        </DialogActions>
      </Dialog>

      <SecretDialog issued={issued} onClose={() => { setIssued(null); refresh(); }} />
    </Card>
  );
};
