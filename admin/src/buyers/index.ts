import PeopleIcon from '@mui/icons-material/PeopleAltOutlined';
import { BuyerList } from './BuyerList.js';

export default { list: BuyerList, icon: PeopleIcon, recordRepresentation: 'value' };
