import PeopleIcon from '@mui/icons-material/PeopleAltOutlined';
import { BuyerList } from './BuyerList';

export default { list: BuyerList, icon: PeopleIcon, recordRepresentation: 'value' };
