import CopyIcon from '@mui/icons-material/ContentCopyOutlined';
import KeyIcon from '@mui/icons-material/KeyOutlined';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, IconButton, Stack, Tooltip, Typography } from '@mui/material';
import { useState } from 'react';
import { useTranslate } from 'react-admin';
import { Mono } from '../common/fields.js';

const CopyRow = ({ label, value, testId }: { label: string; value: string; testId: string }) => {
  const translate = useTranslate();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    setCopied(true);
  };
  return (
    <Box sx={{ mb: 1.5 }}>
      <Typography variant="caption" color="text.secondary">{translate(label)}</Typography>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', bgcolor: 'action.hover', borderRadius: 1, px: 1.5, py: 0.75 }}>
        <Box sx={{ flex: 1, wordBreak: 'break-all' }} data-testid={testId}><Mono>{value}</Mono></Box>
        <Tooltip title={translate(copied ? 'kami.channels.secret.copied' : 'kami.channels.secret.copy')}>
          <IconButton size="small" onClick={() => void copy()} aria-label={translate('kami.channels.secret.copy')} data-testid={`${testId}-copy`}>
            <CopyIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Stack>
    </Box>
  );
};

const CHANNEL_LABELS = { title: 'kami.channels.secret.title', secret: 'kami.channels.secret.secret', how: 'kami.channels.secret.how' };

/**
 * The one time a channel's secret is shown (at creation, or a rotation): Kami keeps it encrypted and
 * never shows it again, so the owner copies it into the partner's system now.
 */
export const SecretDialog = ({ issued, onClose, labels = CHANNEL_LABELS }: {
  issued: { keyId: string; secret: string; othersEndAt?: string } | null; onClose: () => void;
  /** Translation keys of the title, the secret's label and how it is used (a channel's by default; a product endpoint's secret has its own). */
  labels?: { title: string; secret: string; how: string };
}) => {
  const translate = useTranslate();
  return (
    <Dialog open={issued !== null} fullWidth maxWidth="sm" data-testid="channel-secret-dialog">
      <DialogTitle sx={{ display: 'flex', alignItems: 'center', gap: 1 }}><KeyIcon /> {translate(labels.title)}</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>{translate('kami.channels.secret.once')}</Alert>
        {issued && (
          <>
            <CopyRow label="kami.channels.secret.key_id" value={issued.keyId} testId="channel-key-id" />
            <CopyRow label={labels.secret} value={issued.secret} testId="channel-secret" />
            {issued.othersEndAt && (
              <Typography variant="body2" color="text.secondary">
                {translate('kami.channels.secret.others_end', { at: new Date(issued.othersEndAt).toLocaleString() })}
              </Typography>
            )}
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>{translate(labels.how)}</Typography>
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose} data-testid="channel-secret-done">{translate('kami.channels.secret.done')}</Button>
      </DialogActions>
    </Dialog>
  );
};
