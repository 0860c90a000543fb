import OrderIcon from '@mui/icons-material/ReceiptLongOutlined';
import { OrderList } from './OrderList';
import { OrderShow } from './OrderShow';

export default { list: OrderList, show: OrderShow, icon: OrderIcon, recordRepresentation: 'id' };
