import { createHash, randomBytes } from 'node:crypto';
import { isSmsChannel } from '../../domain/delivery-channels.js';
import { outgoingOf, stockLowKey, TEST_EVENT_TYPE, type NoticeKind, type Outgoing } from '../../domain/events.js';
import { formatMinor } from '../../domain/money.js';
import type { Db, Prisma } from '../db.js';
import type { NoticeData } from './notice-text.js';

type Tx = Prisma.TransactionClient;

/**
 * The event stream's relay: turns queued order facts (event_outbox, filled by the trigger on
 * order_event in the transaction that recorded them) into outgoing events and fans each out to the
 * endpoints and merchant recipients that want it, in one transaction, so a crash leaves the facts
 * queued and a retry adds nothing twice. Sending is the delivery workflows' job.
 */

/** An event's id, derived from what it reports: the same fact always gives the same id, however often it is relayed or sent. */
export const eventId = (key: string) => `evt_${createHash('sha256').update(key).digest('base64url').slice(0, 24)}`;

/** Who hears about merchant notices besides linked Telegram operators. */
export interface NoticeAudience { merchantEmail?: string; emailNotices: readonly NoticeKind[]; telegram: boolean }

/** New deliveries and notices to start runs for. */
export interface Fanned { webhooks: number[]; notices: number[] }

interface FactRow {
  id: bigint; order_id: string; type: string; step: string; data: Record<string, unknown>; created_at: Date;
  channel_id: string; external_order_id: string | null; product_id: string; sku: string; product_name: string;
  quantity: number; approved_quantity: number | null; amount_cents: bigint; currency: string; refund_cents: bigint; email: string;
}

interface NewEvent { id: string; type: string; audience: Outgoing['audience']; orderId: string | null; productId: string | null; channelId: string | null; occurredAt: Date; data: object }

/** What a partner reads about an order: ids, status, what and how much. Keys are added by the sender, only where opted in. */
function webhookData(r: FactRow, type: string) {
  const amount = Number(r.amount_cents);
  const data: Record<string, unknown> = {
    orderId: r.order_id, externalOrderId: r.external_order_id, channel: r.channel_id, status: type.slice('order.'.length),
    sku: r.sku, quantity: r.approved_quantity ?? r.quantity, amount: formatMinor(amount, r.currency), amountMinor: amount, currency: r.currency,
  };
  if (type === 'order.rejected' || type === 'order.refunded' || (r.refund_cents > 0n && type !== 'order.paid')) {
    data.refundMinor = Number(r.refund_cents);
  }
  if (type === 'order.in_review') data.reasons = ((r.data.reasons ?? []) as { code: string }[]).map((x) => x.code);
  if (type === 'order.part_delivered') {
    const d = r.data as { part?: number; quantity?: number; delivered?: number; of?: number; keyIds?: number[] };
    Object.assign(data, { part: d.part, partQuantity: d.quantity, deliveredSoFar: d.delivered, keyIds: d.keyIds });
  }
  return data;
}

/** What the merchant is told: more than a partner (buyer, reasons in words), still never a key. */
function noticeData(r: FactRow): NoticeData {
  const d = r.data as Record<string, any>;
  const amount = (minor: number, currency: string) => `${formatMinor(minor, currency)} ${currency}`;
  const seq = r.type === 'in_review' ? Number(r.step) : r.type === 'review_reminder' ? Number(r.step.split(':')[0]) : undefined;
  return {
    orderId: r.order_id, productName: r.product_name, sku: r.sku, quantity: r.approved_quantity ?? r.quantity,
    amount: amount(Number(r.amount_cents), r.currency), buyer: r.email,
    ...(Array.isArray(d.reasons) ? { reasons: d.reasons } : {}),
    ...(seq && Number.isSafeInteger(seq) ? { reviewSeq: seq } : {}),
    ...(typeof d.error === 'string' ? { error: d.error } : typeof d.reason === 'string' ? { error: d.reason } : {}),
    ...(r.type === 'needs_attention' ? { gaveUp: true } : {}),
    ...(r.type === 'delivery_failing' && typeof d.channel === 'string' && isSmsChannel(d.channel) ? { sms: { outcome: d.outcome as NonNullable<NoticeData['sms']>['outcome'] } } : {}),
    ...(r.type === 'extra_payment' ? { payment: { txnId: d.txnId, amount: typeof d.amountCents === 'number' ? amount(d.amountCents, d.currency ?? r.currency) : undefined } } : {}),
  };
}

/** Takes up to `limit` queued facts (SKIP LOCKED: several relays share the queue) and fans them out. */
export async function relayFacts(db: Db, audience: NoticeAudience, limit = 100): Promise<Fanned & { facts: number }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<FactRow[]>`
      SELECT e.id, e.order_id, e.type, e.step, e.data, e.created_at, o.channel_id, o.external_order_id, o.product_id, p.sku,
        p.name AS product_name, o.quantity, o.approved_quantity, o.amount_cents, o.currency, o.refund_cents, o.email
      FROM (SELECT order_event_id FROM event_outbox ORDER BY order_event_id LIMIT ${limit} FOR UPDATE SKIP LOCKED) q
      JOIN order_event e ON e.id = q.order_event_id
      JOIN "order" o ON o.id = e.order_id
      JOIN product p ON p.id = o.product_id
      ORDER BY e.id`;
    if (!rows.length) return { facts: 0, webhooks: [], notices: [] };
    const events = rows.flatMap((r) => outgoingOf(r.order_id, r).map((o): NewEvent => ({
      id: eventId(o.key), type: o.type, audience: o.audience, orderId: r.order_id, productId: r.product_id, channelId: r.channel_id,
      occurredAt: r.created_at, data: o.audience === 'webhook' ? webhookData(r, o.type) : noticeData(r),
    })));
    const fanned = await fanOut(tx, events, audience);
    await tx.eventOutbox.deleteMany({ where: { orderEventId: { in: rows.map((r) => r.id) } } });
    return { facts: rows.length, ...fanned };
  });
}

/** Stores the events (a copy already stored is kept as it was) and queues a delivery per subscribed endpoint and a notice per recipient. */
async function fanOut(tx: Tx, events: NewEvent[], audience: NoticeAudience): Promise<Fanned> {
  if (!events.length) return { webhooks: [], notices: [] };
  await tx.outboundEvent.createMany({
    data: events.map((e) => ({ id: e.id, type: e.type, orderId: e.orderId, productId: e.productId, channelId: e.channelId, occurredAt: e.occurredAt, data: e.data as Prisma.InputJsonValue })),
    skipDuplicates: true,
  });
  const hooks = events.filter((e) => e.audience === 'webhook');
  const notes = events.filter((e) => e.audience === 'notice');
  if (hooks.length) {
    // stock.low goes to every channel's subscribers; an order's events to its own channel's
    const channels = [...new Set(hooks.map((e) => e.channelId).filter((c): c is string => c !== null))];
    const endpoints = await tx.webhookEndpoint.findMany({
      where: { disabled: false, OR: [{ channelId: { in: channels } }, ...(hooks.some((e) => e.channelId === null) ? [{ events: { has: 'stock.low' } }] : [])] },
      select: { id: true, channelId: true, events: true },
    });
    const rows = hooks.flatMap((e) => endpoints.filter((p) => p.events.includes(e.type) && (e.channelId === null || p.channelId === e.channelId))
      .map((p) => ({ eventId: e.id, endpointId: p.id })));
    if (rows.length) await tx.webhookDelivery.createMany({ data: rows, skipDuplicates: true });
  }
  if (notes.length) {
    const operators = audience.telegram ? await tx.telegramLink.findMany({
      where: { telegramUserId: { not: null }, chatId: { not: null }, operator: { disabled: false } }, select: { operatorId: true, chatId: true },
    }) : [];
    const rows = notes.flatMap((e) => [
      ...(audience.merchantEmail && audience.emailNotices.includes(e.type as NoticeKind) ? [{ eventId: e.id, kind: e.type, via: 'email', recipient: audience.merchantEmail }] : []),
      ...operators.map((o) => ({ eventId: e.id, kind: e.type, via: 'telegram', recipient: o.operatorId, telegramChatId: o.chatId })),
    ]);
    if (rows.length) await tx.merchantNotice.createMany({ data: rows, skipDuplicates: true });
  }
  const ids = events.map((e) => e.id);
  const [webhooks, notices] = await Promise.all([
    hooks.length ? tx.webhookDelivery.findMany({ where: { eventId: { in: ids }, status: 'queued' }, select: { id: true } }) : [],
    notes.length ? tx.merchantNotice.findMany({ where: { eventId: { in: ids }, status: 'queued' }, select: { id: true } }) : [],
  ]);
  return { webhooks: webhooks.map((w) => w.id), notices: notices.map((n) => n.id) };
}

interface StockRow { id: string; sku: string; name: string; threshold: number; available: number; low: boolean | null; episode: number | null }

/**
 * Compares each active auto-delivery product's available stock with its low-stock threshold (counted
 * only up to threshold + 1 through the partial index of available keys), and only while someone
 * listens for it: an endpoint subscribed to stock.low, a linked Telegram operator, or stock_low in
 * the merchant's email notices. A product that falls to its threshold fires one stock.low (a new
 * episode, hence a new event id); it re-arms once stock is above the threshold again.
 */
export async function checkStock(db: Db, audience: NoticeAudience): Promise<Fanned> {
  const listens = audience.telegram || (audience.merchantEmail !== undefined && audience.emailNotices.includes('stock_low'))
    || await db.webhookEndpoint.count({ where: { disabled: false, events: { has: 'stock.low' } } }) > 0;
  if (!listens) return { webhooks: [], notices: [] };
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<StockRow[]>`
      SELECT p.id, p.sku, p.name, p.low_stock_threshold AS threshold, a.low, a.episode,
        (SELECT count(*) FROM (SELECT 1 FROM card_key k WHERE k.product_id = p.id AND k.status = 'available' LIMIT p.low_stock_threshold + 1) s)::int AS available
      FROM product p LEFT JOIN stock_alert a ON a.product_id = p.id
      WHERE p.active AND p.delivery_mode = 'auto' AND p.low_stock_threshold > 0
        -- one relay at a time compares (another one running now skips this round)
        AND (SELECT pg_try_advisory_xact_lock(hashtext('kami:stock-check')))`;
    const events: NewEvent[] = [];
    for (const r of rows) {
      const low = r.available <= r.threshold;
      if (low === Boolean(r.low)) continue;
      const episode = (r.episode ?? 0) + (low ? 1 : 0);
      await tx.stockAlert.upsert({
        where: { productId: r.id },
        create: { productId: r.id, low, episode, available: r.available },
        update: { low, episode, available: r.available, changedAt: new Date() },
      });
      if (!low) continue;
      const data = { productId: r.id, sku: r.sku, productName: r.name, available: r.available, threshold: r.threshold };
      const key = stockLowKey(r.id, episode);
      events.push({ id: eventId(key), type: 'stock.low', audience: 'webhook', orderId: null, productId: r.id, channelId: null, occurredAt: new Date(), data });
      events.push({ id: eventId(`${key}/notice`), type: 'stock_low', audience: 'notice', orderId: null, productId: r.id, channelId: null, occurredAt: new Date(), data });
    }
    return fanOut(tx, events, audience);
  });
}

/** Deliveries and notices queued a while ago whose run may never have started (the relay died between its commit and the start). */
export async function queuedWithoutRun(db: Db, olderThanMs: number): Promise<Fanned> {
  const before = new Date(Date.now() - olderThanMs);
  const [webhooks, notices] = await Promise.all([
    db.webhookDelivery.findMany({ where: { status: 'queued', createdAt: { lt: before } }, select: { id: true }, take: 500 }),
    db.merchantNotice.findMany({ where: { status: 'queued', createdAt: { lt: before } }, select: { id: true }, take: 500 }),
  ]);
  return { webhooks: webhooks.map((w) => w.id), notices: notices.map((n) => n.id) };
}

/** A test event for one endpoint (the panel's "send test event"): its own id, delivered like any other. */
export async function queueTestEvent(db: Db, endpoint: { id: number; channelId: string }, by: string): Promise<number> {
  return db.$transaction(async (tx) => {
    const id = eventId(`test/${endpoint.id}/${randomBytes(12).toString('base64url')}`);
    await tx.outboundEvent.create({
      data: { id, type: TEST_EVENT_TYPE, channelId: endpoint.channelId, occurredAt: new Date(), data: { channel: endpoint.channelId, message: 'a test event sent from the Kami panel', by } },
    });
    const delivery = await tx.webhookDelivery.create({ data: { eventId: id, endpointId: endpoint.id } });
    return delivery.id;
  });
}
