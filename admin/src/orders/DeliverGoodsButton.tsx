import HandIcon from '@mui/icons-material/PanToolOutlined';
import { CommandButton } from './CommandButton.js';

/** Goods one per line: the server stores each line like a key for this order, and the workflow delivers them. */
const goodsLines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** For products delivered by hand: the order waits (backorder) until an operator enters what the buyer gets. */
export const DeliverGoodsButton = () => (
  <CommandButton
    command="mark_delivered" icon={<HandIcon />} withText
    run={(dp, o, text) => dp.markDelivered(o.id, { goods: goodsLines(text) })}
  />
);
