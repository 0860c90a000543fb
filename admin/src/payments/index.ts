import GatewayIcon from '@mui/icons-material/AccountBalanceWalletOutlined';
import RefundIcon from '@mui/icons-material/CurrencyExchangeOutlined';
import NotificationIcon from '@mui/icons-material/MarkEmailUnreadOutlined';
import { GatewayEdit } from './GatewayEdit.js';
import { GatewayList } from './GatewayList.js';
import { NotificationList } from './NotificationList.js';
import { RefundList } from './RefundList.js';

export const paymentProviders = { list: GatewayList, edit: GatewayEdit, icon: GatewayIcon, recordRepresentation: 'displayName' };
export const refunds = { list: RefundList, icon: RefundIcon, recordRepresentation: 'id' };
export const paymentNotifications = { list: NotificationList, icon: NotificationIcon, recordRepresentation: 'id' };
