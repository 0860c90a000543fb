import OpenIcon from '@mui/icons-material/OpenInNew';
import { Button, Typography } from '@mui/material';
import { Edit, SimpleForm, TextInput, TopToolbar, useNotify, useTranslate } from 'react-admin';
import { ShopSettingsInput } from '../../../domain/shop.js';
import { zodValidate } from '../common/zodValidate.js';
import { LogoUpload } from './LogoUpload.js';

const Actions = () => {
  const translate = useTranslate();
  return (
    <TopToolbar>
      <Button href="/" target="_blank" rel="noreferrer" startIcon={<OpenIcon />}>{translate('kami.shop.open_storefront')}</Button>
    </TopToolbar>
  );
};

/** The storefront's name, notice banner, footer and logo (owners); the storefront shows a change on its next page. */
export const ShopSettingsEdit = () => {
  const translate = useTranslate();
  const notify = useNotify();
  return (
    <Edit resource="shop-settings" id="shop" redirect={false} mutationMode="pessimistic" title="kami.shop.title" actions={<Actions />}
      mutationOptions={{ onSuccess: () => notify('ra.notification.updated', { type: 'info', messageArgs: { smart_count: 1 } }) }}>
      {/* the record carries more than the settings (id, version, logo): check only the settings */}
      <SimpleForm validate={zodValidate(ShopSettingsInput.strip())} sx={{ maxWidth: 720 }}>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate('kami.shop.intro')}</Typography>
        <LogoUpload />
        <TextInput source="name" fullWidth helperText="kami.shop.name_help" />
        <TextInput source="notice" fullWidth multiline minRows={2} helperText="kami.shop.notice_help" />
        <TextInput source="footer" fullWidth multiline minRows={2} helperText="kami.shop.footer_help" />
      </SimpleForm>
    </Edit>
  );
};
