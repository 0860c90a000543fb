import UploadIcon from '@mui/icons-material/UploadOutlined';
import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useNotify, useRecordContext, useTranslate, type HttpError } from 'react-admin';
import { LOGO_MAX_BYTES, LOGO_TYPES } from '../../../domain/shop.js';
import { useCommands } from '../common/useCommands.js';
import type { ShopSettingsRecord } from './types.js';

/**
 * The storefront's logo: the current one, and an upload that sends the file as it is. The server reads
 * its real type and size from the bytes and says what is wrong; the picker only narrows the choice.
 * The logo is saved at once, apart from the form, so texts being edited stay as typed.
 */
export const LogoUpload = () => {
  const record = useRecordContext<ShopSettingsRecord>();
  const dataProvider = useCommands();
  const translate = useTranslate();
  const notify = useNotify();
  const input = useRef<HTMLInputElement>(null);
  const [shown, setShown] = useState<string | null | undefined>(undefined);
  const logoUrl = shown === undefined ? record?.logoUrl : shown;
  const done = (message: string) => (saved: ShopSettingsRecord) => { setShown(saved.logoUrl); notify(message, { type: 'info' }); };
  const upload = useMutation({ mutationFn: (file: File) => dataProvider.uploadShopLogo(file), onSuccess: done('kami.shop.logo_saved') });
  const remove = useMutation({ mutationFn: () => dataProvider.removeShopLogo(), onSuccess: done('kami.shop.logo_removed') });
  const error = (upload.error ?? remove.error) as HttpError | null;
  return (
    <Box sx={{ mb: 2 }}>
      <Typography variant="subtitle2" sx={{ mb: 1 }}>{translate('kami.shop.logo')}</Typography>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Box sx={{ width: 160, height: 64, border: 1, borderColor: 'divider', borderRadius: 1, display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'background.default' }}>
          {logoUrl
            ? <img src={logoUrl} alt={translate('kami.shop.logo')} style={{ maxWidth: 150, maxHeight: 56 }} data-testid="shop-logo" />
            : <Typography variant="caption" color="text.secondary">{translate('kami.shop.no_logo')}</Typography>}
        </Box>
        <input ref={input} type="file" accept={LOGO_TYPES.join(',')} hidden data-testid="logo-file"
          onChange={(e) => { const file = e.target.files?.[0]; if (file) upload.mutate(file); e.target.value = ''; }} />
        <Button variant="outlined" startIcon={<UploadIcon />} onClick={() => input.current?.click()} disabled={upload.isPending}>{translate('kami.shop.upload_logo')}</Button>
        {logoUrl && <Button color="error" onClick={() => remove.mutate()} disabled={remove.isPending}>{translate('kami.shop.remove_logo')}</Button>}
      </Stack>
      <Typography variant="caption" color="text.secondary">{translate('kami.shop.logo_help', { kb: LOGO_MAX_BYTES / 1024 })}</Typography>
      {error && <Alert severity="error" sx={{ mt: 1 }} data-testid="logo-error">{error.message}</Alert>}
    </Box>
  );
};
