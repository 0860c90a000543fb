import type { z } from 'zod';
import { formatMinor } from '../../domain/money.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { splitPair, type KeyFormat } from '../../domain/product-types.js';
import { priceOrder, type PriceBreakdown } from '../../domain/pricing.js';
import { run, statement } from '../../infra/sql.js';
import { IN_FLIGHT } from '../checkout/order-view.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { PartnerOrderOut } from './schemas.js';

export type PartnerOrder = z.infer<typeof PartnerOrderOut>;

interface Row {
  id: string; external_order_id: string; status: OrderStatus; quantity: number; amount_cents: number; unit_price_cents: number; currency: string;
  price_breakdown: PriceBreakdown | null; refund_cents: number; email_keys: boolean; created_at: Date; paid_at: Date | null; delivered_at: Date | null;
  product_id: string; sku: string; name: string; guide: string; key_format: KeyFormat; keys: string[]; parts: { part: number; quantity: number; at: string }[];
}

const COLUMNS = `
SELECT o.id, o.external_order_id, o.status, o.quantity, o.amount_cents, o.unit_price_cents, o.currency, o.price_breakdown, o.refund_cents, o.email_keys,
  o.created_at, o.paid_at, o.delivered_at, p.id AS product_id, p.sku, p.name, p.guide, p.key_format,
  ARRAY(SELECT encode(ciphertext, 'base64') FROM card_key WHERE order_id = o.id AND status = 'sold' ORDER BY id) AS keys,
  COALESCE((SELECT jsonb_agg(jsonb_build_object('part', (e.data->>'part')::int, 'quantity', (e.data->>'quantity')::int, 'at', e.created_at) ORDER BY e.id)
    FROM order_event e WHERE e.order_id = o.id AND e.type = 'part_delivered'), '[]') AS parts
FROM "order" o JOIN product p ON p.id = o.product_id`;

/** A channel's order with its product, sold keys (ciphertext) and parts, in one statement; never another channel's. */
const BY_ID = statement<Row, [channelId: string, orderId: string]>('kami_partner_order', `${COLUMNS} WHERE o.channel_id = $1 AND o.id = $2`);
const BY_EXTERNAL = statement<Row, [channelId: string, externalOrderId: string]>('kami_partner_order_ext', `${COLUMNS} WHERE o.channel_id = $1 AND o.external_order_id = $2`);

export type OrderRef = { orderId: string } | { externalOrderId: string };

/** The partner's view of one of its orders, keys included (404 for an order of another channel). */
export async function readPartnerOrder(deps: Pick<ApiDeps, 'db' | 'vault'>, channelId: string, ref: OrderRef): Promise<PartnerOrder> {
  const [o] = 'orderId' in ref ? await run(deps.db, BY_ID, channelId, ref.orderId) : await run(deps.db, BY_EXTERNAL, channelId, ref.externalOrderId);
  if (!o) throw new ApiError(404, 'order_not_found', `this channel has no order ${'orderId' in ref ? ref.orderId : `with externalOrderId "${ref.externalOrderId}"`}`);
  const keys = o.keys.map((k) => deps.vault.decrypt(Buffer.from(k, 'base64'), o.product_id));
  const money = (minor: number) => formatMinor(Number(minor), o.currency);
  return {
    orderId: o.id,
    externalOrderId: o.external_order_id,
    status: o.status,
    sku: o.sku,
    productName: o.name,
    quantity: o.quantity,
    deliveredQuantity: keys.length,
    currency: o.currency,
    unitPrice: money(o.unit_price_cents),
    amount: money(o.amount_cents),
    amountMinor: Number(o.amount_cents),
    price: o.price_breakdown ?? priceOrder({ listUnitMinor: Number(o.unit_price_cents), currency: o.currency, quantity: o.quantity }),
    refund: Number(o.refund_cents) > 0 ? { amount: money(o.refund_cents), amountMinor: Number(o.refund_cents) } : null,
    keys,
    keyFormat: o.key_format,
    cards: o.key_format === 'pair' ? keys.map(splitPair) : [],
    parts: o.parts.map((p) => ({ part: p.part, quantity: p.quantity, deliveredAt: new Date(p.at).toISOString() })),
    emailKeys: o.email_keys,
    guide: keys.length ? o.guide : '',
    createdAt: o.created_at.toISOString(),
    paidAt: o.paid_at?.toISOString() ?? null,
    deliveredAt: o.delivered_at?.toISOString() ?? null,
  };
}

/** Statuses in which the order may still deliver (more) keys by itself or after a person's decision. */
const UNDER_WAY: readonly OrderStatus[] = ['awaiting_payment', 'paid', 'in_review', 'backorder'];

/** Whether the order is settled for the partner: every key delivered, or closed without them. */
export const settled = (o: PartnerOrder) => !UNDER_WAY.includes(o.status);

/**
 * Whether a long poll keeps waiting: still being paid or settled, or keys readable but not yet
 * recorded delivered when nothing is emailed (a moment later, in the same workflow task).
 */
export const onItsWay = (o: PartnerOrder) => IN_FLIGHT.includes(o.status) || (o.status === 'delivering' && !o.emailKeys);

/** One key a line; a CSV with a header (fields quoted as RFC 4180 says); or JSON. */
export function keysFile(o: PartnerOrder, format: 'txt' | 'csv' | 'json'): { type: string; body: string } {
  const pair = o.keyFormat === 'pair';
  if (format === 'json') {
    return { type: 'application/json', body: JSON.stringify({ orderId: o.orderId, externalOrderId: o.externalOrderId, sku: o.sku, keys: o.keys, ...(pair ? { cards: o.cards } : {}) }) };
  }
  // a pair: labelled halves, so nobody mistakes the password for a second key
  if (format === 'txt') return { type: 'text/plain; charset=utf-8', body: (pair ? o.cards.map((c) => `card number: ${c.cardNumber}\tpassword: ${c.password}`) : o.keys).map((k) => `${k}\n`).join('') };
  const field = (v: string | number) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const rows = pair
    ? [['order_id', 'external_order_id', 'sku', 'n', 'card_number', 'password'], ...o.cards.map((c, i) => [o.orderId, o.externalOrderId, o.sku, i + 1, c.cardNumber, c.password])]
    : [['order_id', 'external_order_id', 'sku', 'n', 'key'], ...o.keys.map((k, i) => [o.orderId, o.externalOrderId, o.sku, i + 1, k])];
  return { type: 'text/csv; charset=utf-8', body: rows.map((r) => `${r.map(field).join(',')}\r\n`).join('') };
}
