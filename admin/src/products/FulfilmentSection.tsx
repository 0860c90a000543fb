import LinkIcon from '@mui/icons-material/LinkOutlined';
import { Alert, Box, Button, Stack, TextField, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useCanAccess, useNotify, useRecordContext, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { SecretDialog } from '../channels/SecretDialog.js';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { Mono } from '../common/fields.js';
import { useCommands } from '../common/useCommands.js';
import type { EndpointKind, IssuedProductEndpoint, ProductRecord } from '../types.js';

const SECRET_LABELS = { title: 'kami.fulfilment.secret_title', secret: 'kami.fulfilment.secret', how: 'kami.fulfilment.secret_how' };

/**
 * A manual product the merchant's own system fulfils: its endpoint's URL, and a signing secret Kami
 * generates when the URL is set (shown this once, kept encrypted). Saved on its own, not with the form.
 */
export const FulfilmentSection = ({ kind = 'fulfilment' }: { kind?: EndpointKind }) => {
  const record = useRecordContext<ProductRecord>();
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const commands = useCommands();
  const { canAccess } = useCanAccess({ resource: 'products', action: 'endpoints' });
  const current = record?.endpoints?.[kind];
  const [url, setUrl] = useState(current?.url ?? '');
  const [issued, setIssued] = useState<IssuedProductEndpoint | null>(null);
  const save = useMutation<IssuedProductEndpoint, HttpError>({
    mutationFn: () => commands.setProductEndpoint(record!.id, kind, url.trim()),
    onSuccess: (e) => setIssued(e),
  });
  const remove = useMutation<unknown, HttpError>({
    mutationFn: () => commands.removeProductEndpoint(record!.id, kind),
    onSuccess: () => { setUrl(''); notify('kami.fulfilment.removed', { type: 'success' }); refresh(); },
  });
  if (!record?.id) return <Typography variant="body2" color="text.secondary">{translate('kami.fulfilment.after_create')}</Typography>;
  if (record.deliveryMode !== 'manual') return <Typography variant="body2" color="text.secondary">{translate('kami.fulfilment.manual_only')}</Typography>;
  if (kind === 'licence' && !record.deviceBound) return <Typography variant="body2" color="text.secondary">{translate('kami.fulfilment.licence_device_only')}</Typography>;
  return (
    <Box sx={{ width: '100%' }} data-testid={`${kind}-section`}>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>{translate(kind === 'licence' ? 'kami.fulfilment.licence_help' : 'kami.fulfilment.help')}</Typography>
      {current && (
        <Alert severity="info" sx={{ mb: 1 }} data-testid="fulfilment-current">
          {translate('kami.fulfilment.current')}: <Mono>{current.url}</Mono> · {translate('kami.channels.secret.key_id')} <Mono>{current.keyId}</Mono>
        </Alert>
      )}
      {canAccess && (
        <Stack direction={{ xs: 'column', md: 'row' }} spacing={1} sx={{ alignItems: { md: 'center' } }}>
          <TextField
            size="small" fullWidth label={translate('kami.fulfilment.url')} value={url} onChange={(e) => setUrl(e.target.value)}
            placeholder="https://merchant.example/kami/fulfil" slotProps={{ htmlInput: { 'data-testid': 'fulfilment-url' } }}
          />
          <Button variant="outlined" startIcon={<LinkIcon />} disabled={!url.trim() || save.isPending} onClick={() => save.mutate()} data-testid="fulfilment-save" sx={{ whiteSpace: 'nowrap' }}>
            {translate(current ? 'kami.fulfilment.replace' : 'kami.fulfilment.set')}
          </Button>
          {current && (
            <Button color="error" disabled={remove.isPending} onClick={() => remove.mutate()} data-testid="fulfilment-remove" sx={{ whiteSpace: 'nowrap' }}>
              {translate('kami.fulfilment.remove')}
            </Button>
          )}
        </Stack>
      )}
      {save.error && <ErrorAlert error={save.error} />}
      {remove.error && <ErrorAlert error={remove.error} />}
      <SecretDialog issued={issued} onClose={() => { setIssued(null); refresh(); }} labels={SECRET_LABELS} />
    </Box>
  );
};
