import InboxIcon from '@mui/icons-material/MoveToInboxOutlined';
import { ReviewList } from './ReviewList.js';

export default { list: ReviewList, icon: InboxIcon, recordRepresentation: 'id' };
