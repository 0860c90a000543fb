import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { issueCredential } from '../../infra/channels/credentials.js';
import { outboundWorkflowId } from '../../infra/events/runs.js';
import { adminCall, loginAs } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { partnerCall, partnerChannel } from '../helpers/partner.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';

// This file's Kamis relay the events of their own database: no other test file's Kami takes its facts.
let db: Awaited<ReturnType<typeof freshDatabase>>;
let kami: Kami;
let key: { keyId: string; secret: string };
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  db = await freshDatabase('webhooks');
  kami = await startKami({ events: true, env: { DATABASE_URL: db.url, KAMI_WEBHOOK_GIVE_UP_AFTER: '15s' } });
  // webhooks are signed with the channel's newest live key; retail is a channel like any other
  key = await issueCredential(kami.db, kami.vault, 'retail', 'test');
});
afterAll(async () => {
  await kami?.stop();
  for (const r of receivers) await r.close();
  await db?.drop();
});

// each test's endpoints are its own: the earlier tests' stop listening
beforeEach(async () => { await kami.db.webhookEndpoint.updateMany({ data: { disabled: true } }); });

async function receiver(plan?: Parameters<typeof startWebhookReceiver>[0]['plan']) {
  const r = await startWebhookReceiver({ secrets: { [key.keyId]: key.secret }, plan });
  receivers.push(r);
  return r;
}

async function endpoint(k: Kami, url: string, events: string[], over: { includeKeys?: boolean } = {}) {
  return k.db.webhookEndpoint.create({ data: { channelId: 'retail', url: `${url}/hooks/kami?source=test`, events, includeKeys: over.includeKeys ?? false } });
}

/** A paid retail order, delivered; returns its id and keys. */
async function deliveredOrder(k: Kami, product: { sku: string }, quantity = 1) {
  const { status, body } = await k.checkout({ sku: product.sku, quantity, email: `buyer-${Math.random().toString(36).slice(2)}@example.com` });
  expect(status, JSON.stringify(body)).toBe(201);
  await k.pay(body.orderId, body.accessToken);
  await expect.poll(async () => (await k.db.order.findUniqueOrThrow({ where: { id: body.orderId } })).status, { timeout: 20_000 }).toBe('delivered');
  const keys = (await k.order(body.orderId, body.accessToken)).body.keys as string[];
  return { orderId: body.orderId as string, keys };
}

describe('webhooks out', () => {
  it('retries an endpoint that fails, then recovers: every event arrives, signed, once accepted, de-duplicable by its id', async () => {
    // each event: first a 503, then a dropped connection, then accepted
    const r = await receiver((_id, n) => (n === 1 ? 503 : n === 2 ? 'drop' : 200));
    const ep = await endpoint(kami, r.url, ['order.paid', 'order.delivered']);
    const product = await kami.product(10, { priceCents: 1234 });
    const orders = await Promise.all(Array.from({ length: 4 }, () => deliveredOrder(kami, product)));

    await r.until(() => r.accepted.size === 8);
    const deliveries = await kami.db.webhookDelivery.findMany({ where: { endpointId: ep.id }, include: { event: true, tries: { orderBy: { n: 'asc' } } } });
    expect(deliveries).toHaveLength(8);
    await expect.poll(async () => kami.db.webhookDelivery.count({ where: { endpointId: ep.id, status: 'delivered' } }), { timeout: 10_000 }).toBe(8);

    for (const o of orders) {
      const mine = r.received.filter((x) => x.body?.data?.orderId === o.orderId);
      expect(new Set(mine.map((x) => x.type))).toEqual(new Set(['order.paid', 'order.delivered']));
      for (const type of ['order.paid', 'order.delivered']) {
        const copies = mine.filter((x) => x.type === type);
        // the same event is sent with the same id every time, and accepted exactly once
        expect(new Set(copies.map((x) => x.eventId)).size).toBe(1);
        expect(copies.map((x) => x.reply)).toEqual([503, 'drop', 200]);
        expect(r.accepted.get(copies[0]!.eventId)).toBe(1);
        expect(copies.every((x) => x.signatureValid && x.headers['kami-event-id'] === x.eventId && x.headers['kami-key-id'] === key.keyId)).toBe(true);
        expect(copies[2]!.body).toMatchObject({
          id: expect.stringMatching(/^evt_[A-Za-z0-9_-]{24}$/), type,
          data: { orderId: o.orderId, externalOrderId: null, channel: 'retail', status: type.slice(6), sku: product.sku, quantity: 1, amount: '12.34', amountMinor: 1234, currency: 'USD' },
        });
        expect(copies[2]!.body.data.keys).toBeUndefined();
      }
    }
    // every try is recorded: the 503, the dropped connection, the 200
    for (const d of deliveries) {
      const tries = (await kami.db.webhookAttempt.findMany({ where: { deliveryId: d.id }, orderBy: { n: 'asc' } }));
      expect(tries.map((t) => [t.n, t.statusCode, t.error === null])).toEqual([[1, 503, false], [2, null, false], [3, 200, true]]);
    }
  });

  it('sends the keys only to an endpoint opted in, and never stores or logs them', async () => {
    const plain = await receiver();
    const withKeys = await receiver();
    await endpoint(kami, plain.url, ['order.delivered']);
    await endpoint(kami, withKeys.url, ['order.delivered'], { includeKeys: true });
    const product = await kami.product(5);
    const o = await deliveredOrder(kami, product, 2);
    await plain.until(() => plain.received.some((x) => x.body?.data?.orderId === o.orderId));
    await withKeys.until(() => withKeys.received.some((x) => x.body?.data?.orderId === o.orderId));
    const a = plain.received.find((x) => x.body.data.orderId === o.orderId)!;
    const b = withKeys.received.find((x) => x.body.data.orderId === o.orderId)!;
    expect(a.eventId).toBe(b.eventId);
    expect(a.body.data.keys).toBeUndefined();
    expect(b.body.data.keys).toEqual(o.keys);

    // nowhere at rest: not the stored event, not the tries, not the delivery runs' histories
    const stored = JSON.stringify(await kami.db.outboundEvent.findMany({ where: { orderId: o.orderId } }));
    const tries = JSON.stringify(await kami.db.webhookAttempt.findMany({}), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    const runs = await kami.db.webhookDelivery.findMany({ where: { event: { orderId: o.orderId } } });
    const histories = await Promise.all(runs.map(async (d) => JSON.stringify((await kami.temporal.workflow.getHandle(outboundWorkflowId(kami.config.eventsTaskQueue, 'webhook', d.id)).fetchHistory()).events)));
    for (const secret of o.keys) {
      expect(stored).not.toContain(secret);
      expect(tries).not.toContain(secret);
      for (const h of histories) expect(h).not.toContain(secret);
    }
  });

  it('a split order\'s parts each reach the partner as order.part_delivered, with that part\'s keys where opted in, then order.delivered', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 5_000 }, settings: { allowSplit: true }, rules: { bulkQuantity: 100 } });
    const r = await startWebhookReceiver({ secrets: { [channel.key.keyId]: channel.key.secret } });
    receivers.push(r);
    await kami.db.webhookEndpoint.create({
      data: { channelId: channel.id, url: `${r.url}/hooks/kami`, events: ['order.part_delivered', 'order.delivered'], includeKeys: true },
    });
    const product = await kami.product(2, { priceCents: 100 });
    const placed = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 3, externalOrderId: `split-${randomUUID()}` } });
    expect(placed.status, placed.text).toBe(202);
    const orderId = placed.body.orderId as string;
    const operator = await loginAs(kami, 'operator');
    const restock = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'restock', lines: ['SPLIT-REST-1'] } });
    expect(restock.body.backordersReleased, restock.text).toBe(1);
    const mine = () => r.received.filter((x) => x.firstAccepted && x.body?.data?.orderId === orderId);
    await r.until(() => mine().some((x) => x.type === 'order.delivered'));
    const parts = mine().filter((x) => x.type === 'order.part_delivered').sort((a, b) => a.body.data.part - b.body.data.part);
    expect(parts.map((x) => [x.body.data.part, x.body.data.partQuantity, x.body.data.deliveredSoFar])).toEqual([[1, 2, 2], [2, 1, 3]]);
    expect(parts.every((x) => x.signatureValid)).toBe(true);
    expect(parts[1]!.body.data.keys).toEqual(['SPLIT-REST-1']);
    const all = (await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${orderId}`)).body.keys as string[];
    expect([...parts[0]!.body.data.keys, ...parts[1]!.body.data.keys].sort()).toEqual([...all].sort());
    expect(mine().find((x) => x.type === 'order.delivered')!.body.data.keys.sort()).toEqual([...all].sort());
  });

  it('a slow endpoint never slows an order: orders deliver while every webhook is still held open, then it is given up and shown failed', async () => {
    const slow = await receiver(() => 'hang');
    const ep = await endpoint(kami, slow.url, ['order.paid']);
    const product = await kami.product(6);
    const orders = await Promise.all(Array.from({ length: 3 }, () => deliveredOrder(kami, product)));
    // every order is delivered; its webhook requests are at the endpoint, unanswered
    await slow.until(() => slow.open >= 1);
    expect(orders).toHaveLength(3);
    expect(slow.received.filter((x) => x.reply === 'hang').length).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => kami.db.webhookDelivery.findMany({ where: { endpointId: ep.id }, select: { status: true } }), { timeout: 45_000 })
      .toEqual([{ status: 'failed' }, { status: 'failed' }, { status: 'failed' }]);
    const failed = await kami.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: ep.id } });
    expect(failed.lastError).toMatch(/gave up|no answer within/);
    expect(await kami.db.webhookAttempt.count({ where: { deliveryId: failed.id, error: { contains: 'no answer within 2000 ms' } } })).toBeGreaterThanOrEqual(1);
  });

  it('a restart loses nothing: deliveries queued and failing when the worker stops are delivered once by the next one', async () => {
    const r = await receiver(() => 503);
    const ep = await endpoint(kami, r.url, ['order.paid', 'order.delivered']);
    const product = await kami.product(4);
    const orders = await Promise.all(Array.from({ length: 3 }, () => deliveredOrder(kami, product)));
    await r.until(() => new Set(r.received.map((x) => x.eventId)).size === 6);
    const { config } = kami;
    await kami.stop();
    // the endpoint recovers while no worker runs; the next Kami (same database, key and queues) carries on
    r.setPlan(() => 200);
    kami = await startKami({ events: true, env: { DATABASE_URL: db.url, KAMI_MASTER_KEY: config.KAMI_MASTER_KEY!, KAMI_TASK_QUEUE: config.KAMI_TASK_QUEUE, KAMI_WEBHOOK_GIVE_UP_AFTER: '15s' } });
    await r.until(() => r.accepted.size === 6);
    await expect.poll(async () => kami.db.webhookDelivery.count({ where: { endpointId: ep.id, status: 'delivered' } }), { timeout: 15_000 }).toBe(6);
    for (const o of orders) expect(r.received.filter((x) => x.body?.data?.orderId === o.orderId && x.firstAccepted)).toHaveLength(2);
    expect([...r.accepted.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('webhook endpoints in the panel API', () => {
  it('owners create endpoints (checked field by field), send a test event, read deliveries with their tries, redeliver and disable', async () => {
    const owner = await loginAs(kami, 'owner');
    const operator = await loginAs(kami, 'operator');
    const r = await receiver();
    const good = { channelId: 'retail', url: `${r.url}/in`, events: ['order.paid', 'stock.low'] };

    expect((await adminCall(kami, operator, 'POST', '/webhook-endpoints', { body: good })).status).toBe(403);
    const bad = await adminCall(kami, owner, 'POST', '/webhook-endpoints', { body: { ...good, url: 'http://partner.example/in', events: ['order.shipped'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject({ url: expect.stringContaining('https'), 'events.0': expect.any(String) });
    expect((await adminCall(kami, owner, 'POST', '/webhook-endpoints', { body: { ...good, channelId: 'nope' } })).body.error.code).toBe('channel_not_found');
    await kami.db.channel.create({ data: { id: 'ch_keyless', name: 'No key yet', kind: 'reseller' } });
    const keyless = await adminCall(kami, owner, 'POST', '/webhook-endpoints', { body: { ...good, channelId: 'ch_keyless' } });
    expect([keyless.status, keyless.body.error.code]).toEqual([409, 'no_signing_key']);
    expect(await kami.db.webhookEndpoint.count({ where: { url: good.url } })).toBe(0);

    const created = await adminCall(kami, owner, 'POST', '/webhook-endpoints', { body: good });
    expect(created.status, created.text).toBe(201);
    const test = await adminCall(kami, owner, 'POST', `/webhook-endpoints/${created.body.id}/test`);
    expect(test.status, test.text).toBe(202);
    await r.until(() => r.received.some((x) => x.type === 'webhook.test'));
    expect(r.received.find((x) => x.type === 'webhook.test')!.signatureValid).toBe(true);

    await expect.poll(async () => (await adminCall(kami, operator, 'GET', `/webhook-deliveries/${test.body.deliveryId}`)).body.status, { timeout: 10_000 }).toBe('delivered');
    const shown = await adminCall(kami, operator, 'GET', `/webhook-deliveries/${test.body.deliveryId}`);
    expect(shown.body).toMatchObject({ attempts: 1, event: { type: 'webhook.test' }, tries: [{ n: 1, statusCode: 200 }] });
    const list = await adminCall(kami, operator, 'GET', `/webhook-deliveries?filter=${encodeURIComponent(JSON.stringify({ endpointId: created.body.id }))}`);
    expect(list.headers.get('content-range')).toBe('webhook-deliveries 0-0/1');

    const again = await adminCall(kami, owner, 'POST', `/webhook-deliveries/${test.body.deliveryId}/redeliver`);
    expect(again.status, again.text).toBe(202);
    await r.until(() => r.received.filter((x) => x.type === 'webhook.test').length === 2);
    const copies = r.received.filter((x) => x.type === 'webhook.test');
    expect(copies[1]!.eventId).toBe(copies[0]!.eventId);

    const off = await adminCall(kami, owner, 'PUT', `/webhook-endpoints/${created.body.id}`, { body: { ...created.body, disabled: true } });
    expect([off.status, off.body.disabled]).toEqual([200, true]);
    expect((await adminCall(kami, owner, 'POST', `/webhook-endpoints/${created.body.id}/test`)).body.error.code).toBe('webhook_endpoint_disabled');
    expect(await kami.db.auditLog.count({ where: { action: { startsWith: 'webhook_' }, actorEmail: owner.operator.email } })).toBe(4);
  });
});
