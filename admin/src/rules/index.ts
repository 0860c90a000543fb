import RuleIcon from '@mui/icons-material/RuleOutlined';
import { RuleEdit } from './RuleEdit';
import { RuleList } from './RuleList';

export default { list: RuleList, edit: RuleEdit, icon: RuleIcon };
