import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { startFakeAlipay, type FakeAlipay } from '../fakes/alipay.js';
import { startKami, type Kami } from '../helpers/kami.js';

// Kami configured for Alipay 当面付 by KAMI_PAY_ALIPAY_… (keys as the open platform shows them: bare
// base64, the app key PKCS#1), against the fake gateway: checkout opens a precreate, the buyer scans
// and pays, the fake notifies Kami's real webhook or the notification is lost and the order's run
// finds the payment by alipay.trade.query; a rejected order is refunded through alipay.trade.refund.

const APP_ID = '2021000100000002';
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const bare = (k: string) => k.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
let fake: FakeAlipay;
let kami: Kami;
let operator: AdminSession;

beforeAll(async () => {
  fake = await startFakeAlipay({ appId: APP_ID, appPublicKey: app.publicKey });
  kami = await startKami({
    env: {
      KAMI_PAY_ALIPAY_APP_ID: APP_ID,
      KAMI_PAY_ALIPAY_PRIVATE_KEY: bare(String(app.privateKey.export({ type: 'pkcs1', format: 'pem' }))),
      KAMI_PAY_ALIPAY_ALIPAY_PUBLIC_KEY: fake.alipayPublicKeyBase64,
      KAMI_PAY_ALIPAY_GATEWAY: fake.url,
      KAMI_PAY_ALIPAY_MODE: 'precreate',
      // the run asks Alipay every 2 s; long hold and email give-up: these tests are not about timeouts
      KAMI_PAYMENT_QUERY_SCHEDULE: '2s',
      KAMI_PAYMENT_HOLD: '10m',
      KAMI_EMAIL_GIVE_UP_AFTER: '10m',
    },
  });
  operator = await loginAs(kami, 'operator');
});
afterAll(async () => {
  await kami?.stop();
  await fake?.close();
});

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const waitStatus = (orderId: string, status: string, timeout = 30_000) => expect.poll(() => statusOf(orderId), { timeout }).toBe(status);
let n = 0;

async function alipayOrder(stock = 2, over: { currency?: string } = {}) {
  const product = await kami.product(stock, { priceCents: 450, currency: over.currency ?? 'CNY' });
  const res = await kami.checkout({ sku: product.sku, quantity: 1, email: `alipay-${++n}-${Date.now()}@example.com`, provider: 'alipay' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...res.body, product } as { orderId: string; accessToken: string; payment: Record<string, string>; product: typeof product };
}

describe('Alipay 当面付 end to end against the fake gateway', () => {
  it('checkout shows the QR code; the buyer pays; the signed notification is answered "success" and the keys are delivered', async () => {
    const o = await alipayOrder();
    const trade = fake.trade(o.orderId); // the first attempt's out_trade_no is the order id
    expect(o.payment).toMatchObject({ provider: 'alipay', status: 'open', qrCode: trade.qrCode, amount: '4.50', currency: 'CNY' });
    expect(trade).toMatchObject({ status: 'unscanned', totalAmount: '4.50', notifyUrl: `${kami.baseUrl}/api/v1/payments/alipay/notify` });

    const { delivered, trade: paid } = await fake.pay(o.orderId);
    expect(delivered).toMatchObject({ status: 200, body: 'success', acked: true });
    await waitStatus(o.orderId, 'delivered');
    const payment = await kami.db.payment.findFirstOrThrow({ where: { orderId: o.orderId } });
    expect(payment).toMatchObject({ provider: 'alipay', txnId: paid.tradeNo, amountCents: 450n, currency: 'CNY', verifiedBy: 'signature', account: paid.buyerLogonId });
    expect((await kami.order(o.orderId, o.accessToken)).body.keys).toHaveLength(1);

    // Alipay notifies again (its retry, or TRADE_FINISHED months later): "success", nothing changes
    const again = await fake.deliver(fake.notification(o.orderId).body, paid.notifyUrl);
    expect(again).toMatchObject({ status: 200, body: 'success' });
    const finished = await fake.deliver(fake.notification(o.orderId, { fields: { trade_status: 'TRADE_FINISHED' } }).body, paid.notifyUrl);
    expect(finished.body).toBe('success');
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(1);
    const kept = await kami.db.paymentNotification.findMany({ where: { orderId: o.orderId, kind: 'notify' }, orderBy: { id: 'asc' } });
    expect(kept.map((k) => [k.verified, k.txnId])).toEqual([[true, paid.tradeNo], [true, paid.tradeNo], [true, paid.tradeNo]]);
    // kept raw, as the form arrived
    expect(kept[0]!.body).toContain('notify_type=trade_status_sync');
  });

  it('a lost notification: the run asks alipay.trade.query (not scanned yet = not paid), then finds the payment', async () => {
    const o = await alipayOrder();
    const asked = () => fake.requests.filter((r) => r.method === 'alipay.trade.query' && r.params.biz_content?.includes(o.orderId));
    await expect.poll(() => asked().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(asked()[0]!.outcome).toBe('40004 ACQ.TRADE_NOT_EXIST');
    expect(await statusOf(o.orderId)).toBe('awaiting_payment');
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(0);

    const { trade } = await fake.pay(o.orderId, { notify: false });
    await waitStatus(o.orderId, 'delivered');
    expect(await kami.db.payment.findFirstOrThrow({ where: { orderId: o.orderId } })).toMatchObject({ txnId: trade.tradeNo, amountCents: 450n, verifiedBy: 'query' });
    // the notification Alipay retries later is a duplicate, answered "success"
    expect((await fake.deliver(fake.notification(o.orderId).body, trade.notifyUrl)).body).toBe('success');
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(1);
  });

  it('refuses a forged or foreign notification with "fail" (Alipay retries), keeps it, and pays nothing', async () => {
    const o = await alipayOrder();
    const trade = fake.scan(o.orderId);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const paidFields = { trade_status: 'TRADE_SUCCESS', gmt_payment: '2026-11-29 10:00:00' };
    const cases = [
      fake.notification(o.orderId, { fields: paidFields, signAfter: { total_amount: '0.01' } }),
      fake.notification(o.orderId, { fields: paidFields, signWith: other }),
      fake.notification(o.orderId, { fields: paidFields, appId: '2021000199999999' }),
    ];
    const answers = [];
    for (const c of cases) answers.push(await fake.deliver(c.body, trade.notifyUrl));
    expect(answers.map((a) => [a.status, a.body])).toEqual([[400, 'fail'], [400, 'fail'], [400, 'fail']]);
    const kept = await kami.db.paymentNotification.findMany({ where: { provider: 'alipay', kind: 'notify', body: { contains: o.orderId } }, orderBy: { id: 'asc' } });
    expect(kept.map((k) => k.outcome)).toEqual(['refused:invalid_signature', 'refused:invalid_signature', 'refused:wrong_merchant']);
    // a verified scan (WAIT_BUYER_PAY) is acknowledged and pays nothing
    expect((await fake.deliver(fake.notification(o.orderId).body, trade.notifyUrl)).body).toBe('success');
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(0);
    expect(await statusOf(o.orderId)).toBe('awaiting_payment');
  });

  it('Alipay retries what Kami refuses on its schedule (8 notifications in all, compressed here), and stops at "success"', async () => {
    const o = await alipayOrder();
    const trade = fake.scan(o.orderId);
    const forged = fake.notification(o.orderId, { fields: { trade_status: 'TRADE_SUCCESS' }, signAfter: { total_amount: '0.01' } });
    const tries = await fake.deliverUntilAcked(forged.body, trade.notifyUrl!, 1 / 100_000);
    expect(tries.map((t) => t.body)).toEqual(Array(8).fill('fail'));
    const { trade: paid } = await fake.pay(o.orderId, { notify: false });
    const good = await fake.deliverUntilAcked(fake.notification(o.orderId).body, paid.notifyUrl!, 1 / 100_000);
    expect(good.map((t) => t.body)).toEqual(['success']);
    await waitStatus(o.orderId, 'delivered');
    expect(await kami.db.paymentNotification.count({ where: { provider: 'alipay', outcome: 'refused:invalid_signature', body: { contains: o.orderId } } })).toBe(8);
  });

  it('a rejected order is refunded through alipay.trade.refund, out_request_no = the refund id', async () => {
    const o = await alipayOrder(1);
    const held = await kami.db.cardKey.findMany({ where: { orderId: o.orderId } });
    await adminCall(kami, operator, 'POST', '/keys/void', { body: { ids: held.map((k) => k.id), reason: 'bad key' } });
    const { trade } = await fake.pay(o.orderId);
    await waitStatus(o.orderId, 'backorder');
    const res = await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/reject`, { body: { note: 'refund instead' } });
    expect(res.status, res.text).toBe(200);
    await waitStatus(o.orderId, 'refunded');
    // the order says refunded once the debt is recorded; the refund step then pays it back
    await expect.poll(async () => (await kami.db.refund.findFirst({ where: { orderId: o.orderId } }))?.status, { timeout: 20_000 }).toBe('succeeded');
    const refund = await kami.db.refund.findFirstOrThrow({ where: { orderId: o.orderId } });
    expect(refund).toMatchObject({ provider: 'alipay', status: 'succeeded', amountMinor: 450n, currency: 'CNY', gatewayRefundId: `${trade.tradeNo}/${refund.id}` });
    expect([...trade.refunds]).toEqual([[String(refund.id), 450]]);
    expect(trade.status).toBe('TRADE_CLOSED');
    // Alipay's notice of the refund (trade_status_sync, TRADE_CLOSED): acknowledged, nothing more
    expect((await fake.deliver(fake.notification(o.orderId).body, trade.notifyUrl)).body).toBe('success');
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(1);
  });

  it('switching to Alipay on the payment page opens <order id>_2 (an out_trade_no Alipay takes), once', async () => {
    const product = await kami.product(1, { priceCents: 450, currency: 'CNY' });
    const res = await kami.checkout({ sku: product.sku, quantity: 1, email: `switch-${Date.now()}@example.com`, provider: 'sandbox' });
    expect(res.status).toBe(201);
    const { orderId, accessToken } = res.body as { orderId: string; accessToken: string };
    const open = () => fetch(`${kami.baseUrl}/pay/${orderId}/alipay?token=${encodeURIComponent(accessToken)}`, { method: 'POST', redirect: 'manual' });
    expect((await open()).status).toBe(303);
    expect((await open()).status).toBe(303);
    const attempts = await kami.db.paymentAttempt.findMany({ where: { orderId }, orderBy: { seq: 'asc' } });
    expect(attempts.map((a) => [a.provider, a.gatewayOrderNo, a.status])).toEqual([['sandbox', orderId, 'open'], ['alipay', `${orderId}_2`, 'open']]);
    expect(attempts[1]!.qrCode).toBe(fake.trade(`${orderId}_2`).qrCode);
    const page = await (await fetch(`${kami.baseUrl}/pay/${orderId}?token=${encodeURIComponent(accessToken)}`)).text();
    expect(page).toContain('aria-label="payment QR code"');
    expect(page).toContain('4.50 CNY');

    await fake.pay(`${orderId}_2`);
    await waitStatus(orderId, 'delivered');
  });

  it('an order priced in another currency cannot be paid with Alipay: the attempt fails and says why', async () => {
    const o = await alipayOrder(1, { currency: 'USD' });
    expect(o.payment).toMatchObject({ provider: 'alipay', status: 'failed' });
    expect(o.payment.error).toMatch(/CNY only/);
  });

  it('the owner\'s panel lists Alipay as configured by the environment (query and refund, the private key secret), read-only', async () => {
    const owner = await loginAs(kami, 'owner');
    const got = await adminCall(kami, owner, 'GET', '/payment-providers/alipay');
    expect(got.status, got.text).toBe(200);
    expect(got.body).toMatchObject({ id: 'alipay', enabled: true, source: 'environment', canQuery: true, canRefund: true, secretFields: ['privateKey'] });
    expect(got.text).not.toContain(bare(String(app.privateKey.export({ type: 'pkcs1', format: 'pem' }))).slice(0, 40));
    const put = await adminCall(kami, owner, 'PUT', '/payment-providers/alipay', { body: { enabled: false, displayName: 'Alipay' } });
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe('configured_by_environment');
  });
});
