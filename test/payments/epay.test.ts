import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { createEpayGateway, epayGateway, epaySign, EpaySettings } from '../../infra/payments/epay.js';
import { NotificationRefused, type AttemptRequest, type PaymentGateway, type RawNotification, type StoredAttempt } from '../../infra/payments/gateway.js';
import { epayFakeSign, startFakeEpay, type FakeEpay } from '../fakes/epay.js';
import { startKami, type Kami } from '../helpers/kami.js';

/** A notification as Kami's webhook hands it to the gateway: the path and query as received, the raw body. */
function rawGet(query: string): RawNotification {
  return { method: 'GET', url: `/api/v1/payments/epay/notify?${query}`, headers: {}, body: Buffer.alloc(0) };
}
function rawPost(body: string, type = 'application/x-www-form-urlencoded'): RawNotification {
  return { method: 'POST', url: '/api/v1/payments/epay/notify', headers: { 'content-type': type }, body: Buffer.from(body) };
}

const attemptFor = (gatewayOrderNo: string, over: Partial<AttemptRequest> = {}): AttemptRequest => ({
  gatewayOrderNo, orderId: gatewayOrderNo, amountMinor: 450, currency: 'CNY', subject: 'Steam 充值卡 × 1',
  notifyUrl: 'http://127.0.0.1:9/api/v1/payments/epay/notify', returnUrl: 'http://127.0.0.1:9/orders/x/return',
  expiresAt: new Date(Date.now() + 600_000), clientIp: '::ffff:203.0.113.7', ...over,
});
const stored = (gatewayOrderNo: string, amount = 450): StoredAttempt => ({ gatewayOrderNo, gatewayRef: null, gatewayAmountMinor: amount, gatewayCurrency: 'CNY', createdAt: new Date() });

function refusal(f: () => unknown): { code: string; message: string } | undefined {
  try { f(); } catch (err) {
    if (err instanceof NotificationRefused) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe('Epay v1: settings', () => {
  const base = { pid: '1001', key: 'k'.repeat(32) };

  it('takes the four variables, normalises the URL to end in /, reads a numeric pid, and defaults to submit mode', () => {
    const s = EpaySettings.parse({ ...base, url: 'https://pay.example.com/epay', pid: 1001 });
    expect(s).toEqual({ url: 'https://pay.example.com/epay/', pid: '1001', key: base.key, mode: 'submit' });
  });

  it.each([
    ['plain http to another host (the merchant key would travel readable)', { url: 'http://pay.example.com/' }, 'url'],
    ['a URL with credentials', { url: 'https://u:p@pay.example.com/' }, 'url'],
    ['a URL with a query string', { url: 'https://pay.example.com/?x=1' }, 'url'],
    ['not a URL', { url: 'pay.example.com' }, 'url'],
    ['mapi mode without a payment type', { url: 'https://pay.example.com/', mode: 'mapi' }, 'type'],
    ['an unknown mode', { url: 'https://pay.example.com/', mode: 'v2' }, 'mode'],
    ['a short key', { url: 'https://pay.example.com/', key: 'short' }, 'key'],
  ])('refuses %s', (_what, over, path) => {
    const r = EpaySettings.safeParse({ ...base, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
    // a configuration error never echoes the key
    expect(JSON.stringify(r.error!.issues)).not.toContain(base.key);
  });

  it('accepts plain http only to this machine (a local fake in tests; production uses https)', () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://[::1]:81/']) expect(EpaySettings.safeParse({ ...base, url }).success, url).toBe(true);
  });

  it('has no refund API (a refund becomes a task for a person), can be asked, and keeps its key secret', () => {
    expect(epayGateway).toMatchObject({ name: 'epay', canQuery: true, canRefund: false, secretFields: ['key'] });
    expect(createEpayGateway(EpaySettings.parse({ ...base, url: 'https://pay.example.com/' })).refund).toBeUndefined();
  });
});

describe('Epay v1: the recipe, against the fake platform', () => {
  let fake: FakeEpay;
  let submit: PaymentGateway;
  let mapi: PaymentGateway;
  beforeAll(async () => {
    fake = await startFakeEpay();
    submit = createEpayGateway(EpaySettings.parse({ url: fake.baseUrl, pid: fake.pid, key: fake.key, mode: 'submit' }));
    mapi = createEpayGateway(EpaySettings.parse({ url: fake.baseUrl, pid: fake.pid, key: fake.key, mode: 'mapi', type: 'alipay' }));
  });
  afterAll(() => fake?.close());

  it('signs like the PHP SDK: empty values and sign/sign_type left out, "0" kept, keys by byte, the key appended', () => {
    const params = { pid: '1001', type: 'alipay', out_trade_no: 'ord_1', notify_url: 'https://a/n?x=1&y=2', name: '测试 商品 & co', money: '0.50', param: '', sitename: '0', sign_type: 'MD5' };
    expect(epaySign(params, 'KEY123456')).toBe(epayFakeSign(params, 'KEY123456'));
    expect(epaySign(params, 'KEY123456')).toMatch(/^[0-9a-f]{32}$/);
    // no separator before the key: "…&type=alipayKEY123456"
    expect(epaySign({ a: '1' }, 'KEY123456')).toBe(epayFakeSign({ a: '1' }, 'KEY123456'));
  });

  it('submit: a signed submit.php link that the platform accepts when the buyer opens it; money in yuan, the name cut at 127 bytes', async () => {
    const no = `ord_${randomUUID().slice(0, 8)}`;
    const created = await submit.createAttempt(attemptFor(no, { subject: '商品'.repeat(40), amountMinor: 12345 }));
    expect(created).toMatchObject({ gatewayAmountMinor: 12345, gatewayCurrency: 'CNY' });
    expect(created.payUrl!.startsWith(`${fake.baseUrl}submit.php?`)).toBe(true);
    expect(created.payUrl).not.toContain(fake.key);
    expect(fake.orders.has(no)).toBe(false); // nothing called: Epay opens the order when the page loads
    const page = await fake.openPayUrl(created.payUrl!);
    expect(page.text).toContain('收银台');
    const o = fake.order(no);
    expect(o).toMatchObject({ money: '123.45', via: 'submit', notifyUrl: attemptFor(no).notifyUrl });
    expect(Buffer.byteLength(o.name)).toBeLessThanOrEqual(127);
    expect(o.name).toBe('商品'.repeat(21)); // 42 characters of 3 bytes
  });

  it('mapi: the platform checks the signature and answers a link; the attempt keeps its trade_no; the client IP goes as IPv4', async () => {
    const no = `ord_${randomUUID().slice(0, 8)}`;
    const created = await mapi.createAttempt(attemptFor(no));
    const o = fake.order(no);
    expect(created).toEqual({ gatewayRef: o.tradeNo, payUrl: expect.stringContaining(`/pay/${o.tradeNo}`), gatewayAmountMinor: 450, gatewayCurrency: 'CNY' });
    expect(o).toMatchObject({ via: 'mapi', money: '4.50', type: 'alipay', clientip: '203.0.113.7' });
  });

  it('mapi: a refusal becomes the attempt\'s error, with the platform\'s message', async () => {
    fake.knobs.mapiRefusal = '当前支付方式已关闭';
    try {
      await expect(mapi.createAttempt(attemptFor(`ord_${randomUUID().slice(0, 8)}`))).rejects.toThrow('Epay refused the payment: 当前支付方式已关闭');
    } finally { delete fake.knobs.mapiRefusal; }
  });

  it('charges only CNY, and never zero', async () => {
    await expect(submit.createAttempt(attemptFor('ord_usd', { currency: 'USD' }))).rejects.toThrow(/CNY/);
    await expect(submit.createAttempt(attemptFor('ord_zero', { amountMinor: 0 }))).rejects.toThrow(/zero/);
  });

  describe('notifications', () => {
    let no: string;
    beforeAll(async () => {
      no = `ord_${randomUUID().slice(0, 8)}`;
      await fake.openPayUrl((await submit.createAttempt(attemptFor(no))).payUrl!);
      fake.order(no).status = 1;
    });
    const qs = (n: Parameters<FakeEpay['notification']>[1] = {}) => new URLSearchParams(fake.notification(no, n)).toString();

    it('verifies the stock GET notification and says what it pays', () => {
      expect(submit.verifyNotification(rawGet(qs()))).toEqual({ gatewayOrderNo: no, txnId: fake.order(no).tradeNo, paid: true, amountMinor: 450, currency: 'CNY' });
    });

    it('verifies a forked platform\'s POST form, and the query string HTML-escaped (&amp;)', () => {
      expect(submit.verifyNotification(rawPost(qs()))).toMatchObject({ gatewayOrderNo: no, paid: true, amountMinor: 450 });
      expect(submit.verifyNotification(rawGet(qs().replace(/&/g, '&amp;')))).toMatchObject({ gatewayOrderNo: no, paid: true });
      expect(submit.verifyNotification(rawPost(qs().replace(/&/g, '&amp;')))).toMatchObject({ gatewayOrderNo: no, paid: true });
    });

    it('reads a status other than TRADE_SUCCESS as not a payment, and keeps the buyer\'s account when given', () => {
      expect(submit.verifyNotification(rawGet(qs({ tradeStatus: 'WAIT_BUYER_PAY' })))).toMatchObject({ paid: false });
      expect(submit.verifyNotification(rawGet(qs({ params: { buyer: 'buyer@example.com' } })))).toMatchObject({ paid: true, account: 'buyer@example.com' });
    });

    it.each<[string, () => RawNotification, string]>([
      ['signed with another key', () => rawGet(qs({ key: 'not-the-merchant-key' })), 'invalid_signature'],
      ['money changed after signing', () => rawGet(qs({ tamper: { money: '0.01' } })), 'invalid_signature'],
      ['trade_status changed after signing', () => rawGet(qs({ tradeStatus: 'WAIT_BUYER_PAY', tamper: { trade_status: 'TRADE_SUCCESS' } })), 'invalid_signature'],
      ['the right sign in uppercase', () => rawGet(qs({ sign: epayFakeSign(fake.notification(no), fake.key).toUpperCase() })), 'invalid_signature'],
      ['no sign', () => rawGet(qs({ sign: '' })), 'invalid_signature'],
      ['sign_type RSA (v2)', () => rawGet(qs({ tamper: { sign_type: 'RSA' } })), 'invalid_signature'],
      ['another merchant\'s pid, correctly signed with our key', () => rawGet(qs({ params: { pid: '999999' } })), 'wrong_merchant'],
      ['a parameter given twice', () => rawGet(`${qs()}&money=999.00`), 'malformed'],
      ['query and body disagreeing', () => ({ ...rawPost(qs({ tamper: { money: '0.01' } })), url: `/api/v1/payments/epay/notify?money=4.50` }), 'malformed'],
      ['a JSON body', () => rawPost(JSON.stringify(fake.notification(no)), 'application/json'), 'malformed'],
      ['no money, correctly signed', () => rawGet(qs({ params: { money: undefined } })), 'malformed'],
      ['money with three decimals, correctly signed', () => rawGet(qs({ params: { money: '4.505' } })), 'malformed'],
    ])('refuses one %s', (_what, n, code) => {
      expect(refusal(() => submit.verifyNotification(n()))?.code).toBe(code);
    });

    it('answers the literal success, and fail when it refused', () => {
      expect(submit.answer({ received: true, duplicate: true })).toEqual({ status: 200, body: 'success', contentType: 'text/plain; charset=utf-8' });
      expect(submit.answer({ received: false, code: 'invalid_signature', message: 'x' })).toMatchObject({ status: 401, body: 'fail' });
    });
  });

  describe('queries (unsigned answers: tls only when exactly this attempt)', () => {
    let no: string;
    beforeAll(async () => {
      no = `ord_${randomUUID().slice(0, 8)}`;
      await mapi.createAttempt(attemptFor(no));
    });

    it('reads unpaid as pending and paid as paid with proof tls, the payment\'s trade_no, amount and payer', async () => {
      expect(await mapi.query!(stored(no))).toMatchObject({ state: 'pending', proof: 'tls' });
      fake.order(no).status = 1;
      expect(await mapi.query!(stored(no))).toMatchObject({ state: 'paid', proof: 'tls', txnId: fake.order(no).tradeNo, amountMinor: 450, currency: 'CNY', account: 'buyer@example.com' });
      // it asked with pid and key in the query string (Epay's design), and kept neither in what it returns
      const q = fake.queries().at(-1)!;
      expect(q.query.get('key')).toBe(fake.key);
      expect(q.query.get('out_trade_no')).toBe(no);
      expect((await mapi.query!(stored(no))).raw).not.toContain(fake.key);
    });

    it.each<[string, Record<string, unknown>]>([
      ['another amount', { money: '0.01' }],
      ['another merchant', { pid: 424242 }],
      ['no merchant at all', { pid: undefined }],
      ['another order number', { out_trade_no: 'ord_someone_else' }],
    ])('is only a hint when the answer names %s', async (_what, override) => {
      fake.knobs.queryOverride = (o) => (o.outTradeNo === no ? override : {});
      try {
        expect(await mapi.query!(stored(no))).toMatchObject({ state: 'paid', proof: 'hint' });
      } finally { delete fake.knobs.queryOverride; }
    });

    it('keeps no key a platform echoes back in its answer (old builds echo pid and key)', async () => {
      fake.knobs.queryOverride = () => ({ key: fake.key, note: `key=${encodeURIComponent(fake.key)}` });
      try {
        const answer = await mapi.query!(stored(no));
        expect(answer.raw).toContain('[merchant key]');
        expect(answer.raw).not.toContain(fake.key);
      } finally { delete fake.knobs.queryOverride; }
    });

    it('is a hint, not proof, against an attempt whose amount Kami never learnt', async () => {
      expect(await mapi.query!({ ...stored(no), gatewayAmountMinor: null })).toMatchObject({ state: 'paid', proof: 'hint' });
    });

    it('reads a refunded order as closed, and an order Epay never opened as pending (submit) or not found (mapi)', async () => {
      fake.knobs.queryOverride = (o) => (o.outTradeNo === no ? { status: 2 } : {});
      try { expect(await mapi.query!(stored(no))).toMatchObject({ state: 'closed' }); } finally { delete fake.knobs.queryOverride; }
      expect(await submit.query!(stored('ord_never_opened'))).toMatchObject({ state: 'pending' });
      expect(await mapi.query!(stored('ord_never_opened'))).toMatchObject({ state: 'not_found' });
    });

    it('follows no redirect (an answer from elsewhere is no answer), and its errors never carry the key', async () => {
      let elsewhere = 0;
      const other = createServer((_req, res) => { elsewhere++; res.end(JSON.stringify({ code: 1, status: 1, money: '4.50', out_trade_no: no, pid: fake.pid, trade_no: 'T' })); });
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      fake.knobs.queryRedirect = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api.php?key=${fake.key}`;
      try {
        const err = await mapi.query!(stored(no)).then(() => undefined, (e: Error) => e);
        expect(err?.message).toMatch(/Epay order query failed/);
        expect(err?.message).not.toContain(fake.key);
        expect(elsewhere).toBe(0);
      } finally {
        delete fake.knobs.queryRedirect;
        other.close();
      }
      fake.knobs.queryStatus = 502;
      try { await expect(mapi.query!(stored(no))).rejects.toThrow('Epay order query answered HTTP 502'); } finally { delete fake.knobs.queryStatus; }
      // a key the platform does not know: refused, and the message does not repeat it
      const wrong = createEpayGateway(EpaySettings.parse({ url: fake.baseUrl, pid: fake.pid, key: 'W'.repeat(32), mode: 'mapi', type: 'alipay' }));
      const refused = await wrong.query!(stored(no)).then(() => undefined, (e: Error) => e);
      expect(refused?.message).toBe('Epay refused the order query: 商户密钥错误');
      // the platform unreachable: the error names the failure, not the URL
      const down = createEpayGateway(EpaySettings.parse({ url: 'http://127.0.0.1:9/', pid: fake.pid, key: fake.key, mode: 'mapi', type: 'alipay' }));
      const unreachable = await down.query!(stored(no)).then(() => undefined, (e: Error) => e);
      expect(unreachable?.message).toMatch(/^Epay order query failed/);
      expect(unreachable?.message).not.toContain(fake.key);
    });
  });
});

describe('Epay through Kami: checkout, notifications, the order run\'s queries', () => {
  let fake: FakeEpay;
  let kami: Kami;
  const lines: string[] = [];
  const orderIds: string[] = [];

  beforeAll(async () => {
    fake = await startFakeEpay();
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    kami = await startKami({
      log: pino({ level: 'debug' }, sink),
      env: {
        KAMI_PAY_EPAY_URL: fake.baseUrl, KAMI_PAY_EPAY_PID: fake.pid, KAMI_PAY_EPAY_KEY: fake.key, KAMI_PAY_EPAY_MODE: 'mapi', KAMI_PAY_EPAY_TYPE: 'alipay',
        // every open attempt is asked each second, so a lost callback is found quickly
        KAMI_PAYMENT_QUERY_SCHEDULE: '1s', KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m',
      },
    });
  });
  afterAll(async () => {
    await kami?.stop();
    await fake?.close();
  });

  async function placeOrder(currency = 'CNY') {
    const product = await kami.product(3, { priceCents: 450, currency });
    const res = await kami.checkout({ sku: product.sku, quantity: 1, email: `epay-${randomUUID().slice(0, 8)}@example.com`, provider: 'epay' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    orderIds.push(res.body.orderId);
    return res.body as { orderId: string; accessToken: string; payment: Record<string, string> };
  }
  const statusOf = async (o: { orderId: string; accessToken: string }) => (await kami.order(o.orderId, o.accessToken)).body.status as string;

  it('opens the payment at Epay at checkout, takes its stock GET notification, answers "success" and delivers', async () => {
    const order = await placeOrder();
    expect(order.payment).toMatchObject({ provider: 'epay', status: 'open', amount: '4.50', currency: 'CNY', url: expect.stringContaining(fake.baseUrl) });
    expect(fake.order(order.orderId)).toMatchObject({ money: '4.50', notifyUrl: `${kami.baseUrl}/api/v1/payments/epay/notify` });

    const d = await fake.pay(order.orderId);
    expect(d).toMatchObject({ status: 200, body: 'success', delivered: true });
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('delivered');
    expect(await kami.db.payment.findMany({ where: { orderId: order.orderId }, select: { provider: true, txnId: true, amountCents: true, currency: true, gatewayAmountMinor: true, account: true } }))
      .toEqual([{ provider: 'epay', txnId: fake.order(order.orderId).tradeNo, amountCents: 450n, currency: 'CNY', gatewayAmountMinor: 450n, account: null }]);

    // Epay's cron sends it again: a duplicate, answered "success" all the same, nothing more recorded
    expect(await fake.notify(order.orderId)).toMatchObject({ status: 200, body: 'success' });
    expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(1);
    expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'sold' } })).toBe(1);
  });

  it('takes a forked platform\'s POST, and a query string HTML-escaped with &amp;', async () => {
    const byPost = await placeOrder();
    expect(await fake.pay(byPost.orderId, { method: 'POST' })).toMatchObject({ status: 200, body: 'success' });
    const escaped = await placeOrder();
    expect(await fake.pay(escaped.orderId, { escapeAmp: true })).toMatchObject({ status: 200, body: 'success' });
    await expect.poll(async () => [await statusOf(byPost), await statusOf(escaped)], { timeout: 90_000 }).toEqual(['delivered', 'delivered']);
  });

  it('answers "fail" to what it cannot trust, keeps it raw, and pays nothing', async () => {
    const order = await placeOrder();
    fake.order(order.orderId).status = 1;
    expect(await fake.notify(order.orderId, { key: 'someone-elses-key' })).toMatchObject({ status: 401, body: 'fail', delivered: false });
    expect(await fake.notify(order.orderId, { params: { pid: '31337' } })).toMatchObject({ status: 401, body: 'fail' });
    expect(await fake.notify(order.orderId, { tamper: { money: '0.01' } })).toMatchObject({ status: 401, body: 'fail' });
    const kept = await kami.db.paymentNotification.findMany({ where: { provider: 'epay', verified: false }, orderBy: { id: 'asc' } });
    expect(kept.slice(-3).map((n) => n.outcome)).toEqual(['refused:invalid_signature', 'refused:wrong_merchant', 'refused:invalid_signature']);
    expect(kept.at(-1)).toMatchObject({ kind: 'notify', method: 'GET' });
    expect(kept.at(-1)!.path).toContain(`out_trade_no=${order.orderId}`);
    // the order waits on; its run's queries are what settles it now (the platform says paid, for this very amount)
    expect(await kami.db.payment.count({ where: { orderId: order.orderId, verifiedBy: 'signature' } })).toBe(0);
  });

  it('finds a payment whose callback was lost by asking Epay (proof: the configured host, the merchant key, the exact amount) and delivers', async () => {
    const order = await placeOrder();
    await fake.pay(order.orderId, { notify: false });
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('delivered');
    expect(await kami.db.payment.findMany({ where: { orderId: order.orderId }, select: { verifiedBy: true, txnId: true, amountCents: true, account: true } }))
      .toEqual([{ verifiedBy: 'query', txnId: fake.order(order.orderId).tradeNo, amountCents: 450n, account: 'buyer@example.com' }]);
    const answer = await kami.db.paymentNotification.findFirstOrThrow({ where: { orderId: order.orderId, kind: 'query' } });
    expect(answer).toMatchObject({ verified: true, outcome: 'paid', provider: 'epay' });
    expect(answer.body).toContain(fake.order(order.orderId).tradeNo);
    expect(fake.queries().some((q) => q.query.get('out_trade_no') === order.orderId && q.query.get('key') === fake.key)).toBe(true);
  });

  it('keeps a "paid" answer for another amount as a hint for a person, and pays nothing on it', async () => {
    const order = await placeOrder();
    fake.knobs.queryOverride = (o) => (o.outTradeNo === order.orderId ? { money: '0.45' } : {});
    try {
      await fake.pay(order.orderId, { notify: false });
      await expect.poll(() => kami.db.paymentNotification.count({ where: { orderId: order.orderId, outcome: 'query:paid:hint' } }), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(0);
      expect(await statusOf(order)).toBe('awaiting_payment');
    } finally { delete fake.knobs.queryOverride; }
    // the true answer (or the callback) still settles it
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('delivered');
  });

  it('trusts no answer that comes by redirect, and keeps asking the configured host', async () => {
    const order = await placeOrder();
    let elsewhere = 0;
    const other = createServer((_req, res) => { elsewhere++; res.end('{}'); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    fake.knobs.queryRedirect = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api.php`;
    try {
      await fake.pay(order.orderId, { notify: false });
      const before = fake.queries().length;
      await expect.poll(() => fake.queries().length, { timeout: 30_000 }).toBeGreaterThan(before + 2);
      expect(elsewhere).toBe(0);
      expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(0);
    } finally {
      delete fake.knobs.queryRedirect;
      other.close();
    }
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('delivered');
  });

  it('leaves the attempt failed, with Epay\'s reason, for an order priced in another currency', async () => {
    const order = await placeOrder('USD');
    expect(order.payment).toMatchObject({ provider: 'epay', status: 'failed', error: expect.stringContaining('Epay charges in CNY') });
  });

  it('shows no refund API in the panel\'s provider list (refunds are a task for a person)', async () => {
    const { GATEWAYS } = await import('../../infra/payments/definitions.js');
    expect(GATEWAYS.find((g) => g.name === 'epay')).toMatchObject({ canQuery: true, canRefund: false });
  });

  it('never writes the merchant key anywhere: not the logs, the kept notifications and answers, the attempts, nor the runs\' histories', async () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(fake.key);
    for (const n of await kami.db.paymentNotification.findMany({ where: { provider: 'epay' } })) {
      expect(JSON.stringify({ ...n, id: String(n.id) })).not.toContain(fake.key);
    }
    for (const a of await kami.db.paymentAttempt.findMany({ where: { provider: 'epay' } })) {
      expect(JSON.stringify({ ...a, amountMinor: String(a.amountMinor), gatewayAmountMinor: String(a.gatewayAmountMinor) })).not.toContain(fake.key);
    }
    for (const id of orderIds) {
      const history = await kami.temporal.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
      expect(JSON.stringify(history)).not.toContain(fake.key);
    }
  });
});
