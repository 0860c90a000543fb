import StorefrontIcon from '@mui/icons-material/StorefrontOutlined';
import { ShopSettingsEdit } from './ShopSettingsEdit.js';

export const shopSettings = { edit: ShopSettingsEdit, icon: StorefrontIcon };
