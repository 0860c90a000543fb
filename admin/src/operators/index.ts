import BadgeIcon from '@mui/icons-material/BadgeOutlined';
import { OperatorCreate, OperatorEdit } from './OperatorForms';
import { OperatorList } from './OperatorList';

export default { list: OperatorList, create: OperatorCreate, edit: OperatorEdit, icon: BadgeIcon, recordRepresentation: 'name' };
