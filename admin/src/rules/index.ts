import RuleIcon from '@mui/icons-material/RuleOutlined';
import { RuleEdit } from './RuleEdit.js';
import { RuleList } from './RuleList.js';

export default { list: RuleList, edit: RuleEdit, icon: RuleIcon };
