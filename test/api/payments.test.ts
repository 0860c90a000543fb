import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { newOrderId } from '../../infra/ids.js';
import { signSandboxNotification } from '../../infra/payments/sandbox.js';
import { call, expectError, notify, paymentFor, type HttpAnswer } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
// Long hold and email give-up: these tests are not about timeouts, and a loaded machine must not
// expire an order or give up on its email mid-test (a lost activity task is retried after 1m).
const SLOW_SAFE = { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' };
beforeAll(async () => { kami = await startKami({ env: SLOW_SAFE }); });
afterAll(() => kami?.stop());

interface Placed { orderId: string; accessToken: string; amountDueCents: number; currency: string }

async function placeOrder(stock = 3, quantity = 1): Promise<Placed & { secrets: string[]; productId: string }> {
  const product = await kami.product(stock, { priceCents: 450 });
  const res = await kami.checkout({ sku: product.sku, quantity, email: `pay-${randomUUID().slice(0, 8)}@example.com` });
  expect(res.status).toBe(201);
  return { ...res.body, secrets: product.secrets, productId: product.id };
}

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;

/** temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED */
const WORKFLOW_EXECUTION_STARTED = 1;

/** The order took no payment: no payment row, still awaiting payment in the database and the workflow, keys only held. */
async function expectUnpaid(order: Placed, quantity = 1) {
  expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(0);
  expect((await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId } })).status).toBe('awaiting_payment');
  expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'sold' } })).toBe(0);
  expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'reserved' } })).toBe(quantity);
  // the run still sleeps through its payment hold: nothing signalled it, no workflow task ran
  const history = await kami.temporal.workflow.getHandle(orderWorkflowId(order.orderId)).fetchHistory();
  expect(history.events!.map((e) => e.eventType)).toEqual([WORKFLOW_EXECUTION_STARTED]);
  expect((await kami.order(order.orderId, order.accessToken)).body).toMatchObject({ status: 'awaiting_payment', keys: [] });
}

describe('POST /api/v1/payments/sandbox/notify refuses what it cannot trust', () => {
  let order: Placed;
  beforeAll(async () => { order = await placeOrder(); });

  /** A correctly signed notification whose v1 hex is then rewritten: only 64 lowercase hex characters are a signature. */
  const rewritten = (edit: (v1: string) => string) => () => {
    const payload = paymentFor(order);
    const [t, v1] = signSandboxNotification(kami.vault.sandboxWebhookSecret, JSON.stringify(payload)).split(',v1=');
    return notify(kami, payload, { signature: `${t},v1=${edit(v1!)}` });
  };

  const refusals: Array<[string, () => Promise<HttpAnswer>, number, string]> = [
    ['a signature made with another secret', () => notify(kami, paymentFor(order), { secret: 'f'.repeat(64) }), 401, 'invalid_signature'],
    ['a body changed after signing', () => notify(kami, { ...paymentFor(order), amountCents: 1 }, { signedBody: JSON.stringify(paymentFor(order)) }), 401, 'invalid_signature'],
    ['a garbage signature header', () => notify(kami, paymentFor(order), { signature: 'nonsense' }), 401, 'invalid_signature'],
    ['a signature ten minutes old', () => notify(kami, paymentFor(order), { now: Date.now() - 10 * 60_000 }), 401, 'stale_signature'],
    ['a signature ten minutes in the future', () => notify(kami, paymentFor(order), { now: Date.now() + 10 * 60_000 }), 401, 'stale_signature'],
    ['the right signature in uppercase hex', rewritten((v1) => v1.toUpperCase()), 401, 'invalid_signature'],
    ['the right signature with an odd extra hex digit', rewritten((v1) => `${v1}0`), 401, 'invalid_signature'],
    ['the right signature followed by non-hex characters', rewritten((v1) => `${v1}zz`), 401, 'invalid_signature'],
    ['the right signature cut to 63 hex digits', rewritten((v1) => v1.slice(0, 63)), 401, 'invalid_signature'],
    ['the right signature followed by "=" and more', rewritten((v1) => `${v1}=00`), 401, 'invalid_signature'],
    ['no signature header', () => notify(kami, paymentFor(order), { unsigned: true }), 401, 'invalid_signature'],
    ['an unknown provider', () => notify(kami, paymentFor(order), { provider: 'paypal' }), 404, 'unknown_provider'],
    ['an unknown field', () => notify(kami, { ...paymentFor(order), tip: 100 }), 400, 'invalid_request'],
  ];

  it.each(refusals)('refuses %s and changes nothing', async (what, send, status, code) => {
    expectError(await send(), status, code, what);
    await expectUnpaid(order);
  });

  it('acknowledges a verified payment for a reference it never issued (so the gateway stops), keeps it for a person, and pays nothing', async () => {
    const stranger = newOrderId();
    const res = await notify(kami, { ...paymentFor(order), orderId: stranger, txnId: `txn_${stranger}` });
    expect(res.status).toBe(200);
    expect(await kami.db.payment.count({ where: { txnId: `txn_${stranger}` } })).toBe(0);
    expect(await kami.db.paymentNotification.findFirst({ where: { txnId: `txn_${stranger}` } })).toMatchObject({ verified: true, outcome: 'unknown_reference', orderId: null });
    await expectUnpaid(order);
  });

  it('keeps every refused notification raw, without credentials', async () => {
    const before = await kami.db.paymentNotification.count({ where: { verified: false } });
    await notify(kami, paymentFor(order), { secret: 'not-the-secret', headers: { authorization: 'Basic c2VjcmV0' } });
    const kept = await kami.db.paymentNotification.findFirstOrThrow({ where: { verified: false }, orderBy: { id: 'desc' } });
    expect(await kami.db.paymentNotification.count({ where: { verified: false } })).toBe(before + 1);
    expect(kept).toMatchObject({ provider: 'sandbox', kind: 'notify', outcome: 'refused:invalid_signature', method: 'POST' });
    expect(kept.body).toContain(order.orderId);
    expect(Object.keys(kept.headers as object)).not.toContain('authorization');
  });

  it('still accepts a valid notification afterwards and delivers', { timeout: 120_000 }, async () => {
    const res = await notify(kami, paymentFor(order));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, duplicate: false });
    await expect.poll(async () => (await kami.order(order.orderId, order.accessToken)).body.status, { timeout: 90_000 }).toBe('delivered');
    expect(await kami.db.payment.findMany({ where: { orderId: order.orderId }, select: { provider: true, txnId: true, amountCents: true, currency: true } }))
      .toEqual([{ provider: 'sandbox', txnId: `txn_${order.orderId}`, amountCents: BigInt(order.amountDueCents), currency: order.currency }]);
    expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'sold' } })).toBe(1);
    await kami.mail.waitFor((m) => m.subject.includes(order.orderId));
  });
});

// A verified payment that does not match the order is money that moved: Kami records it and puts
// the order in front of a person (api/payments/routes.ts), rather than refusing the gateway.
describe('POST /api/v1/payments/sandbox/notify with a payment that does not match the order', () => {
  const mismatches: Array<[string, (o: Placed) => Record<string, unknown>, string]> = [
    ['too little', (o) => ({ amountCents: o.amountDueCents - 1 }), 'payment_amount_low'],
    ['too much', (o) => ({ amountCents: o.amountDueCents + 100 }), 'payment_amount_high'],
    ['another currency', () => ({ currency: 'EUR' }), 'payment_currency'],
  ];

  it.each(mismatches)('records %s, delivers nothing and sends the order to review', { timeout: 120_000 }, async (_what, change, reason) => {
    const order = await placeOrder();
    const payload = { ...paymentFor(order), ...change(order) };
    const res = await notify(kami, payload);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, duplicate: false });

    await expect.poll(() => statusOf(order.orderId), { timeout: 90_000 }).toBe('in_review');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId } });
    expect((row.reviewReasons as Array<{ code: string }>).map((r) => r.code)).toContain(reason);
    expect(await kami.db.payment.findMany({ where: { orderId: order.orderId }, select: { txnId: true, amountCents: true, currency: true } }))
      .toEqual([{ txnId: payload.txnId, amountCents: BigInt(payload.amountCents), currency: payload.currency }]);
    expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'sold' } })).toBe(0);
    expect((await kami.order(order.orderId, order.accessToken)).body).toMatchObject({ status: 'in_review', keys: [] });
    expect(kami.mail.messages.filter((m) => m.subject.includes(order.orderId))).toEqual([]);
  });
});

describe('the buyer pages', () => {
  it('shows a Pay button, redirects 303 to the order page after paying, and shows the keys once delivered', { timeout: 120_000 }, async () => {
    const order = await placeOrder(4, 2);
    const token = encodeURIComponent(order.accessToken);

    const payPage = await call(kami, 'GET', `/sandbox/pay/${order.orderId}?token=${token}`, { headers: { accept: 'text/html' } });
    expect(payPage.status).toBe(200);
    expect(payPage.headers.get('content-type')).toContain('text/html');
    expect(payPage.text).toContain(`<form method="post" action="/sandbox/pay/${order.orderId}?token=${token}">`);
    expect(payPage.text).toMatch(/<button type="submit">Pay 9\.00 USD<\/button>/);

    expectError(await call(kami, 'GET', `/sandbox/pay/${order.orderId}?token=wrong`), 403, 'invalid_token');
    expectError(await call(kami, 'POST', `/sandbox/pay/${order.orderId}?token=wrong`, { headers: { accept: 'text/html' }, redirect: 'manual' }), 403, 'invalid_token');
    await expectUnpaid(order, 2);

    const paid = await fetch(`${kami.baseUrl}/sandbox/pay/${order.orderId}?token=${token}`, {
      method: 'POST', redirect: 'manual',
      headers: { accept: 'text/html,application/xhtml+xml', 'content-type': 'application/x-www-form-urlencoded' }, body: '',
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`/orders/${order.orderId}?token=${token}`);

    const orderPage = () => call(kami, 'GET', `/orders/${order.orderId}?token=${token}`, { headers: { accept: 'text/html' } });
    await expect.poll(async () => (await orderPage()).text, { timeout: 90_000 }).toContain('data-status="delivered"');
    const html = (await orderPage()).text;
    const keys = [...html.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]);
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(order.secrets).toContain(k);
    expect(html).toContain('Your keys');
    expect(html).not.toContain('Go to payment');

    // the payment page no longer offers to pay
    const after = await call(kami, 'GET', `/sandbox/pay/${order.orderId}?token=${token}`);
    expect(after.text).not.toContain('<button');
    expect(after.text).toContain('delivered');
  });

  it('does not show keys on the order page before payment', async () => {
    const order = await placeOrder(2, 1);
    const res = await call(kami, 'GET', `/orders/${order.orderId}?token=${encodeURIComponent(order.accessToken)}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-status="awaiting_payment"');
    expect(res.text).toContain('Go to payment');
    for (const s of order.secrets) expect(res.text).not.toContain(s);
    expectError(await call(kami, 'GET', `/orders/${order.orderId}`), 400, 'invalid_request');
  });
});
