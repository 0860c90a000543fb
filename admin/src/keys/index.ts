import KeyIcon from '@mui/icons-material/VpnKeyOutlined';
import LayersIcon from '@mui/icons-material/LayersOutlined';
import { maskHint } from '../common/maskHint.js';
import { BatchList } from './BatchList.js';
import { KeyList } from './KeyList.js';

export const keys = { list: KeyList, icon: KeyIcon, recordRepresentation: (k: { hint: string }) => maskHint(k.hint) };
export const batches = { list: BatchList, icon: LayersIcon, recordRepresentation: 'label' };
