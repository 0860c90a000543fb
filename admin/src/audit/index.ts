import AuditIcon from '@mui/icons-material/HistoryEduOutlined';
import { AuditList } from './AuditList.js';

export default { list: AuditList, icon: AuditIcon };
