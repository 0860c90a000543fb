import OrderIcon from '@mui/icons-material/ReceiptLongOutlined';
import { OrderList } from './OrderList.js';
import { OrderShow } from './OrderShow.js';

export default { list: OrderList, show: OrderShow, icon: OrderIcon, recordRepresentation: 'id' };
