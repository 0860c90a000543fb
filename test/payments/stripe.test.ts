import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivityDeps } from '../../activities/deps.js';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../infra/mailer.js';
import { startStripeFake, type Delivery, type FakeSession, type SendOptions, type StripeFake } from '../fakes/stripe.js';
import { adminCall, loginAs } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

// Stripe Checkout against a real Kami (API, worker, PostgreSQL, Temporal) and a stateful fake Stripe
// on 127.0.0.1: nothing here reaches past loopback. The hold is short (30 s) so that expiry and the
// late-payment path run within the file; the orders that test them are placed first and checked last.

let kami: Kami;
let stripe: StripeFake;
/** Every line Kami logged (API and worker), at debug level, before any redaction. */
const logLines: string[] = [];

beforeAll(async () => {
  stripe = await startStripeFake();
  kami = await startKami({
    env: {
      KAMI_PAY_STRIPE_SECRET_KEY: stripe.secretKey,
      KAMI_PAY_STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      KAMI_PAY_STRIPE_API_BASE: stripe.url,
      KAMI_PAY_STRIPE_TIMEOUT_MS: '1000',
      KAMI_PAYMENT_HOLD: '30s',
      KAMI_PAYMENT_QUERY_SCHEDULE: '2s,3s,5s',
      KAMI_EMAIL_GIVE_UP_AFTER: '10m',
    },
    log: pino({ level: 'debug' }, { write: (line: string) => { logLines.push(line); } }),
  });
  stripe.endpoint = `${kami.baseUrl}/api/v1/payments/stripe/notify`;
});
afterAll(async () => {
  await kami?.stop();
  await stripe?.close();
});

interface Placed { orderId: string; accessToken: string; amountDueCents: number; currency: string; expiresAt: string; payment: any; session: FakeSession; productId: string; secrets: string[] }

async function placeOrder(o: { priceCents?: number; currency?: string; quantity?: number; stock?: number } = {}): Promise<Placed> {
  const product = await kami.product(o.stock ?? 2, { priceCents: o.priceCents ?? 450, currency: o.currency ?? 'USD' });
  const res = await kami.checkout({ sku: product.sku, quantity: o.quantity ?? 1, email: `stripe-${randomUUID().slice(0, 8)}@example.com`, provider: 'stripe' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...res.body, session: stripe.sessionFor(res.body.orderId)!, productId: product.id, secrets: product.secrets };
}

const orderRow = (orderId: string) => kami.db.order.findUniqueOrThrow({ where: { id: orderId } });
const waitStatus = (orderId: string, status: string, timeout = 60_000) =>
  expect.poll(async () => (await orderRow(orderId)).status, { timeout, interval: 250 }).toBe(status);
const paymentsOf = (orderId: string) => kami.db.payment.findMany({
  where: { orderId }, select: { provider: true, txnId: true, amountCents: true, currency: true, gatewayAmountMinor: true, gatewayCurrency: true, verifiedBy: true },
});
const soldKeys = (orderId: string) => kami.db.cardKey.count({ where: { orderId, status: 'sold' } });
const mailsFor = (orderId: string) => kami.mail.messages.filter((m) => m.subject.includes(orderId));
const statuses = (ds: Delivery[]) => ds.map((d) => d.status);
const reasonsOf = async (orderId: string) => ((await orderRow(orderId)).reviewReasons as Array<{ code: string }>).map((r) => r.code);
/** The session's reads fail until `release()`: the webhook is then the only way the payment can arrive. */
const blockQueries = (s: FakeSession) => { stripe.sessionFaults.set(s.id, 503); return () => stripe.sessionFaults.delete(s.id); };

// Placed before everything else, checked by the last tests: by then their 30 s hold is over.
let expiring: Placed;
let late: Placed;
beforeAll(async () => {
  expiring = await placeOrder();
  late = await placeOrder();
  // Stripe cannot be read for this session during its whole hold: the order's last question fails,
  // the session stays open, and the buyer pays after the order expired
  stripe.sessionFaults.set(late.session.id, 503);
});

describe('checkout opens a Stripe Checkout Session', () => {
  it('names the attempt twice, charges the order\'s minor units, outlives a short hold, and sends the buyer to Stripe', async () => {
    const o = await placeOrder({ priceCents: 450 });
    expect(o.payment).toEqual({ provider: 'stripe', status: 'open', url: `${stripe.url}/c/pay/${o.session.id}`, amount: '4.50', currency: 'USD', expiresAt: expect.any(String) });
    // the attempt's expiry is the order's as stored (milliseconds rounded by PostgreSQL; the order's own field is truncated)
    expect(Math.abs(Date.parse(o.payment.expiresAt) - Date.parse(o.expiresAt))).toBeLessThanOrEqual(1);
    const create = stripe.calls.find((c) => c.path === '/v1/checkout/sessions' && (c.form as any).client_reference_id === o.orderId)!;
    expect(create).toMatchObject({ method: 'POST', authorized: true, stripeVersion: '2026-10-28.endive' });
    const refs = { kami_order_no: o.orderId, kami_order_id: o.orderId };
    expect(create.form).toEqual({
      mode: 'payment', client_reference_id: o.orderId,
      metadata: { ...refs, kami_hold_ends: expect.any(String) },
      payment_intent_data: { metadata: refs },
      line_items: { 0: { quantity: '1', price_data: { currency: 'usd', unit_amount: '450', product_data: { name: expect.stringContaining('× 1') } } } },
      success_url: `${kami.baseUrl}/orders/${o.orderId}/return`, cancel_url: `${kami.baseUrl}/orders/${o.orderId}/return`,
      expires_at: expect.any(String),
    });
    expect(Math.abs(Number((create.form as any).metadata.kami_hold_ends) - Date.parse(o.expiresAt) / 1000)).toBeLessThanOrEqual(1);
    // Stripe's floor is 30 minutes; Kami's hold here is 30 s: the session outlives it (its last query closes it)
    expect(o.session.expires_at - o.session.created).toBeGreaterThanOrEqual(30 * 60);
    expect(await kami.db.paymentAttempt.findFirstOrThrow({ where: { orderId: o.orderId } })).toMatchObject({
      provider: 'stripe', gatewayOrderNo: o.orderId, gatewayRef: o.session.id, payUrl: o.session.url, gatewayAmountMinor: 450n, gatewayCurrency: 'USD', status: 'open',
    });
  });

  it('JPY has no decimals at Stripe nor in Kami: ¥500 is unit_amount 500, paid and delivered', async () => {
    const o = await placeOrder({ priceCents: 500, currency: 'JPY' });
    expect(o.payment).toMatchObject({ amount: '500', currency: 'JPY' });
    expect(o.session).toMatchObject({ amount_total: 500, currency: 'jpy' });
    stripe.pay(o.session.id);
    expect(statuses(await stripe.send('checkout.session.completed', o.session.id))).toEqual([200]);
    await waitStatus(o.orderId, 'delivered');
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ amountCents: 500n, currency: 'JPY', gatewayAmountMinor: 500n })]);
  });

  it('refuses a currency whose exponent Stripe and Kami count differently (HUF): no session, the buyer is told why', async () => {
    const o = await placeOrder({ priceCents: 1000, currency: 'HUF' });
    expect(o.payment).toMatchObject({ provider: 'stripe', status: 'failed', error: expect.stringMatching(/Stripe counts HUF with 2 decimals where Kami counts 0/) });
    expect(o.session).toBeUndefined();
  });

  it('a key Stripe refuses fails the attempt with Stripe\'s reason, and the error shows no key', async () => {
    stripe.rejectKeys = true;
    try {
      const o = await placeOrder();
      expect(o.payment).toMatchObject({ status: 'failed', error: expect.stringContaining('Stripe answered 401 (invalid_request_error)') });
      const attempt = await kami.db.paymentAttempt.findFirstOrThrow({ where: { orderId: o.orderId } });
      for (const text of [o.payment.error as string, attempt.lastError!]) {
        expect(text).not.toContain(stripe.secretKey);
        expect(text).not.toMatch(/sk_test_/);
      }
    } finally {
      stripe.rejectKeys = false;
    }
  });
});

describe('a paid session', () => {
  it('the signed checkout.session.completed event: 200, one payment under the PaymentIntent, keys delivered once', async () => {
    const o = await placeOrder({ quantity: 2, stock: 3 });
    const release = blockQueries(o.session);
    stripe.pay(o.session.id);
    const answers = await stripe.send('checkout.session.completed', o.session.id);
    release();
    expect(statuses(answers)).toEqual([200]);
    expect(JSON.parse(answers[0]!.body)).toEqual({ received: true, duplicate: false });

    await waitStatus(o.orderId, 'delivered');
    const pi = stripe.sessions.get(o.session.id)!.payment_intent!;
    expect(pi).toMatch(/^pi_/);
    expect(await paymentsOf(o.orderId)).toEqual([{
      provider: 'stripe', txnId: pi, amountCents: 900n, currency: 'USD', gatewayAmountMinor: 900n, gatewayCurrency: 'USD', verifiedBy: 'signature',
    }]);
    expect(await soldKeys(o.orderId)).toBe(2);
    await kami.mail.waitFor((m) => m.subject.includes(o.orderId));
    // kept as received: Stripe's pretty-printed bytes and its signature header
    const kept = await kami.db.paymentNotification.findFirstOrThrow({ where: { orderId: o.orderId, kind: 'notify' } });
    expect(kept).toMatchObject({ provider: 'stripe', verified: true, outcome: 'paid', txnId: pi });
    expect(kept.body).toContain('\n  "type": "checkout.session.completed"');
    expect((kept.headers as Record<string, string>)['stripe-signature']).toBe(answers[0]!.header);
  });

  it('a lost callback: the order\'s own query reads the paid session (over TLS with the secret key) and delivers', async () => {
    const o = await placeOrder();
    stripe.pay(o.session.id);
    expect(await stripe.send('checkout.session.completed', o.session.id, { drop: true })).toEqual([]);
    await waitStatus(o.orderId, 'delivered');
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ txnId: stripe.sessions.get(o.session.id)!.payment_intent, amountCents: 450n, verifiedBy: 'query' })]);
    expect(stripe.calls.some((c) => c.method === 'GET' && c.path === `/v1/checkout/sessions/${o.session.id}` && c.authorized)).toBe(true);
    expect(await kami.db.paymentNotification.findFirst({ where: { orderId: o.orderId, kind: 'query' } })).toMatchObject({ verified: true, outcome: 'paid' });
    await kami.mail.waitFor((m) => m.subject.includes(o.orderId));
  });

  it('the same event 8 times at once, then 20 times more: one payment, one delivery, one email, every answer 2xx', async () => {
    const o = await placeOrder({ quantity: 2, stock: 2 });
    const release = blockQueries(o.session);
    stripe.pay(o.session.id);
    const racing = await stripe.send('checkout.session.completed', o.session.id, { copies: 8, concurrent: true });
    expect(statuses(racing)).toEqual(Array(8).fill(200));
    expect(racing.filter((d) => JSON.parse(d.body).duplicate === false)).toHaveLength(1);
    const again = await stripe.resend(racing[0]!.eventId, { copies: 20 });
    release();
    expect(statuses(again)).toEqual(Array(20).fill(200));
    expect(again.every((d) => JSON.parse(d.body).duplicate === true)).toBe(true);

    await waitStatus(o.orderId, 'delivered');
    expect(await paymentsOf(o.orderId)).toHaveLength(1);
    expect(await soldKeys(o.orderId)).toBe(2);
    await kami.mail.waitFor((m) => m.subject.includes(o.orderId));
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsFor(o.orderId)).toHaveLength(1);
    expect(await kami.db.orderEvent.count({ where: { orderId: o.orderId, type: 'delivered' } })).toBe(1);
  });

  it('events out of order: async_payment_succeeded before the older completed (unpaid) — paid once, the stale one kept and acknowledged', async () => {
    const o = await placeOrder();
    const release = blockQueries(o.session);
    stripe.pay(o.session.id, { async: true }); // a bank debit: the session completes unpaid
    const older = stripe.send('checkout.session.completed', o.session.id, { delayMs: 1500 }); // snapshot now (unpaid), arrives last
    stripe.settleAsync(o.session.id, true);
    expect(statuses(await stripe.send('checkout.session.async_payment_succeeded', o.session.id))).toEqual([200]);
    expect(statuses(await older)).toEqual([200]);
    release();
    await waitStatus(o.orderId, 'delivered');
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ verifiedBy: 'signature', amountCents: 450n })]);
    expect(await kami.db.paymentNotification.findFirst({ where: { orderId: o.orderId, outcome: 'not_paid' } })).toMatchObject({ verified: true });
  });

  it('an async payment that fails is acknowledged and pays nothing', async () => {
    const o = await placeOrder();
    stripe.pay(o.session.id, { async: true });
    expect(statuses(await stripe.send('checkout.session.completed', o.session.id))).toEqual([200]);
    expect(statuses(await stripe.send('checkout.session.async_payment_failed', o.session.id))).toEqual([200]);
    expect(await kami.db.paymentNotification.count({ where: { orderId: o.orderId, outcome: 'not_paid' } })).toBe(2);
    expect(await paymentsOf(o.orderId)).toEqual([]);
    expect((await orderRow(o.orderId)).status).toBe('awaiting_payment');
  });
});

describe('what Kami refuses (400, kept raw, nothing paid)', () => {
  let o: Placed;
  // a forger claims a payment Stripe never took: the session at Stripe stays unpaid, so the order's
  // own queries keep finding it unpaid and only a forged event could pay it
  const claimPaid = () => ({ session: { status: 'complete', payment_status: 'paid', payment_intent: `pi_forged_${randomUUID().slice(0, 8)}` } as Partial<FakeSession>, retries: [] as number[] });
  beforeAll(async () => { o = await placeOrder(); });

  const refusals: Array<[string, () => SendOptions, string]> = [
    ['an event whose amount was changed after signing', () => ({ ...claimPaid(), alterAfterSigning: (raw: string) => raw.replace('"amount_total": 450', '"amount_total": 45') }), 'invalid_signature'],
    ['an event signed with another endpoint\'s secret', () => ({ ...claimPaid(), secret: 'whsec_notTheEndpointSecret0000' }), 'invalid_signature'],
    ['a garbage Stripe-Signature', () => ({ ...claimPaid(), header: 'nonsense' }), 'invalid_signature'],
    ['no Stripe-Signature at all', () => ({ ...claimPaid(), header: '' }), 'invalid_signature'],
    ['a signature 301 s old (outside the 300 s tolerance)', () => ({ ...claimPaid(), timestamp: Math.floor(Date.now() / 1000) - 301 }), 'stale_signature'],
    ['a test-mode shop receiving a live-mode event', () => ({ ...claimPaid(), livemode: true }), 'wrong_merchant'],
  ];

  it.each(refusals)('refuses %s', async (_what, opts, code) => {
    const before = await kami.db.paymentNotification.count({ where: { outcome: `refused:${code}` } });
    const answers = await stripe.send('checkout.session.completed', o.session.id, opts());
    expect(statuses(answers)).toEqual([400]);
    expect(JSON.parse(answers[0]!.body).error.code).toBe(code);
    expect(await kami.db.paymentNotification.count({ where: { outcome: `refused:${code}`, verified: false } })).toBe(before + 1);
    expect(await paymentsOf(o.orderId)).toEqual([]);
    expect((await orderRow(o.orderId)).status).toBe('awaiting_payment');
  });

  it('accepts a signature 299 s old, and either order of two v1 signatures while the secret is rolled', async () => {
    // not-paying events, so that accepting them changes nothing for the order
    const now = Math.floor(Date.now() / 1000);
    expect(statuses(await stripe.send('checkout.session.async_payment_failed', o.session.id, { timestamp: now - 299, retries: [] }))).toEqual([200]);
    for (const rollOrder of ['old-first', 'new-first'] as const) {
      const answers = await stripe.send('checkout.session.async_payment_failed', o.session.id, { rolledFrom: 'whsec_theOldSecret1111', rollOrder, retries: [] });
      expect(answers[0]!.header.match(/v1=/g)).toHaveLength(2);
      expect(statuses(answers)).toEqual([200]);
    }
    expect(await paymentsOf(o.orderId)).toEqual([]);
  });

  it('a wrong "merchant" (no merchant id in Stripe events): a paid session Kami never opened is acknowledged, kept for a person, and credits nothing', async () => {
    const foreign = (refs: Partial<FakeSession>) => ({
      id: `evt_foreign_${randomUUID().slice(0, 8)}`, object: 'event', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), livemode: false, type: 'checkout.session.completed',
      data: { object: { ...o.session, id: `cs_foreign_${randomUUID().slice(0, 8)}`, status: 'complete', payment_status: 'paid', payment_intent: `pi_foreign_${randomUUID().slice(0, 8)}`, ...refs } },
    });
    // another shop on the same Stripe account (its own order number) …
    const other = foreign({ client_reference_id: 'ord_OTHERSHOP0001', metadata: { kami_order_no: 'ord_OTHERSHOP0001' } });
    // … and another integration that names one of Kami's open orders without Kami's metadata
    const naming = foreign({ client_reference_id: o.orderId, metadata: {} });
    for (const event of [other, naming]) {
      const answers = await stripe.sendEvent(event, { retries: [] });
      expect(statuses(answers)).toEqual([200]);
      const pi = (event.data.object as { payment_intent: string }).payment_intent;
      expect(await kami.db.paymentNotification.findFirst({ where: { txnId: pi } })).toMatchObject({ verified: true, outcome: 'unknown_reference', orderId: null });
      expect(await kami.db.payment.count({ where: { txnId: pi } })).toBe(0);
    }
    expect(await paymentsOf(o.orderId)).toEqual([]);
    expect((await orderRow(o.orderId)).status).toBe('awaiting_payment');
  });

  it('an event type Kami does not act on is acknowledged and kept', async () => {
    const answers = await stripe.sendEvent({
      id: `evt_${randomUUID().slice(0, 8)}`, object: 'event', type: 'payment_intent.succeeded', livemode: false, created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_x', object: 'payment_intent', amount: 450, currency: 'usd' } },
    }, { retries: [] });
    expect(statuses(answers)).toEqual([200]);
    expect(await kami.db.paymentNotification.findFirst({ where: { txnId: answers[0]!.eventId } })).toMatchObject({ verified: true, outcome: 'not_paid', orderId: null });
  });
});

describe('a paid session that does not match its order goes to a person', () => {
  it('a different amount (signed by Stripe) → review; rejecting it refunds through Stripe once, with the refund\'s idempotency key', async () => {
    const o = await placeOrder({ priceCents: 450 });
    stripe.pay(o.session.id, { amount: 300 }); // Stripe took 3.00 for a 4.50 order
    expect(statuses(await stripe.send('checkout.session.completed', o.session.id))).toEqual([200]);
    await waitStatus(o.orderId, 'in_review');
    expect(await reasonsOf(o.orderId)).toContain('payment_amount_low');
    const pi = stripe.sessions.get(o.session.id)!.payment_intent!;
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ txnId: pi, amountCents: 300n, gatewayAmountMinor: 300n })]);
    expect(await soldKeys(o.orderId)).toBe(0);
    expect(mailsFor(o.orderId)).toEqual([]);

    // the first refund call is made at Stripe but its answer is lost: the retry must not refund twice
    stripe.loseNextRefundAnswer = true;
    const operator = await loginAs(kami, 'operator');
    const rejected = await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/reject`, { body: { note: 'paid the wrong amount' } });
    expect(rejected.status, rejected.text).toBe(200);
    await waitStatus(o.orderId, 'rejected');
    await expect.poll(async () => (await kami.db.refund.findFirst({ where: { orderId: o.orderId } }))?.status, { timeout: 60_000 }).toBe('succeeded');
    const refund = await kami.db.refund.findFirstOrThrow({ where: { orderId: o.orderId } });
    const made = stripe.refunds.filter((r) => r.payment_intent === pi);
    expect(made).toEqual([expect.objectContaining({ amount: 300, currency: 'usd', status: 'succeeded', metadata: expect.objectContaining({ kami_refund_id: String(refund.id), kami_order_no: o.orderId }) })]);
    expect(refund).toMatchObject({ amountMinor: 300n, currency: 'USD', gatewayRefundId: made[0]!.id });
    const calls = stripe.calls.filter((c) => c.path === '/v1/refunds' && (c.form as any).payment_intent === pi);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(new Set([`kami-refund-${refund.id}`]));
    expect(stripe.paymentIntents.get(pi)!.amount_refunded).toBe(300);
  });

  it('another currency → review (payment_currency), nothing delivered', async () => {
    const o = await placeOrder({ priceCents: 450 });
    stripe.pay(o.session.id, { currency: 'eur' });
    expect(statuses(await stripe.send('checkout.session.completed', o.session.id))).toEqual([200]);
    await waitStatus(o.orderId, 'in_review');
    expect(await reasonsOf(o.orderId)).toContain('payment_currency');
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ currency: 'EUR', gatewayCurrency: 'EUR', amountCents: 450n })]);
    expect(await soldKeys(o.orderId)).toBe(0);
  });

  it('a swapped order reference (client_reference_id names another order): credits neither from the event; the paid order is found by its own session', async () => {
    const a = await placeOrder();
    const b = await placeOrder();
    const release = blockQueries(a.session);
    stripe.pay(a.session.id);
    const answers = await stripe.send('checkout.session.completed', a.session.id, { session: { client_reference_id: b.orderId } });
    expect(statuses(answers)).toEqual([200]); // acknowledged: Stripe took the money, a person can see it
    const pi = stripe.sessions.get(a.session.id)!.payment_intent!;
    expect(await kami.db.paymentNotification.findFirst({ where: { txnId: pi, kind: 'notify' } })).toMatchObject({ verified: true, outcome: 'unknown_reference' });
    expect(await kami.db.payment.count({ where: { orderId: { in: [a.orderId, b.orderId] } } })).toBe(0);
    release();
    // A's run reads the session Kami stored for A, which names A: A is paid, by the query
    await waitStatus(a.orderId, 'delivered');
    expect(await paymentsOf(a.orderId)).toEqual([expect.objectContaining({ txnId: pi, verifiedBy: 'query' })]);
    expect(await paymentsOf(b.orderId)).toEqual([]);
    expect((await orderRow(b.orderId)).status).toBe('awaiting_payment');
  });

  it('a session Kami never opened, naming another order consistently and at its amount, credits nothing', async () => {
    const a = await placeOrder();
    const b = await placeOrder();
    const release = blockQueries(a.session);
    stripe.pay(a.session.id);
    const meta = stripe.sessions.get(a.session.id)!.metadata;
    const answers = await stripe.send('checkout.session.completed', a.session.id, {
      session: { client_reference_id: b.orderId, metadata: { ...meta, kami_order_no: b.orderId } },
    });
    expect(statuses(answers)).toEqual([200]);
    const pi = stripe.sessions.get(a.session.id)!.payment_intent!;
    expect(await kami.db.paymentNotification.findFirst({ where: { txnId: pi, kind: 'notify' } })).toMatchObject({ verified: true, outcome: 'unknown_reference' });
    expect(await paymentsOf(b.orderId)).toEqual([]);
    release();
    await waitStatus(a.orderId, 'delivered');
    expect((await orderRow(b.orderId)).status).toBe('awaiting_payment');
  });
});

describe('what the query does not take as proof', () => {
  it('a paid session that no longer names its attempt (metadata edited at Stripe) is kept as a hint for a person and credits nothing', async () => {
    const o = await placeOrder();
    stripe.pay(o.session.id);
    stripe.sessions.get(o.session.id)!.metadata.kami_order_no = 'ord_SOMEONEELSE1';
    await stripe.send('checkout.session.completed', o.session.id, { drop: true });
    await expect.poll(() => kami.db.paymentNotification.count({ where: { orderId: o.orderId, kind: 'query', outcome: 'query:paid:hint', verified: false } }), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(1);
    expect(await paymentsOf(o.orderId)).toEqual([]);
    expect((await orderRow(o.orderId)).status).toBe('awaiting_payment');
  });
});

describe('when Stripe does not answer the query', () => {
  it('timeouts and 5xx are asked again until the session answers; then the lost payment is delivered', async () => {
    const o = await placeOrder();
    stripe.sessionFaults.set(o.session.id, ['timeout', 'timeout', 500, 503, 'timeout', 500]);
    stripe.pay(o.session.id);
    await stripe.send('checkout.session.completed', o.session.id, { drop: true });
    await waitStatus(o.orderId, 'delivered', 90_000);
    expect(stripe.calls.filter((c) => c.method === 'GET' && c.path === `/v1/checkout/sessions/${o.session.id}`).length).toBeGreaterThanOrEqual(7);
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ verifiedBy: 'query' })]);
  });
});

describe('the hold ends', () => {
  it('an unpaid order expires and its last query expires the Stripe session, so it can no longer be paid', async () => {
    await waitStatus(expiring.orderId, 'expired', 90_000);
    const s = stripe.sessions.get(expiring.session.id)!;
    expect(s.status).toBe('expired');
    expect(stripe.calls.some((c) => c.method === 'POST' && c.path === `/v1/checkout/sessions/${expiring.session.id}/expire`)).toBe(true);
    expect(() => stripe.pay(expiring.session.id)).toThrow(/cannot be paid/);
    // Stripe's checkout.session.expired event is acknowledged and kept
    await expect.poll(() => kami.db.paymentNotification.count({ where: { orderId: expiring.orderId, outcome: 'not_paid' } })).toBe(1);
    expect(await kami.db.cardKey.count({ where: { productId: expiring.productId, status: 'available' } })).toBe(2);
  });

  it('a payment made after expiry whose callback is lost is found by the reconciliation sweep → review (payment_late)', async () => {
    await waitStatus(late.orderId, 'expired', 90_000);
    // Stripe could not be asked as the hold ended: the session is still open, and the buyer pays it now
    expect(stripe.sessions.get(late.session.id)!.status).toBe('open');
    stripe.sessionFaults.delete(late.session.id);
    stripe.pay(late.session.id);
    await stripe.send('checkout.session.completed', late.session.id, { drop: true });

    const mailer = createMailer(kami.config.smtpUrl, kami.config.MAIL_FROM);
    try {
      const { sweepUnpaidAttempts } = createActivities(createActivityDeps({ config: kami.config, db: kami.db, vault: kami.vault, mailer, log: kami.log, temporal: kami.temporal }));
      const swept = await sweepUnpaidAttempts();
      expect(swept.found).toBeGreaterThanOrEqual(1);
    } finally {
      mailer.close();
    }
    await waitStatus(late.orderId, 'in_review');
    expect(await reasonsOf(late.orderId)).toContain('payment_late');
    expect(await paymentsOf(late.orderId)).toEqual([expect.objectContaining({ txnId: stripe.sessions.get(late.session.id)!.payment_intent, verifiedBy: 'query' })]);
    expect(await soldKeys(late.orderId)).toBe(0);
  });
});

it('nothing delivers without a verified payment, and no secret was ever written (logs, notifications, attempts, refunds, errors)', async () => {
  const delivered = await kami.db.order.findMany({ where: { status: 'delivered', paymentProvider: 'stripe' }, select: { id: true, paymentId: true } });
  expect(delivered.length).toBeGreaterThan(0);
  for (const d of delivered) expect(d.paymentId).not.toBeNull();

  // every event the fake sent was answered 200 (kept) or 400 (refused): never a 5xx, never unanswered
  expect(stripe.deliveries.filter((d) => d.status !== 200 && d.status !== 400)).toEqual([]);
  expect(stripe.deliveries.filter((d) => d.type === 'checkout.session.expired').map((d) => d.status)).toEqual(expect.arrayContaining([200]));
  expect(stripe.deliveries.filter((d) => d.type === 'checkout.session.expired' && d.status !== 200)).toEqual([]);

  const secrets = [stripe.secretKey, stripe.webhookSecret];
  const stored = JSON.stringify([
    await kami.db.paymentNotification.findMany({ where: { provider: 'stripe' } }),
    await kami.db.paymentAttempt.findMany({ where: { provider: 'stripe' } }),
    await kami.db.refund.findMany({ where: { provider: 'stripe' } }),
    await kami.db.payment.findMany({ where: { provider: 'stripe' } }),
  ], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  expect(logLines.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(stored.includes(secret), 'a secret in the database').toBe(false);
    expect(logLines.filter((l) => l.includes(secret)), 'a secret in the logs').toEqual([]);
  }
});
