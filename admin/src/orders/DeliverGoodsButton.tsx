import HandIcon from '@mui/icons-material/PanToolOutlined';
import { useGetManyAggregate, useRecordContext } from 'react-admin';
import type { OrderRecord, ProductRecord } from '../types.js';
import { CommandButton } from './CommandButton.js';

/** Goods one per line: the server stores each line like a key for this order, and the workflow delivers them. */
const goodsLines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/**
 * For products delivered by hand: the order waits (backorder) until an operator enters what the buyer gets.
 * Only shown for such products, whose deliveryMode the order record does not carry.
 */
export const DeliverGoodsButton = () => {
  const record = useRecordContext<OrderRecord>();
  // aggregated: the inbox's backorder rows share one products request
  const { data } = useGetManyAggregate<ProductRecord>('products', { ids: record ? [record.productId] : [] }, { enabled: record?.status === 'backorder' });
  const product = data?.[0];
  return (
    <CommandButton
      command="mark_delivered" icon={<HandIcon />} when={['backorder']} applies={product?.deliveryMode === 'manual'} withText
      run={(dp, o, text) => dp.markDelivered(o.id, { goods: goodsLines(text) })}
    />
  );
};
