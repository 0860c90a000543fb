import HubIcon from '@mui/icons-material/HubOutlined';
import { ChannelCreate, ChannelEdit, ChannelShow } from './ChannelForms.js';
import { ChannelList } from './ChannelList.js';

export default { list: ChannelList, create: ChannelCreate, edit: ChannelEdit, show: ChannelShow, icon: HubIcon, recordRepresentation: 'name' };
