import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { signSandboxNotification } from '../../infra/payments/sandbox.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { MERCHANT_EMAIL, startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let operator: AdminSession;
let viewer: AdminSession;
beforeAll(async () => {
  // relays the events (the review reminder is mailed by the event stream); the only relay on the shared database
  kami = await startKami({ events: true });
  operator = await loginAs(kami, 'operator');
  viewer = await loginAs(kami, 'viewer');
});
afterAll(() => kami?.stop());

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const waitStatus = (orderId: string, status: string) => expect.poll(() => statusOf(orderId), { timeout: 20_000 }).toBe(status);

/** A paid order of `quantity` keys; returns its ids once the workflow has reached `until`. */
async function paidOrder(product: { sku: string }, quantity: number, until: string, email = `buyer-${Math.random().toString(36).slice(2)}@example.com`) {
  const { status, body } = await kami.checkout({ sku: product.sku, quantity, email });
  expect(status, JSON.stringify(body)).toBe(201);
  await kami.pay(body.orderId, body.accessToken);
  await waitStatus(body.orderId, until);
  return body as { orderId: string; accessToken: string };
}

describe('human review pauses the workflow', () => {
  it('a bulk order waits in the inbox with its reasons, and delivers once approved', async () => {
    const product = await kami.product(25);
    const order = await paidOrder(product, 21, 'in_review');
    expect((await kami.order(order.orderId, order.accessToken)).body.keys).toEqual([]);

    const inbox = await adminCall(kami, viewer, 'GET', `/reviews?filter=${encodeURIComponent(JSON.stringify({ productId: product.id }))}`);
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get('content-range')).toMatch(/^reviews 0-0\/1$/);
    const item = inbox.body[0];
    expect(item).toMatchObject({ id: order.orderId, status: 'in_review', reviewSeq: 1, stock: { available: 4 } });
    expect(item.reviewReasons.map((r: { code: string }) => r.code)).toEqual(['bulk_quantity']);
    expect(item.facts).toMatchObject({ quantity: 21 });

    const byViewer = await adminCall(kami, viewer, 'POST', `/orders/${order.orderId}/approve`, { body: {} });
    expect(byViewer.status).toBe(403);

    const approved = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/approve`, { body: { note: 'known reseller', reviewSeq: 1 } });
    expect(approved.status, approved.text).toBe(200);
    await waitStatus(order.orderId, 'delivered');
    expect((await kami.order(order.orderId, order.accessToken)).body.keys).toHaveLength(21);

    const decision = await kami.db.orderEvent.findFirstOrThrow({ where: { orderId: order.orderId, type: 'decision' } });
    expect(decision.actor).toBe(operator.operator.email);
    expect(decision.data).toMatchObject({ action: 'approve', note: 'known reseller', shown: { reasons: [{ code: 'bulk_quantity' }] } });
    expect(await kami.db.auditLog.count({ where: { targetId: order.orderId, action: 'order.review.approve' } })).toBe(1);

    const again = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/approve`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_awaiting_review');
  });

  it('rejecting returns the held keys to stock and owes the payment back', async () => {
    const product = await kami.product(22);
    const order = await paidOrder(product, 21, 'in_review');
    const rejected = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/reject`, { body: { note: 'fraud pattern' } });
    expect(rejected.status, rejected.text).toBe(200);
    await waitStatus(order.orderId, 'rejected');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId } });
    expect(row.refundCents).toBe(row.amountCents);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(22);
  });

  it('approving a smaller quantity delivers that many and refunds the rest', async () => {
    const product = await kami.product(30, { priceCents: 100 });
    const order = await paidOrder(product, 25, 'in_review');
    const stale = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/approve`, { body: { quantity: 5, reviewSeq: 7 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_decision');
    const tooMany = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/approve`, { body: { quantity: 26 } });
    expect(tooMany.status).toBe(400);
    expect(await statusOf(order.orderId)).toBe('in_review');

    const ok = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/approve`, { body: { quantity: 5 } });
    expect(ok.status, ok.text).toBe(200);
    await waitStatus(order.orderId, 'delivered');
    expect((await kami.order(order.orderId, order.accessToken)).body.keys).toHaveLength(5);
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId } });
    expect(row).toMatchObject({ approvedQuantity: 5, refundCents: 2000n });
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(25);
  });

  it('applies the timeout policy: auto-reject, or remind the merchant and keep waiting', async () => {
    const strict = await kami.product(25, { rules: { reviewTimeout: '1s', reviewTimeoutPolicy: 'auto_reject' } });
    const a = await paidOrder(strict, 21, 'rejected');
    const decision = await kami.db.orderEvent.findFirstOrThrow({ where: { orderId: a.orderId, type: 'decision' } });
    expect(decision.actor).toBe('review-timeout-policy');

    const patient = await kami.product(25, { rules: { reviewTimeout: '1s', reviewTimeoutPolicy: 'remind' } });
    const b = await paidOrder(patient, 21, 'in_review');
    await kami.mail.waitFor((m) => m.to.includes(MERCHANT_EMAIL) && m.subject.includes(b.orderId), 15_000);
    expect(await statusOf(b.orderId)).toBe('in_review');
    await adminCall(kami, operator, 'POST', `/orders/${b.orderId}/approve`, { body: {} });
    await waitStatus(b.orderId, 'delivered');
  });

  it('a bulk decision applies the good items and reports the stale one', async () => {
    const product = await kami.product(70);
    const [x, y] = [await paidOrder(product, 21, 'in_review'), await paidOrder(product, 21, 'in_review')];
    const done = await paidOrder(product, 1, 'delivered');
    const res = await adminCall(kami, operator, 'POST', '/orders/bulk-decide', { body: { ids: [x.orderId, done.orderId, y.orderId], decision: 'reject', note: 'batch' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      { id: x.orderId, ok: true, status: 'in_review' },
      { id: done.orderId, ok: false, error: { code: 'not_awaiting_review', message: expect.any(String) } },
      { id: y.orderId, ok: true, status: 'in_review' },
    ]);
    await waitStatus(x.orderId, 'rejected');
    await waitStatus(y.orderId, 'rejected');
    expect(await statusOf(done.orderId)).toBe('delivered');
  });
});

describe('stock exhausted after payment', () => {
  it('waits on backorder and continues by itself when keys are imported, oldest first', async () => {
    const product = await kami.product(2);
    const first = await kami.checkout({ sku: product.sku, quantity: 1, email: 'first@example.com' });
    const second = await kami.checkout({ sku: product.sku, quantity: 1, email: 'second@example.com' });
    // an operator voids both held keys (say the supplier revoked them) before the buyers pay
    const held = await kami.db.cardKey.findMany({ where: { productId: product.id, status: 'reserved' } });
    const voided = await adminCall(kami, operator, 'POST', '/keys/void', { body: { ids: held.map((k) => k.id), reason: 'revoked by supplier' } });
    expect(voided.status, voided.text).toBe(200);
    await kami.pay(first.body.orderId, first.body.accessToken);
    await waitStatus(first.body.orderId, 'backorder');
    await kami.pay(second.body.orderId, second.body.accessToken);
    await waitStatus(second.body.orderId, 'backorder');

    const one = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'restock 1', lines: ['RESTOCK-AAAA-0001'] } });
    expect(one.status, one.text).toBe(201);
    expect(one.body.backordersReleased).toBe(1);
    await waitStatus(first.body.orderId, 'delivered');
    expect(await statusOf(second.body.orderId)).toBe('backorder');
    expect((await kami.order(first.body.orderId, first.body.accessToken)).body.keys).toEqual(['RESTOCK-AAAA-0001']);

    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'restock 2', lines: ['RESTOCK-AAAA-0002'] } });
    await waitStatus(second.body.orderId, 'delivered');
    expect((await kami.order(second.body.orderId, second.body.accessToken)).body.keys).toEqual(['RESTOCK-AAAA-0002']);
  });

  it('a merchant may refund a backorder instead', async () => {
    const product = await kami.product(1);
    const o = await kami.checkout({ sku: product.sku, quantity: 1, email: 'refund-me@example.com' });
    const held = await kami.db.cardKey.findMany({ where: { orderId: o.body.orderId } });
    await adminCall(kami, operator, 'POST', '/keys/void', { body: { ids: held.map((k) => k.id), reason: 'bad key' } });
    await kami.pay(o.body.orderId, o.body.accessToken);
    await waitStatus(o.body.orderId, 'backorder');
    const res = await adminCall(kami, operator, 'POST', `/orders/${o.body.orderId}/reject`, { body: { note: 'refund instead' } });
    expect(res.status, res.text).toBe(200);
    await waitStatus(o.body.orderId, 'refunded');
  });
});

describe('rule families end to end', () => {
  it('purchase limit: 50 concurrent checkouts by one buyer under email variants yield exactly 3 orders', async () => {
    const product = await kami.product(60, { rules: { purchaseLimit: 3, purchaseLimitWindow: '24h' } });
    const variants = Array.from({ length: 50 }, (_, i) => ['A.Lice+x@gmail.com', 'alice@gmail.com', 'a.l.i.c.e+shop' + i + '@googlemail.com', 'ALICE@GMAIL.COM'][i % 4]!);
    const answers = await Promise.all(variants.map((email) => kami.checkout({ sku: product.sku, quantity: 1, email })));
    const ok = answers.filter((a) => a.status === 201);
    const limited = answers.filter((a) => a.status === 409);
    expect(ok).toHaveLength(3);
    expect(limited).toHaveLength(47);
    for (const a of limited) expect(a.body.error.code).toBe('limit_exceeded');
    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(3);
    const listed = await (await fetch(`${kami.baseUrl}/api/v1/products`)).json() as { data: { sku: string; purchaseLimit: unknown }[] };
    expect(listed.data.find((p) => p.sku === product.sku)?.purchaseLimit).toEqual({ quantity: 3, window: '24h' });
  });

  it('blacklist: an order from a blacklisted email is rejected after payment', async () => {
    const product = await kami.product(3);
    const put = await adminCall(kami, operator, 'PUT', `/buyers/${encodeURIComponent('email:Mallory+1@Example.com')}`, { body: { blacklisted: true, blacklistReason: 'chargebacks' } });
    expect(put.status, put.text).toBe(200);
    const o = await paidOrder(product, 1, 'rejected', 'mallory+shop@example.com');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: o.orderId } });
    expect(row.ruleDecision).toMatchObject({ action: 'reject', reasons: [{ code: 'blacklisted' }] });
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(3);
  });

  it('duplicate order: the same buyer paying twice for the same thing within minutes waits for review', async () => {
    const product = await kami.product(5);
    await paidOrder(product, 2, 'delivered', 'twice@example.com');
    const second = await paidOrder(product, 2, 'in_review', 'twice@example.com');
    const item = await adminCall(kami, viewer, 'GET', `/reviews/${second.orderId}`);
    expect(item.body.reviewReasons.map((r: { code: string }) => r.code)).toEqual(['duplicate_order']);
    expect(item.body.buyerHistory).toHaveLength(1);
  });

  it('velocity: too many orders from one buyer in the window goes to review', async () => {
    const product = await kami.product(10, { rules: { velocityMaxOrders: 2, velocityWindow: '1h' } });
    // different quantities, so the duplicate-order rule stays out of it
    await paidOrder(product, 1, 'delivered', 'fast@example.com');
    await paidOrder(product, 2, 'delivered', 'fast+2@example.com');
    const third = await paidOrder(product, 3, 'in_review', 'FAST+3@example.com');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: third.orderId } });
    expect(row.reviewReasons).toEqual([expect.objectContaining({ code: 'velocity_orders' })]);
  });

  it('new buyer: a first order above the amount waits, the same buyer\'s next one does not', async () => {
    const product = await kami.product(1, { priceCents: 60_000 });
    const first = await paidOrder(product, 1, 'in_review', 'newcomer@example.com');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: first.orderId } });
    expect(row.reviewReasons).toEqual([expect.objectContaining({ code: 'new_buyer_amount' })]);
    expect((await adminCall(kami, operator, 'POST', `/orders/${first.orderId}/approve`, { body: {} })).status).toBe(200);
    await waitStatus(first.orderId, 'delivered');
    // a returning buyer (another product, so the duplicate rule stays out of it)
    await paidOrder(await kami.product(1, { priceCents: 60_000 }), 1, 'delivered', 'newcomer@example.com');
  });

  it('payment anomaly: a wrong amount is recorded, not refused, and waits for review', async () => {
    const product = await kami.product(2);
    const { body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'underpaid@example.com' });
    const raw = JSON.stringify({ orderId: body.orderId, txnId: `low-${body.orderId}`, amountCents: 100, currency: 'USD', paidAt: new Date().toISOString() });
    const res = await fetch(`${kami.baseUrl}/api/v1/payments/sandbox/notify`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'Kami-Signature': signSandboxNotification(kami.vault.sandboxWebhookSecret, raw) }, body: raw,
    });
    expect(res.status).toBe(200);
    await waitStatus(body.orderId, 'in_review');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: body.orderId } });
    expect(row.reviewReasons).toEqual([expect.objectContaining({ code: 'payment_amount_low' })]);
    expect(await kami.db.cardKey.count({ where: { orderId: body.orderId, status: 'sold' } })).toBe(0);
  });

  it('late payment: money for an expired order reopens it for review, and approval delivers', async () => {
    const local = await startKami({ env: { KAMI_PAYMENT_HOLD: '1s' } });
    try {
      const product = await local.product(1);
      const { body } = await local.checkout({ sku: product.sku, quantity: 1, email: 'late@example.com' });
      await local.temporal.workflow.getHandle(orderWorkflowId(body.orderId)).result();
      expect((await local.pay(body.orderId, body.accessToken)).status).toBe(200);
      await expect.poll(async () => (await local.db.order.findUniqueOrThrow({ where: { id: body.orderId } })).status, { timeout: 20_000 }).toBe('in_review');
      const op = await loginAs(local, 'operator');
      expect((await adminCall(local, op, 'POST', `/orders/${body.orderId}/approve`, { body: {} })).status).toBe(200);
      await expect.poll(async () => (await local.order(body.orderId, body.accessToken)).body.keys, { timeout: 20_000 }).toHaveLength(1);
    } finally {
      await local.stop();
    }
  });
});
