import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { call, expectError } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { killSpawnedWorkers, spawnWorker } from '../helpers/processes.js';
import { startMerchant, type FakeMerchant } from '../fakes/merchant.js';
import { captureHistory } from '../../scripts/capture-history.js';

// Merchant fulfilment (issue 12): a manual product the merchant's own system fulfils, end to end
// through the API with the real worker and the merchant's endpoint as a real local HTTP server.

let kami: Kami;
let owner: AdminSession;
let operator: AdminSession;
let merchant: FakeMerchant;
beforeAll(async () => {
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m', KAMI_FULFILMENT_GIVE_UP_AFTER: '6s' } });
  [owner, operator] = await Promise.all([loginAs(kami, 'owner'), loginAs(kami, 'operator')]);
  merchant = await startMerchant();
});
afterAll(async () => { await merchant?.close(); await kami?.stop(); });

const tag = () => randomUUID().slice(0, 8);
const ACCOUNT_FIELD = { name: 'account', label: 'Game account', type: 'text', required: true, maxLength: 40 };

/** A manual product with a buyer field, its fulfilment endpoint set to `url` (the merchant keeps the secret shown once). */
async function merchantProduct(k: Kami, session: AdminSession, m: FakeMerchant) {
  const created = await adminCall(k, session, 'POST', '/products', {
    body: { sku: `MF-${tag()}`, name: `Top-up ${tag()}`, priceCents: 900, currency: 'USD', deliveryMode: 'manual', buyerFields: [ACCOUNT_FIELD] },
  });
  expect(created.status, created.text).toBe(201);
  const set = await adminCall(k, session, 'PUT', `/products/${created.body.id}/endpoints/fulfilment`, { body: { url: m.url } });
  expect(set.status, set.text).toBe(201);
  m.useSecret(set.body);
  return created.body as { id: string; sku: string };
}

async function buy(k: Kami, sku: string, account = `acct-${tag()}`) {
  const placed = await k.checkout({ sku, quantity: 1, email: `mf-${tag()}@example.com`, buyerInput: { account } });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const { orderId, accessToken } = placed.body;
  expect((await k.pay(orderId, accessToken)).status).toBe(200);
  return { orderId, accessToken, account };
}

/** With KAMI_CAPTURE_HISTORIES=1, saves the finished run as a replay fixture (test/replay/histories/v6-*). */
async function capture(k: Kami, orderId: string, name: string) {
  if (!process.env.KAMI_CAPTURE_HISTORIES) return;
  const handle = k.temporal.workflow.getHandle(`order:${orderId}`);
  await handle.result();
  await captureHistory(k.temporal, `order:${orderId}`, name);
}

async function statusBecomes(k: Kami, orderId: string, status: string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const o = await k.db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } });
    if (o.status === status) return;
    if (Date.now() > end) throw new Error(`order ${orderId} is ${o.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('the fulfilment endpoint in the panel', () => {
  it('is set by owners on manual products only; its secret is answered once and kept encrypted', async () => {
    const auto = await adminCall(kami, owner, 'POST', '/products', { body: { sku: `MA-${tag()}`, name: 'auto', priceCents: 100, currency: 'USD' } });
    expectError(await adminCall(kami, owner, 'PUT', `/products/${auto.body.id}/endpoints/fulfilment`, { body: { url: merchant.url } }), 409, 'not_manual_delivery');
    const manual = await adminCall(kami, owner, 'POST', '/products', { body: { sku: `MM-${tag()}`, name: 'manual', priceCents: 100, currency: 'USD', deliveryMode: 'manual' } });
    expect((await adminCall(kami, operator, 'PUT', `/products/${manual.body.id}/endpoints/fulfilment`, { body: { url: merchant.url } })).status).toBe(403);
    expectError(await adminCall(kami, owner, 'PUT', `/products/${manual.body.id}/endpoints/fulfilment`, { body: { url: 'http://merchant.example/fulfil' } }), 400, 'invalid_request');
    const set = await adminCall(kami, owner, 'PUT', `/products/${manual.body.id}/endpoints/fulfilment`, { body: { url: merchant.url } });
    expect(set.status, set.text).toBe(201);
    expect(set.body).toMatchObject({ kind: 'fulfilment', url: merchant.url, keyId: expect.stringMatching(/^pe_/), secret: expect.stringMatching(/^ps_/) });
    const read = await adminCall(kami, owner, 'GET', `/products/${manual.body.id}`);
    expect(read.body.endpoints.fulfilment).toEqual({ url: merchant.url, keyId: set.body.keyId, createdAt: expect.any(String) });
    expect(read.text).not.toContain(set.body.secret);
    const row = await kami.db.productEndpoint.findUniqueOrThrow({ where: { productId_kind: { productId: manual.body.id, kind: 'fulfilment' } } });
    expect(Buffer.from(row.secret).includes(Buffer.from(set.body.secret))).toBe(false);
    // setting it again issues another secret
    const again = await adminCall(kami, owner, 'PUT', `/products/${manual.body.id}/endpoints/fulfilment`, { body: { url: merchant.url } });
    expect(again.body.secret).not.toBe(set.body.secret);
    expect((await adminCall(kami, owner, 'DELETE', `/products/${manual.body.id}/endpoints/fulfilment`)).body.endpoints).toEqual({});
  });
});

describe('an order the merchant fulfils', () => {
  it('checkout → payment → the merchant\'s endpoint (signed, idempotent on the order id) → delivered with its receipt', async () => {
    const product = await merchantProduct(kami, owner, merchant);
    const { orderId, accessToken, account } = await buy(kami, product.sku);
    await statusBecomes(kami, orderId, 'delivered');
    const calls = merchant.calls.filter((c) => c.orderId === orderId);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ signatureValid: true, idempotencyKey: orderId, body: { orderId, sku: product.sku, quantity: 1, buyerInput: { account } } });
    const read = await kami.order(orderId, accessToken);
    expect(read.body).toMatchObject({ status: 'delivered', keys: [`TOPUP-${orderId}`] });
    const mail = await kami.mail.waitFor((m) => m.subject.includes(orderId));
    expect(mail.text).toContain(`TOPUP-${orderId}`);
    // the receipt is stored like a key: encrypted
    const key = await kami.db.cardKey.findFirstOrThrow({ where: { orderId } });
    expect(Buffer.from(key.ciphertext).includes(Buffer.from(`TOPUP-${orderId}`))).toBe(false);
    const panel = await adminCall(kami, operator, 'GET', `/orders/${orderId}`);
    expect(panel.body.fulfilment).toMatchObject({ status: 'fulfilled', attempts: 1, reference: `M-${orderId}`, cardKeyId: key.id });
    expect(panel.body.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['fulfilment_started', 'fulfilled', 'delivering', 'delivered']));
    // visible as steps in the workflow's history
    const history = await kami.temporal.workflow.getHandle(`order:${orderId}`).fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fulfilOrder');
    expect(scheduled).toHaveLength(1);
    await capture(kami, orderId, 'v6-merchant-fulfilled');
  });

  it('an endpoint failing, then recovering: retried with the same order id, topped up once, delivered once', async () => {
    const product = await merchantProduct(kami, owner, merchant);
    merchant.setPlan((_id, n) => (n === 1 ? 503 : n === 2 ? 'drop' : 'fulfil'));
    try {
      const { orderId, accessToken } = await buy(kami, product.sku);
      await statusBecomes(kami, orderId, 'delivered');
      const calls = merchant.calls.filter((c) => c.orderId === orderId);
      expect(calls.map((c) => c.reply)).toEqual([503, 'drop', 'fulfil']);
      expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(new Set([orderId]));
      expect([...merchant.toppedUp.keys()].filter((k) => k === orderId)).toHaveLength(1);
      expect((await kami.order(orderId, accessToken)).body.keys).toEqual([`TOPUP-${orderId}`]);
      expect(await kami.db.cardKey.count({ where: { orderId } })).toBe(1);
      expect(await kami.db.delivery.count({ where: { orderId, status: 'sent' } })).toBe(1);
      expect((await kami.db.orderFulfilment.findUniqueOrThrow({ where: { orderId } })).attempts).toBe(3);
    } finally {
      merchant.setPlan(() => 'fulfil');
    }
  });

  it('a refusal sends the order to an operator, who retries fulfilment once the merchant can', async () => {
    const product = await merchantProduct(kami, owner, merchant);
    merchant.setPlan(() => 'refuse');
    const { orderId, accessToken, account } = await buy(kami, product.sku);
    await statusBecomes(kami, orderId, 'backorder');
    const waiting = await adminCall(kami, operator, 'GET', `/orders/${orderId}`);
    expect(waiting.body.reviewReasons).toEqual([{ code: 'merchant_refused', message: expect.stringContaining(`no such game account: ${account}`) }]);
    expect(waiting.body.fulfilment).toMatchObject({ status: 'refused', refusal: `no such game account: ${account}` });
    expect(merchant.calls.filter((c) => c.orderId === orderId)).toHaveLength(1); // a refusal is not retried by itself
    expect(merchant.toppedUp.has(orderId)).toBe(false);
    merchant.setPlan(() => 'fulfil');
    const retry = await adminCall(kami, operator, 'POST', `/orders/${orderId}/approve`, { body: { note: 'account fixed' } });
    expect(retry.status, retry.text).toBe(200);
    await statusBecomes(kami, orderId, 'delivered');
    expect((await kami.order(orderId, accessToken)).body.keys).toEqual([`TOPUP-${orderId}`]);
    expect(merchant.calls.filter((c) => c.orderId === orderId)).toHaveLength(2);
    await capture(kami, orderId, 'v6-merchant-refused-retried');
  });

  it('an endpoint that keeps failing for the whole period: the order waits, and the operator enters the goods by hand', async () => {
    const product = await merchantProduct(kami, owner, merchant);
    merchant.setPlan(() => 503);
    try {
      const { orderId, accessToken } = await buy(kami, product.sku);
      await statusBecomes(kami, orderId, 'backorder', 40_000);
      const waiting = await adminCall(kami, operator, 'GET', `/orders/${orderId}`);
      expect(waiting.body.reviewReasons.map((r: { code: string }) => r.code)).toEqual(['merchant_failed']);
      expect(waiting.body.fulfilment).toMatchObject({ status: 'failed', lastError: 'HTTP 503' });
      expect(merchant.calls.filter((c) => c.orderId === orderId).length).toBeGreaterThanOrEqual(2);
      const goods = `HAND-${tag()}`;
      const entered = await adminCall(kami, operator, 'POST', `/orders/${orderId}/mark-delivered`, { body: { goods: [goods] } });
      expect(entered.status, entered.text).toBe(202);
      await statusBecomes(kami, orderId, 'delivered');
      expect((await kami.order(orderId, accessToken)).body.keys).toEqual([goods]);
      expect(merchant.toppedUp.has(orderId)).toBe(false);
      await capture(kami, orderId, 'v6-merchant-failed-by-hand');
    } finally {
      merchant.setPlan(() => 'fulfil');
    }
  }, 60_000);
});

describe('a worker killed mid-call', () => {
  let local: Kami;
  let m: FakeMerchant;
  beforeAll(async () => {
    local = await startKami({ worker: false, env: { KAMI_PAYMENT_HOLD: '10m', KAMI_FULFILMENT_GIVE_UP_AFTER: '5m' } });
    m = await startMerchant();
  });
  afterAll(async () => { await killSpawnedWorkers(); await m?.close(); await local?.stop(); });

  it('the next worker calls again with the same order id: the merchant answers its first top-up, and the order is delivered once with it', async () => {
    const session = await loginAs(local, 'owner');
    const product = await merchantProduct(local, session, m);
    m.setPlan((_id, n) => (n === 1 ? 'hang' : 'fulfil'));
    const first = spawnWorker(local);
    const { orderId, accessToken } = await buy(local, product.sku);
    await m.until(() => m.open === 1);
    expect(m.topUps).toBe(1); // the merchant topped up; its answer never reached Kami
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    m.releaseHeld();
    const second = spawnWorker(local);
    try {
      await statusBecomes(local, orderId, 'delivered', 60_000);
    } finally {
      await second.kill('SIGTERM');
    }
    const calls = m.calls.filter((c) => c.orderId === orderId);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(new Set([orderId]));
    expect(m.topUps).toBe(1);
    expect((await local.order(orderId, accessToken)).body.keys).toEqual([`TOPUP-${orderId}`]);
    expect(await local.db.cardKey.count({ where: { orderId } })).toBe(1);
  }, 90_000);
});
