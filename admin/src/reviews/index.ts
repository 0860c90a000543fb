import InboxIcon from '@mui/icons-material/MoveToInboxOutlined';
import { ReviewList } from './ReviewList';

export default { list: ReviewList, icon: InboxIcon, recordRepresentation: 'id' };
