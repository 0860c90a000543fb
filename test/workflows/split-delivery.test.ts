import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { expectError, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { balanceOf, partnerCall, partnerChannel } from '../helpers/partner.js';

let kami: Kami;
let operator: AdminSession;
beforeAll(async () => {
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_PARTNER_WAIT: '20s' } });
  operator = await loginAs(kami, 'operator');
});
afterAll(() => kami?.stop());

const ext = () => `wholesale-${randomUUID()}`;

/** Imports `n` new keys through the panel's API, as an operator would; returns how many backorders it released. */
async function importKeys(productId: string, n: number): Promise<number> {
  const lines = Array.from({ length: n }, () => `KEY-IMPORTED-${randomBytes(8).toString('hex')}`);
  const res = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId, label: 'restock', lines } });
  expect(res.status, res.text).toBe(201);
  return res.body.backordersReleased;
}

const read = (key: { keyId: string; secret: string }, orderId: string) => partnerCall(kami, key, 'GET', `/api/v1/partner/orders/${orderId}`);

describe('split delivery', () => {
  it('delivers what stock there is now, then the rest in parts as keys are imported, each part an event', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 5_000 }, settings: { allowSplit: true }, rules: { bulkQuantity: 100 } });
    const product = await kami.product(4, { priceCents: 100 });
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 10, externalOrderId: ext() } });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ status: 'backorder', quantity: 10, deliveredQuantity: 4, amountMinor: 1_000 });
    expect(res.body.parts).toEqual([{ part: 1, quantity: 4, deliveredAt: expect.any(String) }]);
    const { orderId } = res.body as { orderId: string };
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 4_000, ledgerSum: 4_000 });

    // a partial import: the oldest split order takes what there is as its next part
    expect(await importKeys(product.id, 3)).toBe(1);
    await expect.poll(async () => (await read(channel.key, orderId)).body.deliveredQuantity, { timeout: 20_000 }).toBe(7);
    await expect.poll(async () => (await read(channel.key, orderId)).body.status, { timeout: 20_000 }).toBe('backorder');

    // enough for the rest (and one more, which stays in stock)
    expect(await importKeys(product.id, 4)).toBe(1);
    await expect.poll(async () => (await read(channel.key, orderId)).body.status, { timeout: 20_000 }).toBe('delivered');
    const done = (await read(channel.key, orderId)).body;
    expect(done.parts.map((p: { quantity: number }) => p.quantity)).toEqual([4, 3, 3]);
    expect(new Set(done.keys).size).toBe(10);
    expect(await kami.db.cardKey.count({ where: { orderId, status: 'sold' } })).toBe(10);
    expect(await stockState(kami, product.id)).toMatchObject({ available: 1, reserved: 0, sold: 10 });

    const parts = await kami.db.orderEvent.findMany({ where: { orderId, type: 'part_delivered' }, orderBy: { id: 'asc' } });
    expect(parts.map((e) => [e.step, (e.data as { delivered: number }).delivered])).toEqual([['1', 4], ['2', 7], ['3', 10]]);
    expect(parts.flatMap((e) => (e.data as { keyIds: number[] }).keyIds).sort()).toEqual((await kami.db.cardKey.findMany({ where: { orderId } })).map((k) => k.id).sort());
    // paid once, for the whole order
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 4_000, ledgerSum: 4_000 });
    const history = await kami.temporal.workflow.getHandle(`order:${orderId}`).fetchHistory();
    const markers = history.events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(markers.length).toBeGreaterThan(0);
  });

  it('a person refunding the rest: the order keeps its parts, and the balance gets the rest back', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 5_000 }, settings: { allowSplit: true }, rules: { bulkQuantity: 100 } });
    const product = await kami.product(4, { priceCents: 250 });
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 10, externalOrderId: ext() } });
    expect(res.body).toMatchObject({ status: 'backorder', deliveredQuantity: 4 });
    const { orderId } = res.body as { orderId: string };
    const seq = (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).reviewSeq;

    const rejected = await adminCall(kami, operator, 'POST', `/orders/${orderId}/reject`, { body: { note: 'no more stock coming', reviewSeq: seq } });
    expect(rejected.status, rejected.text).toBe(200);
    await expect.poll(async () => (await read(channel.key, orderId)).body.status, { timeout: 20_000 }).toBe('delivered');
    const done = (await read(channel.key, orderId)).body;
    expect(done).toMatchObject({ deliveredQuantity: 4, refund: { amount: '15.00', amountMinor: 1_500 } });
    expect(await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ approvedQuantity: 4, refundCents: 1_500n });
    await expect.poll(async () => (await kami.db.refund.findFirst({ where: { orderId } }))?.status, { timeout: 20_000 }).toBe('succeeded');
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 5_000 - 1_000, ledgerSum: 5_000 - 1_000 });
  });

  it('approved for fewer, then the rest refunded: each step owed back once, the two parts adding up', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 5_000 }, settings: { allowSplit: true }, rules: { bulkQuantity: 5 } });
    const product = await kami.product(3, { priceCents: 100 });
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 10, externalOrderId: ext() } });
    expect(res.status, res.text).toBe(202);
    const { orderId } = res.body as { orderId: string };
    const row = () => kami.db.order.findUniqueOrThrow({ where: { id: orderId } });
    await expect.poll(async () => (await row()).status, { timeout: 20_000 }).toBe('in_review');

    const approved = await adminCall(kami, operator, 'POST', `/orders/${orderId}/approve`, { body: { note: 'six will do', quantity: 6, reviewSeq: (await row()).reviewSeq } });
    expect(approved.status, approved.text).toBe(200);
    await expect.poll(async () => (await read(channel.key, orderId)).body.deliveredQuantity, { timeout: 20_000 }).toBe(3);
    await expect.poll(async () => (await row()).status, { timeout: 20_000 }).toBe('backorder');

    const rejected = await adminCall(kami, operator, 'POST', `/orders/${orderId}/reject`, { body: { note: 'no more coming', reviewSeq: (await row()).reviewSeq } });
    expect(rejected.status, rejected.text).toBe(200);
    await expect.poll(async () => (await row()).status, { timeout: 20_000 }).toBe('delivered');
    await expect.poll(async () => (await kami.db.refund.findMany({ where: { orderId }, orderBy: { id: 'asc' } })).map((r) => [r.step, r.amountMinor, r.status]), { timeout: 20_000 })
      .toEqual([['approved_fewer', 400n, 'succeeded'], ['split_rest', 300n, 'succeeded']]);
    expect(await row()).toMatchObject({ approvedQuantity: 3, refundCents: 700n });
    // paid 10 × 1.00 from the balance, 7 × 1.00 back: the three keys delivered are what it cost
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 5_000 - 300, ledgerSum: 5_000 - 300 });
  });

  it('a channel that does not split refuses an order larger than the stock, and changes nothing', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 5_000 } });
    const product = await kami.product(4, { priceCents: 100 });
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 10, externalOrderId: ext() } });
    expectError(res, 409, 'out_of_stock');
    expect(res.body.error.details).toEqual({ available: 4 });
    expect(await stockState(kami, product.id)).toEqual({ orders: 0, available: 4, reserved: 0, sold: 0 });
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 5_000, ledgerSum: 5_000 });
  });
});
