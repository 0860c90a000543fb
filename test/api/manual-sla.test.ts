import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { expectError } from '../helpers/http.js';
import { MERCHANT_EMAIL, startKami, type Kami } from '../helpers/kami.js';
import { captureHistory } from '../../scripts/capture-history.js';

// Manual-delivery SLA (issue 12): a manual product's order still waiting for its goods past the
// product's SLA is flagged in the inbox (its deadline) and the merchant is told once through the
// notices stream (here the merchant's email), end to end with the real worker and events relay.

let kami: Kami;
let operator: AdminSession;
beforeAll(async () => {
  // the events relay reads a shared outbox: a database of its own
  kami = await startKami({ events: true, freshDatabase: 'manual-sla', env: { KAMI_PAYMENT_HOLD: '10m' } });
  operator = await loginAs(kami, 'operator');
});
afterAll(() => kami?.stop());

const tag = () => randomUUID().slice(0, 8);

async function manualProduct(manualSla: string | null) {
  const res = await adminCall(kami, operator, 'POST', '/products', { body: { sku: `SLA-${tag()}`, name: `By hand ${tag()}`, priceCents: 800, currency: 'USD', deliveryMode: 'manual', manualSla } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; sku: string; manualSla: string | null };
}

async function paidOrder(sku: string) {
  const placed = await kami.checkout({ sku, quantity: 1, email: `sla-${tag()}@example.com` });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  expect((await kami.pay(placed.body.orderId, placed.body.accessToken)).status).toBe(200);
  return placed.body.orderId as string;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a manual product with a delivery SLA', () => {
  it('takes a duration, or none', async () => {
    expectError(await adminCall(kami, operator, 'POST', '/products', { body: { sku: `SLA-${tag()}`, name: 'x', priceCents: 800, currency: 'USD', deliveryMode: 'manual', manualSla: '30 minutes' } }), 400, 'invalid_request');
    const p = await manualProduct('30m');
    expect(p.manualSla).toBe('30m');
    expect((await adminCall(kami, operator, 'PUT', `/products/${p.id}`, { body: { manualSla: '' } })).body.manualSla).toBeNull();
  });

  it('an order still waiting for its goods past it is flagged in the inbox and the merchant is told, once; then the goods are entered', async () => {
    const p = await manualProduct('2s');
    const orderId = await paidOrder(p.sku);
    const waiting = await until(() => kami.db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === 'backorder');
    expect(waiting.reviewDeadline).not.toBeNull();
    expect(waiting.reviewDeadline!.getTime() - waiting.reviewSince!.getTime()).toBe(2000);
    // nothing yet: the SLA has not passed
    expect(await kami.db.orderEvent.count({ where: { orderId, type: 'review_reminder' } })).toBe(0);
    const escalated = await until(() => kami.db.orderEvent.findMany({ where: { orderId, type: 'review_reminder' } }), (e) => e.length > 0);
    expect(escalated).toEqual([expect.objectContaining({ step: `${waiting.reviewSeq}:sla`, data: expect.objectContaining({ sla: '2s' }) })]);
    const mail = await kami.mail.waitFor((m) => m.to.includes(MERCHANT_EMAIL) && m.subject.includes(orderId), 20_000);
    expect(mail.subject).toContain('still waiting');
    const inbox = await adminCall(kami, operator, 'GET', `/reviews/${orderId}`);
    expect(inbox.body).toMatchObject({ status: 'backorder', reviewDeadline: expect.any(String) });
    expect(Date.parse(inbox.body.reviewDeadline)).toBeLessThan(Date.now());
    // once: no second escalation while it keeps waiting
    await new Promise((r) => setTimeout(r, 3000));
    expect(await kami.db.orderEvent.count({ where: { orderId, type: 'review_reminder' } })).toBe(1);
    const entered = await adminCall(kami, operator, 'POST', `/orders/${orderId}/mark-delivered`, { body: { goods: [`GOODS-${tag()}`] } });
    expect(entered.status, entered.text).toBe(202);
    await until(() => kami.db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === 'delivered');
    // with KAMI_CAPTURE_HISTORIES=1: the replay fixture of the escalation
    if (process.env.KAMI_CAPTURE_HISTORIES) {
      await kami.temporal.workflow.getHandle(`order:${orderId}`).result();
      await captureHistory(kami.temporal, `order:${orderId}`, 'v6-manual-sla-escalated');
    }
  }, 60_000);

  it('without an SLA the order waits without a deadline and nobody is told', async () => {
    const p = await manualProduct(null);
    const orderId = await paidOrder(p.sku);
    const waiting = await until(() => kami.db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === 'backorder');
    expect(waiting.reviewDeadline).toBeNull();
    await new Promise((r) => setTimeout(r, 3000));
    expect(await kami.db.orderEvent.count({ where: { orderId, type: 'review_reminder' } })).toBe(0);
  });
});
