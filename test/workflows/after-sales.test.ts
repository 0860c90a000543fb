import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let operator: AdminSession;
beforeAll(async () => {
  kami = await startKami();
  operator = await loginAs(kami, 'operator');
});
afterAll(() => kami?.stop());

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;

async function delivered(stock: number, quantity = 1) {
  const product = await kami.product(stock);
  const { body } = await kami.checkout({ sku: product.sku, quantity, email: `after-${Math.random().toString(36).slice(2)}@example.com` });
  await kami.pay(body.orderId, body.accessToken);
  // the first run must be closed before an after-sales run can start
  await kami.temporal.workflow.getHandle(orderWorkflowId(body.orderId)).result();
  const keys = (await kami.order(body.orderId, body.accessToken)).body.keys as string[];
  return { product, orderId: body.orderId as string, token: body.accessToken as string, keys };
}

const report = (orderId: string, token: string, body: unknown) =>
  fetch(`${kami.baseUrl}/api/v1/orders/${orderId}/reports`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

describe('after-sales on the order\'s own workflow', () => {
  it('an invalid-key report is reviewed, and approval replaces the key once even if approved twice', async () => {
    const o = await delivered(3, 2);
    const [bad, good] = o.keys as [string, string];
    const res = await report(o.orderId, o.token, { key: bad, reason: 'already redeemed' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await expect.poll(() => statusOf(o.orderId), { timeout: 15_000 }).toBe('in_review');
    // the buyer still sees both keys while the shop looks
    expect((await kami.order(o.orderId, o.token)).body.keys).toEqual([bad, good]);
    const twice = await report(o.orderId, o.token, { key: bad, reason: 'again' });
    expect(twice.status).toBe(409);

    const approvals = await Promise.all([1, 2].map(() => adminCall(kami, operator, 'POST', `/orders/${o.orderId}/approve`, { body: { note: 'replace it' } })));
    expect(approvals.map((a) => a.status).sort()).toEqual([200, 409]);
    await expect.poll(() => statusOf(o.orderId), { timeout: 15_000 }).toBe('delivered');

    const keys = (await kami.order(o.orderId, o.token)).body.keys as string[];
    expect(keys).toHaveLength(2);
    expect(keys).toContain(good);
    expect(keys).not.toContain(bad);
    const replacement = keys.find((k) => k !== good)!;
    expect(o.product.secrets).toContain(replacement);
    const voided = await kami.db.cardKey.findMany({ where: { orderId: o.orderId, status: 'void' } });
    expect(voided).toHaveLength(1);
    expect(voided[0]!.voidReason).toContain('already redeemed');
    expect(await kami.db.cardKey.count({ where: { productId: o.product.id, status: 'available' } })).toBe(0);
    const mail = await kami.mail.waitFor((m) => m.subject.startsWith('Replacement key') && m.subject.includes(o.orderId));
    expect(mail.text).toContain(replacement);
    expect(mail.text).not.toContain(bad);
    // the replaced key cannot be reported again
    expect((await report(o.orderId, o.token, { key: bad, reason: 'still bad' })).status).toBe(404);
  });

  it('a rejected report leaves the order delivered with its keys', async () => {
    const o = await delivered(2);
    expect((await report(o.orderId, o.token, { key: o.keys[0], reason: 'does not work' })).status).toBe(202);
    await expect.poll(() => statusOf(o.orderId), { timeout: 15_000 }).toBe('in_review');
    expect((await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/reject`, { body: { note: 'works for us' } })).status).toBe(200);
    await expect.poll(() => statusOf(o.orderId), { timeout: 15_000 }).toBe('delivered');
    expect((await kami.order(o.orderId, o.token)).body.keys).toEqual(o.keys);
    expect(await kami.db.cardKey.count({ where: { orderId: o.orderId, status: 'void' } })).toBe(0);
  });

  it('refuses reports it cannot act on', async () => {
    const o = await delivered(1);
    expect((await report(o.orderId, o.token, { key: 'NOT-MY-KEY', reason: 'whatever' })).status).toBe(404);
    expect((await report(o.orderId, o.token, { key: o.keys[0] })).status).toBe(400);
    expect((await report(o.orderId, 'wrong-token', { key: o.keys[0], reason: 'bad' })).status).toBe(403);
    const unpaid = await kami.product(1);
    const pending = await kami.checkout({ sku: unpaid.sku, quantity: 1, email: 'unpaid@example.com' });
    const early = await report(pending.body.orderId, pending.body.accessToken, { key: 'x', reason: 'not yet' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('order_not_delivered');
  });

  it('an operator can resend the delivery email', async () => {
    const o = await delivered(1);
    const before = kami.mail.messages.filter((m) => m.subject.includes(o.orderId)).length;
    const res = await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/resend`, { body: {} });
    expect(res.status, res.text).toBe(202);
    await expect.poll(() => kami.mail.messages.filter((m) => m.subject.includes(o.orderId)).length, { timeout: 15_000 }).toBe(before + 1);
    expect(await kami.db.auditLog.count({ where: { targetId: o.orderId, action: 'order.resend' } })).toBe(1);
  });
});

describe('manual-delivery products', () => {
  it('wait after payment until an operator enters the goods, then deliver them', async () => {
    const product = await kami.product(0);
    await kami.db.product.update({ where: { id: product.id }, data: { deliveryMode: 'manual' } });
    const { status, body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'manual@example.com' });
    expect(status).toBe(201);
    await kami.pay(body.orderId, body.accessToken);
    await expect.poll(() => statusOf(body.orderId), { timeout: 15_000 }).toBe('backorder');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: body.orderId } });
    expect(row.reviewReasons).toEqual([expect.objectContaining({ code: 'manual_delivery' })]);

    const wrong = await adminCall(kami, operator, 'POST', `/orders/${body.orderId}/mark-delivered`, { body: { goods: ['a', 'b'] } });
    expect(wrong.status).toBe(400);
    const ok = await adminCall(kami, operator, 'POST', `/orders/${body.orderId}/mark-delivered`, { body: { goods: ['user: gamer42 / pass: hunter2'] } });
    expect(ok.status, ok.text).toBe(202);
    await expect.poll(() => statusOf(body.orderId), { timeout: 15_000 }).toBe('delivered');
    expect((await kami.order(body.orderId, body.accessToken)).body.keys).toEqual(['user: gamer42 / pass: hunter2']);
    const again = await adminCall(kami, operator, 'POST', `/orders/${body.orderId}/mark-delivered`, { body: { goods: ['x'] } });
    expect(again.status).toBe(409);
  });
});

describe('the review number belongs to the order, across all its runs', () => {
  /** The inbox's view of the order, as the panel loads it before a decision. */
  const inboxRow = async (orderId: string) => (await adminCall(kami, operator, 'GET', `/reviews/${orderId}`)).body as { reviewSeq: number; status: string };

  it('an order that waited on backorder, then got an invalid-key report, is decided from the inbox', async () => {
    const product = await kami.product(0);
    await kami.db.product.update({ where: { id: product.id }, data: { deliveryMode: 'manual' } });
    const { body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'backorder-then-report@example.com' });
    await kami.pay(body.orderId, body.accessToken);
    await expect.poll(() => statusOf(body.orderId), { timeout: 15_000 }).toBe('backorder');
    expect((await inboxRow(body.orderId)).reviewSeq).toBe(1);
    expect((await adminCall(kami, operator, 'POST', `/orders/${body.orderId}/mark-delivered`, { body: { goods: ['GOODS-1'] } })).status).toBe(202);
    await kami.temporal.workflow.getHandle(orderWorkflowId(body.orderId)).result();

    expect((await report(body.orderId, body.accessToken, { key: 'GOODS-1', reason: 'does not log in' })).status).toBe(202);
    await expect.poll(() => statusOf(body.orderId), { timeout: 15_000 }).toBe('in_review');
    const row = await inboxRow(body.orderId);
    expect(row.reviewSeq).toBe(2);
    const decided = await adminCall(kami, operator, 'POST', `/orders/${body.orderId}/reject`, { body: { note: 'works for us', reviewSeq: row.reviewSeq } });
    expect(decided.status, decided.text).toBe(200);
    await expect.poll(() => statusOf(body.orderId), { timeout: 15_000 }).toBe('delivered');
  });

  it('every after-sales decision leaves its own audit row and timeline event', async () => {
    const o = await delivered(3);
    for (const [n, action, note] of [[1, 'reject', 'first look'], [2, 'approve', 'second look']] as const) {
      expect((await report(o.orderId, o.token, { key: o.keys[0], reason: `attempt ${n}` })).status).toBe(202);
      await expect.poll(() => statusOf(o.orderId), { timeout: 15_000 }).toBe('in_review');
      const { reviewSeq } = await inboxRow(o.orderId);
      expect(reviewSeq).toBe(n);
      expect((await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/${action}`, { body: { note, reviewSeq } })).status).toBe(200);
      await kami.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).result();
    }
    const decisions = await kami.db.orderEvent.findMany({ where: { orderId: o.orderId, type: 'decision' }, orderBy: { id: 'asc' } });
    expect(decisions.map((d) => [d.step, (d.data as { action: string }).action, (d.data as { note: string }).note]))
      .toEqual([['1', 'reject', 'first look'], ['2', 'approve', 'second look']]);
    const audits = await kami.db.auditLog.findMany({ where: { targetId: o.orderId, action: { startsWith: 'order.review.' } }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => [a.action, (a.data as { note: string }).note])).toEqual([['order.review.reject', 'first look'], ['order.review.approve', 'second look']]);
  });
});

describe('invalid-key reports', () => {
  it('are capped per order: the fourth is refused with 429 and opens nothing', async () => {
    const o = await delivered(2);
    for (let n = 1; n <= 3; n++) {
      expect((await report(o.orderId, o.token, { key: o.keys[0], reason: `report ${n}` })).status).toBe(202);
      await expect.poll(() => statusOf(o.orderId), { timeout: 15_000 }).toBe('in_review');
      expect((await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/reject`, { body: { note: 'works' } })).status).toBe(200);
      await kami.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).result();
    }
    const fourth = await report(o.orderId, o.token, { key: o.keys[0], reason: 'report 4' });
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('too_many_reports');
    expect(await statusOf(o.orderId)).toBe('delivered');
    expect((await kami.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).describe()).status.name).toBe('COMPLETED');
  });
});
