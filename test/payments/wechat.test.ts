import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivityDeps } from '../../activities/deps.js';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../infra/mailer.js';
import { adminCall, loginAs } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { startWechatFake, type Delivery, type WechatFake } from '../fakes/wechat.js';

// One Kami against one fake WeChat Pay, both on 127.0.0.1. Stock of 20 or more holds an order for
// KAMI_PAYMENT_HOLD (3 min: these orders never expire mid-test); stock under KAMI_SCARCE_STOCK (10)
// holds it for KAMI_PAYMENT_HOLD_SCARCE (8 s), for the test about a payment Kami learns of after expiry.
// The run asks WeChat every second while an attempt is open; Kami gives WeChat 1 s to answer.

let kami: Kami;
let fake: WechatFake;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  fake = await startWechatFake({ timeScale: 0.01 });
  const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); done(); } });
  kami = await startKami({
    log: pino({ level: 'info' }, sink),
    env: {
      ...fake.env({ KAMI_PAY_WECHAT_TIMEOUT_MS: '1000' }),
      KAMI_PAYMENT_QUERY_SCHEDULE: '1s',
      KAMI_PAYMENT_HOLD: '3m',
      KAMI_PAYMENT_HOLD_SCARCE: '8s',
      KAMI_EMAIL_GIVE_UP_AFTER: '10m',
    },
  });
});
afterAll(async () => {
  await kami?.stop();
  await fake?.close();
});

interface Placed { orderId: string; accessToken: string; outTradeNo: string; secrets: string[]; productId: string; payment: any }

async function placeOrder(o: { stock?: number; quantity?: number; priceCents?: number } = {}): Promise<Placed> {
  const product = await kami.product(o.stock ?? 20, { priceCents: o.priceCents ?? 1234, currency: 'CNY' });
  const res = await kami.checkout({ sku: product.sku, quantity: o.quantity ?? 1, email: `wx-${randomUUID().slice(0, 8)}@example.com`, provider: 'wechat' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.payment, JSON.stringify(res.body.payment)).toMatchObject({ provider: 'wechat', status: 'open', currency: 'CNY' });
  // the order's first attempt is the order id itself at WeChat (ord_ + 22 = 26 characters)
  return { ...res.body, outTradeNo: res.body.orderId, secrets: product.secrets, productId: product.id };
}

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const waitStatus = (orderId: string, status: string, timeout = 60_000) => expect.poll(() => statusOf(orderId), { timeout, interval: 200 }).toBe(status);
const paymentsOf = (orderId: string) => kami.db.payment.findMany({ where: { orderId }, select: { provider: true, txnId: true, amountCents: true, currency: true, verifiedBy: true } });
const soldOf = (orderId: string) => kami.db.cardKey.count({ where: { orderId, status: 'sold' } });
const mailsOf = (orderId: string) => kami.mail.messages.filter((m) => m.subject.includes(orderId));
const reasonsOf = async (orderId: string) => ((await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).reviewReasons as Array<{ code: string }> ?? []).map((r) => r.code);

/** Nothing was paid, sold or mailed: the order still waits for its payment. */
async function expectUnpaid(o: Placed) {
  expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(0);
  expect(await statusOf(o.orderId)).toBe('awaiting_payment');
  expect(await soldOf(o.orderId)).toBe(0);
  expect((await kami.order(o.orderId, o.accessToken)).body).toMatchObject({ status: 'awaiting_payment', keys: [] });
  expect(mailsOf(o.orderId)).toEqual([]);
}

/** WeChat's failure answer: 4xx with {"code":"FAIL","message":…}. */
function expectFail(d: Delivery, status: number, message: RegExp) {
  expect({ status: d.status, delivered: d.delivered }, d.answer).toEqual({ status, delivered: false });
  expect(d.contentType).toContain('application/json');
  const body = JSON.parse(d.answer);
  expect(body).toEqual({ code: 'FAIL', message: expect.stringMatching(message) });
}

it('talks only to 127.0.0.1', () => {
  expect(kami.config.gatewayEnv.wechat!.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(kami.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

describe('paying with WeChat Pay Native', () => {
  it('checkout opens a Native order (signed request, code_url as the QR code), the buyer pays, the notification delivers the keys once', async () => {
    const o = await placeOrder({ quantity: 2 });
    expect(o.payment).toMatchObject({ amount: '24.68', currency: 'CNY', qrCode: expect.stringMatching(/^weixin:\/\/wxpay\/bizpayurl\?pr=\w+$/) });
    const at = fake.order(o.outTradeNo);
    expect(at).toMatchObject({
      amount: { total: 2468, currency: 'CNY' }, notify_url: `${kami.baseUrl}/api/v1/payments/wechat/notify`, code_url: o.payment.qrCode,
      time_expire: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
    });
    expect(Math.abs(Date.parse(at.time_expire!) - Date.parse(o.payment.expiresAt))).toBeLessThan(1000);
    expect(o.outTradeNo).toMatch(/^ord_[0-9A-Z]{22}$/);

    // the buyer's payment page shows the QR code and the amount
    const page = await call(kami, 'GET', `/pay/${o.orderId}?token=${encodeURIComponent(o.accessToken)}`);
    expect(page.text).toContain('data-provider="wechat"');
    expect(page.text).toContain('<svg');
    expect(page.text).toContain('24.68 CNY');

    const txn = fake.pay(o.outTradeNo);
    await waitStatus(o.orderId, 'delivered');
    const keys = (await kami.order(o.orderId, o.accessToken)).body.keys as string[];
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(o.secrets).toContain(k);
    await kami.mail.waitFor((m) => m.subject.includes(o.orderId));
    expect(mailsOf(o.orderId)).toHaveLength(1);
    expect(await paymentsOf(o.orderId)).toEqual([{ provider: 'wechat', txnId: txn, amountCents: 2468n, currency: 'CNY', verifiedBy: 'signature' }]);
    expect(await kami.db.paymentAttempt.findFirst({ where: { orderId: o.orderId } })).toMatchObject({ status: 'paid', gatewayOrderNo: o.outTradeNo, qrCode: o.payment.qrCode });

    // WeChat got 204 with no body, at the first send: no retry
    const sent = fake.deliveriesOf(o.outTradeNo);
    expect(sent.map((d) => [d.status, d.answer, d.delivered])).toEqual([[204, '', true]]);
    const kept = await kami.db.paymentNotification.findFirstOrThrow({ where: { orderId: o.orderId, kind: 'notify' } });
    expect(kept).toMatchObject({ provider: 'wechat', verified: true, outcome: 'paid', txnId: txn });
    expect(kept.headers).toMatchObject({ 'wechatpay-serial': fake.publicKeyId });

    // every request Kami made carried a valid WECHATPAY2-SHA256-RSA2048 signature
    expect(fake.requests.filter((r) => !r.authOk)).toEqual([]);
  });

  it('verifies a notification signed with a platform certificate too (Wechatpay-Serial = the certificate serial)', async () => {
    const o = await placeOrder();
    fake.knobs.signWith = 'certificate';
    try {
      fake.pay(o.outTradeNo);
      await expect.poll(() => fake.deliveriesOf(o.outTradeNo).map((d) => d.status), { timeout: 10_000 }).toEqual([204]);
    } finally {
      fake.knobs.signWith = 'publicKey';
    }
    await waitStatus(o.orderId, 'delivered');
    const kept = await kami.db.paymentNotification.findFirstOrThrow({ where: { orderId: o.orderId, kind: 'notify' } });
    expect(kept.headers).toMatchObject({ 'wechatpay-serial': fake.platformSerial });
  });

  it('a callback lost on the way is found by the run\'s own query (signed answer)', async () => {
    const o = await placeOrder();
    const txn = fake.pay(o.outTradeNo, { notify: 'drop' });
    await waitStatus(o.orderId, 'delivered');
    expect(await paymentsOf(o.orderId)).toEqual([{ provider: 'wechat', txnId: txn, amountCents: 1234n, currency: 'CNY', verifiedBy: 'query' }]);
    expect(fake.deliveriesOf(o.outTradeNo)).toEqual([]);
    expect(await soldOf(o.orderId)).toBe(1);
    await kami.mail.waitFor((m) => m.subject.includes(o.orderId));
  });

  it('a callback lost twice arrives on WeChat\'s retry schedule; one payment', async () => {
    const o = await placeOrder();
    fake.pay(o.outTradeNo, { lose: 2 });
    await waitStatus(o.orderId, 'delivered');
    await expect.poll(() => fake.deliveriesOf(o.outTradeNo).map((d) => d.status), { timeout: 10_000 }).toEqual([null, null, 204]);
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(1);
  });

  it('a payment made after the order expired, whose callback is lost, is found by the sweep and goes to review (payment_late)', async () => {
    const o = await placeOrder({ stock: 3 });
    await waitStatus(o.orderId, 'expired', 60_000);
    expect(await kami.db.cardKey.count({ where: { productId: o.productId, status: 'available' } })).toBe(3);
    const txn = fake.pay(o.outTradeNo, { late: true, notify: 'drop' });

    const mailer = createMailer(kami.config.smtpUrl, kami.config.MAIL_FROM);
    try {
      const { sweepUnpaidAttempts } = createActivities(createActivityDeps({ config: kami.config, db: kami.db, vault: kami.vault, mailer, log: kami.log, temporal: kami.temporal }));
      const swept = await sweepUnpaidAttempts();
      expect(swept.found).toBeGreaterThanOrEqual(1);
    } finally {
      mailer.close();
    }
    await waitStatus(o.orderId, 'in_review');
    expect(await reasonsOf(o.orderId)).toContain('payment_late');
    expect(await paymentsOf(o.orderId)).toEqual([{ provider: 'wechat', txnId: txn, amountCents: 1234n, currency: 'CNY', verifiedBy: 'query' }]);
    expect(await soldOf(o.orderId)).toBe(0);
    expect(mailsOf(o.orderId)).toEqual([]);
  });
});

describe('the same notification, again and again', () => {
  it('8 at once and then 20 in a row: every answer a success, one payment, one delivery, one email', async () => {
    const o = await placeOrder({ quantity: 3 });
    // WeChat's own send is lost: the 8 concurrent copies are the first Kami sees
    fake.pay(o.outTradeNo, { notify: 'drop' });
    const burst = await fake.replay(o.outTradeNo, 8, { concurrent: true });
    const row = await fake.replay(o.outTradeNo, 20);
    for (const d of [...burst, ...row]) expect([d.status, d.answer], d.answer).toEqual([204, '']);

    await waitStatus(o.orderId, 'delivered');
    const again = await fake.replay(o.outTradeNo, 1);
    expect(again[0]!.status).toBe(204);
    expect(await kami.db.payment.count({ where: { orderId: o.orderId } })).toBe(1);
    expect(await soldOf(o.orderId)).toBe(3);
    await kami.mail.waitFor((m) => m.subject.includes(o.orderId));
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsOf(o.orderId)).toHaveLength(1);
    // every notification that reached Kami is kept raw, each exactly once
    const kept = await kami.db.paymentNotification.findMany({ where: { orderId: o.orderId, kind: 'notify' }, select: { verified: true, outcome: true } });
    expect(fake.deliveriesOf(o.outTradeNo).filter((d) => d.status !== null)).toHaveLength(29);
    expect(kept).toHaveLength(29);
    expect(kept.every((k) => k.verified && k.outcome === 'paid'), JSON.stringify(kept)).toBe(true);
  });
});

describe('notifications Kami must not trust', () => {
  let o: Placed;
  beforeAll(async () => { o = await placeOrder(); });

  it('refuses a forged signature (wrong key, unknown serial, a body changed after signing, no signature) with 401 FAIL and pays nothing', async () => {
    expectFail(await fake.forge(o.outTradeNo, { signWith: 'wrongKey' }), 401, /signature does not match/);
    expectFail(await fake.forge(o.outTradeNo, { signWith: 'unknownSerial' }), 401, /Wechatpay-Serial PUB_KEY_ID_0000000000UNKNOWN/);
    expectFail(await fake.forge(o.outTradeNo, { tamper: (b) => b.replace('"summary":"支付成功"', '"summary":"paid"') }), 401, /signature does not match/);
    // a resource swapped for another (valid) one after signing: the signature covers the whole raw body
    const genuine = await fake.forge(o.outTradeNo, { signWith: 'wrongKey' });
    const other = JSON.parse(genuine.body).resource;
    expectFail(await fake.forge(o.outTradeNo, { tamper: (b) => JSON.stringify({ ...JSON.parse(b), resource: other }) }), 401, /signature does not match/);
    const unsigned = await fetch(`${kami.baseUrl}/api/v1/payments/wechat/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: genuine.body });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ code: 'FAIL', message: expect.stringMatching(/missing Wechatpay-Timestamp/) });

    const kept = await kami.db.paymentNotification.findMany({ where: { provider: 'wechat', verified: false, outcome: 'refused:invalid_signature' } });
    expect(kept.length).toBeGreaterThanOrEqual(6);
    await expectUnpaid(o);
  });

  it('refuses a verified notification for another merchant or app (wrong_merchant, 400 FAIL)', async () => {
    expectFail(await fake.forge(o.outTradeNo, { mchid: '1900000109' }), 400, /another merchant \(mchid\)/);
    expectFail(await fake.forge(o.outTradeNo, { appid: 'wxd678efh567hg6787' }), 400, /another app \(appid\)/);
    expect(await kami.db.paymentNotification.count({ where: { provider: 'wechat', outcome: 'refused:wrong_merchant' } })).toBe(2);
    await expectUnpaid(o);
  });

  it('refuses a resource that does not decrypt with the APIv3 key', async () => {
    expectFail(await fake.forge(o.outTradeNo, { apiV3Key: 'K'.repeat(32) }), 400, /does not decrypt with the configured APIv3 key/);
    await expectUnpaid(o);
  });

  it('swapped order references: a paid transaction presented for another order is refused; an order number Kami never issued is acknowledged and pays nothing', async () => {
    const paid = await placeOrder();
    const txn = fake.pay(paid.outTradeNo);
    await waitStatus(paid.orderId, 'delivered');

    // WeChat-signed, naming this order but the transaction that paid another one
    expectFail(await fake.forge(o.outTradeNo, { transaction_id: txn }), 409, /already recorded for another order/);
    // WeChat-signed, for an out_trade_no that is no attempt of Kami's: kept for a person, acknowledged so WeChat stops
    const stranger = `ord_${'Z'.repeat(22)}`;
    const strangerTxn = `4200${Date.now()}`;
    const d = await fake.forge(o.outTradeNo, { out_trade_no: stranger, transaction_id: strangerTxn });
    expect([d.status, d.answer]).toEqual([204, '']);
    expect(await kami.db.paymentNotification.findFirst({ where: { provider: 'wechat', outcome: 'unknown_reference' } })).toMatchObject({ verified: true, orderId: null });
    expect(await kami.db.payment.count({ where: { txnId: strangerTxn } })).toBe(0);
    await expectUnpaid(o);
    expect(await paymentsOf(paid.orderId)).toHaveLength(1);
  });
});

describe('payments that do not match the order: recorded, never delivered, a person decides', () => {
  it('WeChat reports another amount (1 fen): verified, acknowledged, in review with payment_amount_low', async () => {
    const o = await placeOrder();
    const txn = fake.pay(o.outTradeNo, { amount: 1 });
    await waitStatus(o.orderId, 'in_review');
    expect(await reasonsOf(o.orderId)).toContain('payment_amount_low');
    expect(fake.deliveriesOf(o.outTradeNo).map((d) => d.status)).toEqual([204]);
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ txnId: txn, amountCents: 1n, currency: 'CNY' })]);
    expect(await soldOf(o.orderId)).toBe(0);
    expect((await kami.order(o.orderId, o.accessToken)).body).toMatchObject({ status: 'in_review', keys: [] });
    expect(mailsOf(o.orderId)).toEqual([]);
  });

  it('WeChat reports another currency: in review with payment_currency', async () => {
    const o = await placeOrder();
    fake.pay(o.outTradeNo, { currency: 'USD' });
    await waitStatus(o.orderId, 'in_review');
    expect(await reasonsOf(o.orderId)).toContain('payment_currency');
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ amountCents: 1234n, currency: 'USD' })]);
    expect(await soldOf(o.orderId)).toBe(0);
  });

  it('an order priced in another currency than CNY cannot open a WeChat payment', async () => {
    const product = await kami.product(20, { priceCents: 500, currency: 'USD' });
    const res = await kami.checkout({ sku: product.sku, quantity: 1, email: `wx-usd-${randomUUID().slice(0, 8)}@example.com`, provider: 'wechat' });
    expect(res.status).toBe(201);
    expect(res.body.payment).toMatchObject({ provider: 'wechat', status: 'failed', error: expect.stringMatching(/CNY only/) });
  });
});

describe('clock skew', () => {
  it('a notification signed more than 300 s off our clock is refused, said plainly in the log and on /readyz, and accepted once the clocks agree', async () => {
    const o = await placeOrder();
    expect((await call(kami, 'GET', '/readyz')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok', 'payment:wechat': 'ok' } });

    fake.knobs.skewSeconds = 400; // WeChat's clock 400 s ahead of ours
    try {
      fake.pay(o.outTradeNo);
      await expect.poll(() => fake.deliveriesOf(o.outTradeNo).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      expectFail(fake.deliveriesOf(o.outTradeNo)[0]!, 401, /our clock is \d+ s behind WeChat's .* check the server's time/);

      const ready = await call(kami, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'degraded', checks: { postgres: 'ok', temporal: 'ok' } });
      expect(ready.body.checks['payment:wechat']).toMatch(/^degraded: WeChat notification refused at .*: our clock is (399|400|401) s behind WeChat's \(allowed ±300 s\) — check the server's time$/);
      expect(lines.some((l) => /^WeChat notification refused: our clock is \d+ s behind WeChat's .*check the server's time/.test(String(l.msg)))).toBe(true);
      expect(await kami.db.paymentNotification.count({ where: { provider: 'wechat', outcome: 'refused:stale_signature' } })).toBeGreaterThanOrEqual(1);
      await expectUnpaid(o);
    } finally {
      fake.knobs.skewSeconds = 0;
    }
    // an old notification (our clock ahead) is refused as plainly
    expectFail(await fake.forge(o.outTradeNo, { skewSeconds: -600 }), 401, /our clock is \d+ s ahead of WeChat's/);

    // the clocks agree again: WeChat's next retry is taken, and /readyz is ready again
    const retry = await fake.resend(o.outTradeNo);
    expect([retry.status, retry.answer]).toEqual([204, '']);
    await waitStatus(o.orderId, 'delivered');
    expect((await call(kami, 'GET', '/readyz')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok', 'payment:wechat': 'ok' } });
  });
});

describe('queries that fail', () => {
  it('a query that times out, then answers 5xx, pays nothing until a signed answer says SUCCESS', async () => {
    const o = await placeOrder();
    Object.assign(fake.order(o.outTradeNo).query, { timeouts: 2, delayMs: 2500, failures: 3 });
    const txn = fake.pay(o.outTradeNo, { notify: 'drop' });
    await expect.poll(() => fake.order(o.outTradeNo).query.failures, { timeout: 60_000 }).toBe(0);
    await waitStatus(o.orderId, 'delivered');
    expect(await paymentsOf(o.orderId)).toEqual([expect.objectContaining({ txnId: txn, verifiedBy: 'query' })]);
    const asked = fake.requests.filter((r) => r.path.startsWith(`/v3/pay/transactions/out-trade-no/${o.outTradeNo}?`));
    expect(asked.filter((r) => r.status === 0).length).toBe(2);
    expect(asked.filter((r) => r.status === 500).length).toBe(3);
    expect(asked.at(-1)).toMatchObject({ authOk: true, status: 200 });
  });

  it('a query answer signed with a key Kami does not know pays nothing', async () => {
    const o = await placeOrder();
    fake.order(o.outTradeNo).query.wrongKey = true;
    fake.pay(o.outTradeNo, { notify: 'drop' });
    const asked = () => fake.requests.filter((r) => r.path.startsWith(`/v3/pay/transactions/out-trade-no/${o.outTradeNo}?`)).length;
    await expect.poll(asked, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    await expectUnpaid(o);
    fake.order(o.outTradeNo).query.wrongKey = false;
    await waitStatus(o.orderId, 'delivered');
  });
});

describe('refunds', () => {
  it('rejecting a paid order in review refunds it through WeChat once, keyed by Kami\'s refund id', async () => {
    // 600.00 CNY from a new buyer: the new-buyer rule sends it to review
    const o = await placeOrder({ priceCents: 60_000 });
    const txn = fake.pay(o.outTradeNo);
    await waitStatus(o.orderId, 'in_review');
    expect(await reasonsOf(o.orderId)).toContain('new_buyer_amount');

    const operator = await loginAs(kami, 'operator');
    const rejected = await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/reject`, { body: { note: 'internal: looks like a reseller' } });
    expect(rejected.status, rejected.text).toBe(200);
    await waitStatus(o.orderId, 'rejected');
    const refund = await kami.db.refund.findFirstOrThrow({ where: { orderId: o.orderId } });
    await expect.poll(async () => (await kami.db.refund.findUniqueOrThrow({ where: { id: refund.id } })).status, { timeout: 30_000 }).toBe('succeeded');

    const calls = fake.requests.filter((r) => r.path === '/v3/refund/domestic/refunds');
    expect(calls).toEqual([{ method: 'POST', path: '/v3/refund/domestic/refunds', authOk: true, status: 200 }]);
    expect(fake.refunds).toEqual([expect.objectContaining({
      out_refund_no: `${o.outTradeNo}-r${refund.id}`, transaction_id: txn, out_trade_no: o.outTradeNo, refund: 60_000, total: 60_000, currency: 'CNY',
      reason: 'Order refund', notify_url: `${kami.baseUrl}/api/v1/payments/wechat/notify`,
    })]);
    expect(await kami.db.refund.findUniqueOrThrow({ where: { id: refund.id } })).toMatchObject({ gatewayRefundId: fake.refunds[0]!.refund_id });
    expect(fake.order(o.outTradeNo).trade_state).toBe('REFUND');
    expect(await soldOf(o.orderId)).toBe(0);
  });
});

it('no secret (merchant private key, APIv3 key) in any log line or stored row', async () => {
  const secrets = fake.secrets();
  const stored = JSON.stringify([
    await kami.db.paymentNotification.findMany({ where: { provider: 'wechat' } }),
    await kami.db.paymentAttempt.findMany({ where: { provider: 'wechat' } }),
    await kami.db.refund.findMany({ where: { provider: 'wechat' } }),
    await kami.db.paymentProviderConfig.findMany(),
  ], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  const logged = JSON.stringify(lines);
  expect(lines.length).toBeGreaterThan(0);
  for (const s of secrets) {
    expect(stored.includes(s), 'a secret in the database').toBe(false);
    expect(logged.includes(s), 'a secret in the log').toBe(false);
  }
});
