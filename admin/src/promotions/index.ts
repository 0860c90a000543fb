import CouponIcon from '@mui/icons-material/LocalOfferOutlined';
import SaleIcon from '@mui/icons-material/SellOutlined';
import { CouponCreate, CouponEdit, CouponList, CouponShow } from './Coupons.js';
import { SaleCreate, SaleEdit, SaleList } from './SalePrices.js';

export const coupons = { list: CouponList, create: CouponCreate, edit: CouponEdit, show: CouponShow, icon: CouponIcon, recordRepresentation: 'code' };
export const salePrices = { list: SaleList, create: SaleCreate, edit: SaleEdit, icon: SaleIcon, recordRepresentation: 'label' };
export { PolicyPage } from './PolicyPage.js';
