import { Router } from 'express';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, WebhookEndpointInput, WebhookEndpointUpdate } from '../../domain/events.js';
import { audit } from '../../infra/audit.js';
import { signingCredential } from '../../infra/channels/credentials.js';
import type { Prisma } from '../../infra/db.js';
import { queueTestEvent } from '../../infra/events/stream.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { changes } from './changes.js';
import { IntId, oneOrMany, orderBy, parseListQuery, SerialId, sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const ChannelId = z.string().trim().min(1).max(40);

const ENDPOINTS = {
  sortable: ['id', 'channelId', 'createdAt', 'url'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({ id: oneOrMany(SerialId).optional(), channelId: ChannelId.optional(), disabled: z.boolean().optional() }),
} as const;

const DELIVERY_STATUSES = ['queued', 'retrying', 'delivered', 'failed'] as const;
const DELIVERIES = {
  sortable: ['id', 'createdAt', 'updatedAt', 'status', 'attempts'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(SerialId).optional(),
    endpointId: SerialId.optional(),
    channelId: ChannelId.optional(),
    status: oneOrMany(z.enum(DELIVERY_STATUSES)).optional(),
    eventType: z.enum([...WEBHOOK_EVENT_TYPES, 'webhook.test']).optional(),
    orderId: z.string().trim().min(1).max(40).optional(),
  }),
} as const;

const DELIVERY_INCLUDE = {
  endpoint: { select: { id: true, url: true, channelId: true, includeKeys: true, disabled: true } },
  event: { select: { id: true, type: true, orderId: true, channelId: true, occurredAt: true, data: true } },
} satisfies Prisma.WebhookDeliveryInclude;

const tryRecord = (t: Prisma.WebhookAttemptGetPayload<object>) => ({ ...t, id: Number(t.id) });

/**
 * `webhook-endpoints` and `webhook-deliveries`: each channel's endpoints (owners create, change,
 * disable and try them; everyone signed in reads), and every delivery with its tries. A redelivery
 * sends the same event (same id) again through its workflow. Changes are audited.
 */
export function webhooksRouter({ db, vault, eventRuns }: ApiDeps): Router {
  const router = Router();

  async function endpoint(id: number) {
    const e = await db.webhookEndpoint.findUnique({ where: { id } });
    if (!e) throw new ApiError(404, 'webhook_endpoint_not_found', `no webhook endpoint ${id}`);
    return e;
  }

  router.get('/webhook-endpoints', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, ENDPOINTS);
    const where: Prisma.WebhookEndpointWhereInput = { id: f.id && { in: f.id }, channelId: f.channelId, disabled: f.disabled };
    const [rows, total] = await Promise.all([
      db.webhookEndpoint.findMany({ where, orderBy: orderBy<Prisma.WebhookEndpointOrderByWithRelationInput>(sort), skip, take }),
      db.webhookEndpoint.count({ where }),
    ]);
    sendList(res, 'webhook-endpoints', rows, total, range);
  });

  router.get('/webhook-endpoints/:id', requireRole('viewer'), async (req, res) => {
    res.json(await endpoint(IntId.parse(req.params).id));
  });

  router.post('/webhook-endpoints', requireRole('owner'), async (req, res) => {
    const input = WebhookEndpointInput.parse(req.body);
    const channel = await db.channel.findUnique({ where: { id: input.channelId } });
    if (!channel) throw new ApiError(404, 'channel_not_found', `no channel ${input.channelId}`, { channelId: 'no such channel' });
    // deliveries are signed with the channel's own key: without one, nothing could be sent
    if (!(await signingCredential(db, vault, channel.id))) {
      throw new ApiError(409, 'no_signing_key', `channel ${channel.id} has no live API key; issue one first: webhooks are signed with it`, { channelId: 'issue an API key for this channel first' });
    }
    const created = await db.$transaction(async (tx) => {
      const e = await tx.webhookEndpoint.create({ data: { ...input, createdBy: actorOf(req).email } });
      await audit(tx, actorOf(req), 'webhook_endpoint.create', { type: 'channel', id: channel.id }, { endpointId: e.id, url: e.url, events: e.events, includeKeys: e.includeKeys });
      return e;
    });
    res.status(201).json(created);
  });

  router.put('/webhook-endpoints/:id', requireRole('owner'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    // react-admin sends the whole record back: only the fields an owner may change are read
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = WebhookEndpointUpdate.parse(Object.fromEntries(Object.keys(WebhookEndpointUpdate.shape).filter((k) => k in body).map((k) => [k, body[k]])));
    const before = await endpoint(id);
    const updated = await db.$transaction(async (tx) => {
      const e = await tx.webhookEndpoint.update({ where: { id }, data: input });
      await audit(tx, actorOf(req), 'webhook_endpoint.update', { type: 'channel', id: e.channelId }, { endpointId: id, changes: changes(before, e, Object.keys(input)) });
      return e;
    });
    res.json(updated);
  });

  router.post('/webhook-endpoints/:id/test', requireRole('owner'), async (req, res) => {
    const e = await endpoint(IntId.parse(req.params).id);
    if (e.disabled) throw new ApiError(409, 'webhook_endpoint_disabled', 'enable the endpoint before sending it a test event');
    const deliveryId = await queueTestEvent(db, e, actorOf(req).email);
    await eventRuns.startAll({ webhooks: [deliveryId], notices: [] });
    await audit(db, actorOf(req), 'webhook_endpoint.test', { type: 'channel', id: e.channelId }, { endpointId: e.id, deliveryId });
    res.status(202).json({ deliveryId });
  });

  router.get('/webhook-deliveries', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, DELIVERIES);
    const where: Prisma.WebhookDeliveryWhereInput = {
      id: f.id && { in: f.id }, endpointId: f.endpointId, status: f.status && { in: f.status },
      ...(f.channelId ? { endpoint: { channelId: f.channelId } } : {}),
      ...(f.eventType || f.orderId ? { event: { type: f.eventType, orderId: f.orderId } } : {}),
    };
    const [rows, total] = await Promise.all([
      db.webhookDelivery.findMany({ where, include: DELIVERY_INCLUDE, orderBy: orderBy<Prisma.WebhookDeliveryOrderByWithRelationInput>(sort), skip, take }),
      db.webhookDelivery.count({ where }),
    ]);
    sendList(res, 'webhook-deliveries', rows, total, range);
  });

  router.get('/webhook-deliveries/:id', requireRole('viewer'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const d = await db.webhookDelivery.findUnique({ where: { id }, include: { ...DELIVERY_INCLUDE, tries: { orderBy: { n: 'asc' } } } });
    if (!d) throw new ApiError(404, 'webhook_delivery_not_found', `no webhook delivery ${id}`);
    res.json({ ...d, tries: d.tries.map(tryRecord) });
  });

  /** Sends the event again (same id: the receiver de-duplicates); refused while its run is still trying. */
  router.post('/webhook-deliveries/:id/redeliver', requireRole('owner'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const d = await db.webhookDelivery.findUnique({ where: { id }, include: { endpoint: true } });
    if (!d) throw new ApiError(404, 'webhook_delivery_not_found', `no webhook delivery ${id}`);
    if (d.endpoint.disabled) throw new ApiError(409, 'webhook_endpoint_disabled', 'enable the endpoint before redelivering to it');
    if (d.status === 'queued' || d.status === 'retrying') throw new ApiError(409, 'delivery_in_progress', 'this delivery is still being tried; wait for it to finish or fail');
    await db.webhookDelivery.update({ where: { id }, data: { status: 'queued' } });
    if (!(await eventRuns.redeliver('webhook', id))) throw new ApiError(409, 'delivery_in_progress', 'this delivery is still being tried; wait for it to finish or fail');
    await audit(db, actorOf(req), 'webhook_delivery.redeliver', { type: 'channel', id: d.endpoint.channelId }, { deliveryId: id, eventId: d.eventId });
    res.status(202).json({ id, status: 'queued' });
  });

  return router;
}
