import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { getOrderStatus } from '../../workflows/messages.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
beforeAll(async () => { kami = await startKami(); });
afterAll(() => kami?.stop());

describe('an order from checkout to delivered keys', () => {
  it('holds stock at checkout, delivers exactly the held keys on payment, and emails them', async () => {
    const product = await kami.product(5);
    const created = await kami.checkout({ sku: product.sku, quantity: 2, email: 'buyer@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'awaiting_payment', amountDue: '10.00', amountDueCents: 1000, currency: 'USD' });
    const { orderId, accessToken } = created.body;
    expect(await kami.db.cardKey.count({ where: { orderId, status: 'reserved' } })).toBe(2);

    const before = await kami.order(orderId, accessToken);
    expect(before.body).toMatchObject({ status: 'awaiting_payment', keys: [] });

    expect((await kami.pay(orderId, accessToken)).status).toBe(200);
    await expect.poll(async () => (await kami.order(orderId, accessToken)).body.status, { timeout: 15_000 }).toBe('delivered');

    const after = (await kami.order(orderId, accessToken)).body;
    expect(after.keys).toHaveLength(2);
    for (const k of after.keys) expect(product.secrets).toContain(k);
    expect(await kami.db.cardKey.count({ where: { orderId, status: 'sold' } })).toBe(2);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(3);

    const mail = await kami.mail.waitFor((m) => m.subject.includes(orderId));
    expect(mail.to).toContain('buyer@example.com');
    for (const k of after.keys) expect(mail.text).toContain(k);
    expect(mail.html).toContain('<strong>anywhere</strong>');

    const events = await kami.db.orderEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['created', 'paid', 'rules_checked', 'delivering', 'email_sent', 'delivered']);

    const view = await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).query(getOrderStatus);
    expect(view).toMatchObject({ status: 'delivered', keyIds: expect.any(Array) });
  });

  it('keeps key text out of workflow history', async () => {
    const product = await kami.product(1);
    const { body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'history@example.com' });
    await kami.pay(body.orderId, body.accessToken);
    const handle = kami.temporal.workflow.getHandle(orderWorkflowId(body.orderId));
    await handle.result();
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(product.secrets[0]);
    expect(history).not.toContain(body.accessToken);
  });

  it('releases held stock when payment does not arrive in time', async () => {
    const local = await startKami({ env: { KAMI_PAYMENT_HOLD: '1s' } });
    try {
      const product = await local.product(1);
      const { body } = await local.checkout({ sku: product.sku, quantity: 1, email: 'late@example.com' });
      await local.temporal.workflow.getHandle(orderWorkflowId(body.orderId)).result();
      expect((await local.order(body.orderId, body.accessToken)).body.status).toBe('expired');
      expect(await local.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(1);
      // money that still arrives is never refused: it reopens the order for review (see review.test.ts)
      const late = await local.pay(body.orderId, body.accessToken);
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ received: true, duplicate: false });
      await expect.poll(async () => (await local.order(body.orderId, body.accessToken)).body.status, { timeout: 15_000 }).toBe('in_review');
      const order = await local.db.order.findUniqueOrThrow({ where: { id: body.orderId } });
      expect((order.reviewReasons as { code: string }[]).map((r) => r.code)).toContain('payment_late');
    } finally {
      await local.stop();
    }
  });
});
