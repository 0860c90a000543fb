import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { expectError } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { startMerchant, type FakeMerchant } from '../fakes/merchant.js';
import { captureHistory } from '../../scripts/capture-history.js';

// Device-bound activation (issue 12), end to end through the API with the real worker: the buyer's
// device id at checkout, one code per device — from stock, or from the merchant's licence endpoint
// (a real local HTTP server) — and the same code again for a second order of the same device.

let kami: Kami;
let owner: AdminSession;
let merchant: FakeMerchant;
beforeAll(async () => {
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' } });
  owner = await loginAs(kami, 'owner');
  merchant = await startMerchant();
});
afterAll(async () => { await merchant?.close(); await kami?.stop(); });

const tag = () => randomUUID().slice(0, 8);
const device = () => `SN-${randomUUID()}`;

async function product(body: Record<string, unknown>) {
  const res = await adminCall(kami, owner, 'POST', '/products', { body: { sku: `DB-${tag()}`, name: `Licence ${tag()}`, priceCents: 1500, currency: 'USD', deviceBound: true, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; sku: string; buyerFields: { name: string }[]; deviceBound: boolean };
}

async function statusBecomes(orderId: string, status: string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const o = await kami.db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } });
    if (o.status === status) return;
    if (Date.now() > end) throw new Error(`order ${orderId} is ${o.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Checkout for `deviceId` → sandbox payment → delivered; the keys the buyer reads. */
async function activate(sku: string, deviceId: string) {
  const placed = await kami.checkout({ sku, quantity: 1, email: `dev-${tag()}@example.com`, buyerInput: { device_id: deviceId } });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const { orderId, accessToken } = placed.body;
  expect((await kami.pay(orderId, accessToken)).status).toBe(200);
  await statusBecomes(orderId, 'delivered');
  const read = await kami.order(orderId, accessToken);
  return { orderId, keys: read.body.keys as string[], read: read.body };
}

describe('a device-bound product', () => {
  it('asks the buyer for a device id at checkout and checks it', async () => {
    const p = await product({});
    expect(p.deviceBound).toBe(true);
    expect(p.buyerFields.map((f) => f.name)).toEqual(['device_id']);
    const listed = await fetch(`${kami.baseUrl}/api/v1/products/${p.sku}`).then((r) => r.json() as Promise<any>);
    expect(listed.buyerFields[0]).toMatchObject({ name: 'device_id', required: true });
    const missing = await kami.checkout({ sku: p.sku, quantity: 1, email: `dev-${tag()}@example.com` });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_buyer_input', details: { 'buyerInput.device_id': expect.any(String) } });
    const bad = await kami.checkout({ sku: p.sku, quantity: 1, email: `dev-${tag()}@example.com`, buyerInput: { device_id: 'no spaces allowed' } });
    expect(bad.body.error).toMatchObject({ code: 'invalid_buyer_input', details: { 'buyerInput.device_id': expect.stringContaining('must match') } });
    const two = await kami.checkout({ sku: p.sku, quantity: 2, email: `dev-${tag()}@example.com`, buyerInput: { device_id: device() } });
    expect(two.status).toBe(400);
    expect(two.body.error.details).toHaveProperty('quantity');
    // off again: the field goes
    const off = await adminCall(kami, owner, 'PUT', `/products/${p.id}`, { body: { deviceBound: false } });
    expect(off.body.buyerFields).toEqual([]);
  });

  it('from stock: the first order binds the device to its key; a second order for that device gets the same key, and its own is voided (it was readable for a moment: never sold to anyone else)', async () => {
    const p = await product({});
    const n = tag();
    const imported = await adminCall(kami, owner, 'POST', '/keys/import', { body: { productId: p.id, label: 'licences', lines: [`LIC-${n}-000000001`, `LIC-${n}-000000002`, `LIC-${n}-000000003`] } });
    expect(imported.status, imported.text).toBe(201);
    const d = device();
    const first = await activate(p.sku, d);
    expect(first.keys).toHaveLength(1);
    const second = await activate(p.sku, d);
    expect(second.keys).toEqual(first.keys);
    expect(await kami.db.cardKey.count({ where: { productId: p.id, status: 'available' } })).toBe(1);
    expect(await kami.db.cardKey.findMany({ where: { productId: p.id, status: 'void' }, select: { orderId: true } })).toEqual([{ orderId: second.orderId }]);
    const bindings = await kami.db.deviceBinding.findMany({ where: { productId: p.id } });
    expect(bindings).toEqual([expect.objectContaining({ deviceId: d, orderId: first.orderId })]);
    const other = await activate(p.sku, device());
    expect(other.keys).toHaveLength(1);
    expect(other.keys).not.toEqual(first.keys);
    const panelFirst = await adminCall(kami, owner, 'GET', `/orders/${first.orderId}`);
    expect(panelFirst.body.device).toEqual({ deviceId: d, boundBy: first.orderId });
    const panelSecond = await adminCall(kami, owner, 'GET', `/orders/${second.orderId}`);
    expect(panelSecond.body.device).toEqual({ deviceId: d, boundBy: first.orderId });
    const mail = await kami.mail.waitFor((m) => m.subject.includes(second.orderId));
    expect(mail.text).toContain(first.keys[0]);
    // with KAMI_CAPTURE_HISTORIES=1: the replay fixture of the binding step
    if (process.env.KAMI_CAPTURE_HISTORIES) {
      await kami.temporal.workflow.getHandle(`order:${second.orderId}`).result();
      await captureHistory(kami.temporal, `order:${second.orderId}`, 'v6-device-same-code');
    }
  });

  it('from the merchant\'s licence endpoint: the device id goes with the call, and a second order for the device gets the same code without a call', async () => {
    const p = await product({ deliveryMode: 'manual' });
    const set = await adminCall(kami, owner, 'PUT', `/products/${p.id}/endpoints/licence`, { body: { url: merchant.url } });
    expect(set.status, set.text).toBe(201);
    merchant.useSecret(set.body);
    const d = device();
    const first = await activate(p.sku, d);
    const calls = merchant.calls.filter((c) => c.orderId === first.orderId);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ signatureValid: true, body: { orderId: first.orderId, sku: p.sku, quantity: 1, deviceId: d, buyerInput: { device_id: d } } });
    expect(first.keys).toEqual([`TOPUP-${first.orderId}`]);
    const before = merchant.calls.length;
    const second = await activate(p.sku, d);
    expect(second.keys).toEqual(first.keys);
    expect(merchant.calls.length).toBe(before); // no second code asked for, none issued
    const panel = await adminCall(kami, owner, 'GET', `/orders/${second.orderId}`);
    expect(panel.body.fulfilment).toMatchObject({ kind: 'licence', status: 'fulfilled', attempts: 0 });
  });

  it('two orders for one device at once: the second waits for the first one\'s code, and only one is asked for', async () => {
    const p = await product({ deliveryMode: 'manual' });
    const set = await adminCall(kami, owner, 'PUT', `/products/${p.id}/endpoints/licence`, { body: { url: merchant.url } });
    merchant.useSecret(set.body);
    // the first call hangs past Kami's timeout (the merchant issued the code; its answer is lost), the retry gets it
    merchant.setPlan((_id, n) => (n === 1 ? 'hang' : 'fulfil'));
    try {
      const d = device();
      const place = async () => {
        const placed = await kami.checkout({ sku: p.sku, quantity: 1, email: `dev-${tag()}@example.com`, buyerInput: { device_id: d } });
        expect(placed.status, JSON.stringify(placed.body)).toBe(201);
        return placed.body as { orderId: string; accessToken: string };
      };
      const a = await place();
      const b = await place();
      expect((await kami.pay(a.orderId, a.accessToken)).status).toBe(200);
      await merchant.until(() => merchant.open === 1);
      expect((await kami.pay(b.orderId, b.accessToken)).status).toBe(200);
      await statusBecomes(a.orderId, 'delivered');
      await statusBecomes(b.orderId, 'delivered');
      const codeA = (await kami.order(a.orderId, a.accessToken)).body.keys;
      expect(codeA).toEqual([`TOPUP-${a.orderId}`]);
      expect((await kami.order(b.orderId, b.accessToken)).body.keys).toEqual(codeA);
      expect(merchant.calls.filter((c) => c.orderId === b.orderId)).toHaveLength(0);
      expect(merchant.toppedUp.has(b.orderId)).toBe(false);
    } finally {
      merchant.releaseHeld();
      merchant.setPlan(() => 'fulfil');
    }
  }, 60_000);
});
