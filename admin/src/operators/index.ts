import BadgeIcon from '@mui/icons-material/BadgeOutlined';
import { OperatorCreate, OperatorEdit } from './OperatorForms.js';
import { OperatorList } from './OperatorList.js';

export default { list: OperatorList, create: OperatorCreate, edit: OperatorEdit, icon: BadgeIcon, recordRepresentation: 'name' };
