import AuditIcon from '@mui/icons-material/HistoryEduOutlined';
import { AuditList } from './AuditList';

export default { list: AuditList, icon: AuditIcon };
