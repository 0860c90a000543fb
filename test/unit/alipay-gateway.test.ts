import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlipaySettings, beijingTime, createAlipayGateway } from '../../infra/payments/alipay.js';
import { NotificationRefused, type AttemptRequest, type NotificationFacts, type PaymentGateway, type RawNotification } from '../../infra/payments/gateway.js';
import { javaUrlEncode, startFakeAlipay, type FakeAlipay } from '../fakes/alipay.js';

// The gateway module against a faithful fake of Alipay's gateway (test/helpers/fake-alipay.ts): the
// fake verifies every request Kami's SDK client signs, and signs every answer and notification with
// its own "Alipay" key, so signing bugs on either side fail here.

const APP_ID = '2021000100000001';
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
let fake: FakeAlipay;

const pkcs8 = String(app.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const pkcs1 = String(app.privateKey.export({ type: 'pkcs1', format: 'pem' }));
const bare = (pemText: string) => pemText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

function gatewayWith(over: Record<string, unknown> = {}): PaymentGateway {
  return createAlipayGateway(AlipaySettings.parse({ appId: APP_ID, privateKey: pkcs8, alipayPublicKey: fake.alipayPublicKeyPem, gateway: fake.url, ...over }));
}
let seq = 0;
const attempt = (over: Partial<AttemptRequest> = {}): AttemptRequest => ({
  gatewayOrderNo: `ord_TEST${Date.now()}_${++seq}`, orderId: 'ord_TEST', amountMinor: 450, currency: 'CNY', subject: 'Steam Wallet 10 USD × 1',
  notifyUrl: 'http://127.0.0.1:9/api/v1/payments/alipay/notify', returnUrl: 'http://127.0.0.1:9/orders/ord_TEST/return',
  expiresAt: new Date(Date.now() + 15 * 60_000), ...over,
});
const posted = (body: string, over: Partial<RawNotification> = {}): RawNotification => ({
  method: 'POST', url: '/api/v1/payments/alipay/notify', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(body), ...over,
});
const refusedWith = (fn: () => unknown): string => {
  try { fn(); } catch (err) {
    if (err instanceof NotificationRefused) return err.code;
    throw err;
  }
  throw new Error('the notification was accepted');
};
const lastRequest = () => fake.requests.at(-1)!;

beforeAll(async () => { fake = await startFakeAlipay({ appId: APP_ID, appPublicKey: app.publicKey }); });
afterAll(() => fake?.close());
afterEach(() => { fake.knobs.answerKey = undefined; fake.knobs.tamper = undefined; fake.knobs.unsigned = undefined; fake.knobs.failNext = 0; });

/** A trade the fake knows: opened by Kami through precreate. */
async function precreated(g = gatewayWith({ mode: 'precreate' }), over: Partial<AttemptRequest> = {}) {
  const a = attempt(over);
  const created = await g.createAttempt(a);
  return { g, a, created };
}

describe('settings: the keys an owner pastes', () => {
  const parse = (over: Record<string, unknown>) => AlipaySettings.safeParse({ appId: APP_ID, privateKey: pkcs8, alipayPublicKey: fake.alipayPublicKeyPem, ...over });
  const problem = (over: Record<string, unknown>) => {
    const r = parse(over);
    expect(r.success).toBe(false);
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  };

  it.each([
    ['PKCS#8 PEM', () => pkcs8],
    ['PKCS#1 PEM', () => pkcs1],
    ['bare base64 of PKCS#8 (Alipay key tool, "PKCS8(JAVA适用)")', () => bare(pkcs8)],
    ['bare base64 of PKCS#1 (Alipay key tool, "PKCS1(非JAVA适用)")', () => bare(pkcs1)],
    ['a PEM with its line breaks written as \\n in one environment line', () => pkcs1.trim().replace(/\n/g, '\\n')],
    ['a PEM with CRLF line ends', () => pkcs8.replace(/\n/g, '\r\n')],
  ])('accepts the app private key as %s, and the fake accepts what it signs', async (_what, key) => {
    const g = gatewayWith({ privateKey: key(), mode: 'precreate' });
    const created = await g.createAttempt(attempt());
    expect(created.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\//);
    expect(lastRequest().outcome).toBe('10000');
  });

  it('accepts the Alipay public key as PEM or as the bare base64 the open platform shows', async () => {
    for (const alipayPublicKey of [fake.alipayPublicKeyPem, fake.alipayPublicKeyBase64]) {
      const g = gatewayWith({ alipayPublicKey, mode: 'precreate' });
      expect((await g.createAttempt(attempt())).qrCode).toBeTruthy();
    }
  });

  it('defaults to the real gateway and page pay; a base URL gets /gateway.do', () => {
    const s = parse({});
    expect(s.success && s.data).toMatchObject({ gateway: 'https://openapi.alipay.com/gateway.do', mode: 'page' });
    const sandbox = parse({ gateway: 'https://openapi-sandbox.dl.alipaydev.com' });
    expect(sandbox.success && sandbox.data.gateway).toBe('https://openapi-sandbox.dl.alipaydev.com/gateway.do');
  });

  it.each([
    ['a key of 1024 bits', () => ({ privateKey: String(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })) }), /1024 bits/],
    ['an EC key', () => ({ privateKey: String(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' })) }), /RSA key/],
    ['an encrypted key', () => ({ privateKey: String(app.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })) }), /encrypted/],
    ['text that is no key', () => ({ privateKey: 'not a key at all!' }), /neither a PEM block nor base64/],
    ['the public key where the private key belongs', () => ({ privateKey: fake.alipayPublicKeyPem }), /public key/],
    ["the app's own public key as the Alipay public key", () => ({ alipayPublicKey: String(app.publicKey.export({ type: 'spki', format: 'pem' })) }), /应用公钥/],
    ['an app id that is not 16 digits', () => ({ appId: '2021-0001' }), /16 digits/],
    ['a plain-http gateway on the internet', () => ({ gateway: 'http://openapi.alipay.com/gateway.do' }), /https/],
    ['a mode Kami does not know', () => ({ mode: 'wap' }), /mode/],
    ['a misspelt setting (PUBLIC_KEY for ALIPAY_PUBLIC_KEY)', () => ({ publicKey: fake.alipayPublicKeyPem }), /publicKey/],
  ])('refuses %s with a message that says so', (_what, over, message) => {
    expect(problem(over())).toMatch(message);
  });
});

describe('createAttempt', () => {
  it('page pay: a link to the cashier, signed over every parameter with sign_type, amounts in yuan, Beijing times', async () => {
    const g = gatewayWith();
    const a = attempt({ amountMinor: 123_456_789, subject: 'Gift card 10/20 = A&B × 2' });
    const created = await g.createAttempt(a);
    expect(created).toMatchObject({ gatewayAmountMinor: 123_456_789, gatewayCurrency: 'CNY' });
    expect(created.qrCode).toBeUndefined();
    expect(created.payUrl!.startsWith(`${fake.url}?`)).toBe(true);
    // the buyer's browser follows it: the fake's cashier opens only if the signature holds
    const page = await fetch(created.payUrl!);
    expect(await page.text()).toContain('收银台');
    const r = lastRequest();
    expect(r).toMatchObject({ method: 'alipay.trade.page.pay', http: 'GET', outcome: 'cashier' });
    expect(r.params).toMatchObject({ app_id: APP_ID, sign_type: 'RSA2', charset: 'utf-8', version: '1.0', notify_url: a.notifyUrl, return_url: a.returnUrl });
    expect(JSON.parse(r.params.biz_content!)).toEqual({
      out_trade_no: a.gatewayOrderNo, total_amount: '1234567.89', subject: 'Gift card 10 20 A B × 2', time_expire: beijingTime(a.expiresAt),
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    expect(fake.trade(a.gatewayOrderNo).status).toBe('unscanned');
  });

  it('writes the request timestamp in Beijing time whatever the server\'s time zone', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      const { created } = await precreated();
      expect(created.qrCode).toBeTruthy();
      const sent = Date.parse(`${lastRequest().params.timestamp!.replace(' ', 'T')}+08:00`);
      expect(Math.abs(sent - Date.now())).toBeLessThan(60_000);
    } finally {
      process.env.TZ = tz;
    }
  });

  it.each([[1, '0.01'], [450, '4.50'], [100, '1.00'], [10_000_000_000, '100000000.00']])('sends %i fen as total_amount "%s", exactly', async (minor, text) => {
    const { a } = await precreated(undefined, { amountMinor: minor });
    expect(fake.trade(a.gatewayOrderNo).totalAmount).toBe(text);
  });

  it.each([
    ['nothing to pay', { amountMinor: 0 }, /cannot collect/],
    ['more than Alipay takes', { amountMinor: 10_000_000_001 }, /cannot collect/],
    ['another currency', { currency: 'USD' }, /CNY only/],
    ['an order number Alipay refuses (a hyphen)', { gatewayOrderNo: 'ord_X-2' }, /out_trade_no/],
  ])('refuses %s before calling Alipay', async (_what, over, message) => {
    const before = fake.requests.length;
    await expect(gatewayWith({ mode: 'precreate' }).createAttempt(attempt(over))).rejects.toThrow(message);
    expect(fake.requests.length).toBe(before);
  });

  it('precreate (当面付): the QR code of a trade that does not exist until the buyer scans; asked again, the same code', async () => {
    const { g, a, created } = await precreated();
    const t = fake.trade(a.gatewayOrderNo);
    expect(created).toEqual({ qrCode: t.qrCode, gatewayAmountMinor: 450, gatewayCurrency: 'CNY' });
    expect(t).toMatchObject({ status: 'unscanned', notifyUrl: a.notifyUrl, totalAmount: '4.50' });
    expect(lastRequest().params.notify_url).toBe(a.notifyUrl);
    expect((await g.createAttempt(a)).qrCode).toBe(t.qrCode);
  });

  it('fails when Alipay refuses, when its answer is not signed by Alipay or was changed, or when it is down', async () => {
    const g = gatewayWith({ mode: 'precreate' });
    const { a } = await precreated(g);
    await expect(g.createAttempt({ ...a, amountMinor: 451 })).rejects.toThrow(/ACQ\.CONTEXT_INCONSISTENT/);
    fake.knobs.answerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expect(g.createAttempt(attempt())).rejects.toThrow(/验签失败/);
    fake.knobs.answerKey = undefined;
    fake.knobs.tamper = (_m, inner) => { inner.qr_code = 'https://qr.alipay.com/evil'; };
    await expect(g.createAttempt(attempt())).rejects.toThrow(/验签失败/);
    fake.knobs.tamper = undefined;
    fake.knobs.unsigned = true;
    await expect(g.createAttempt(attempt())).rejects.toThrow(/could not be verified/);
    fake.knobs.unsigned = undefined;
    fake.knobs.failNext = 1;
    await expect(g.createAttempt(attempt())).rejects.toThrow(/502/);
    // a wrong app key: Alipay refuses the request's signature
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await expect(gatewayWith({ privateKey: String(other), mode: 'precreate' }).createAttempt(attempt())).rejects.toThrow(/isv\.invalid-signature/);
  });
});

describe('verifyNotification: RSA2 over the form fields as received', () => {
  let g: PaymentGateway;
  let paidNo: string;
  const facts = (n: RawNotification) => g.verifyNotification(n) as NotificationFacts;
  beforeAll(async () => {
    const p = await precreated();
    g = p.g;
    paidNo = p.a.gatewayOrderNo;
    await fake.pay(paidNo, { notify: false });
  });

  it('accepts what Alipay signed and reports it: order number, trade number, amount in fen, the buyer', () => {
    const t = fake.trade(paidNo);
    // the base64 signature ends in "=": each field is split at its first "=" only
    expect(fake.notification(paidNo).body).toMatch(/&sign=[^&]+%3D(&|$)/);
    expect(facts(posted(fake.notification(paidNo).body))).toEqual({
      gatewayOrderNo: paidNo, txnId: t.tradeNo, paid: true, amountMinor: 450, currency: 'CNY', account: t.buyerLogonId,
    });
  });

  it('decodes each value once and verifies it exactly: +, %, Chinese, "=" and an HTML-escaped fund_bill_list as Alipay signed it', () => {
    const fields = {
      subject: 'Steam 充值卡 100% + more=yes', body: 'a+b c',
      fund_bill_list: '[{&quot;amount&quot;:&quot;4.50&quot;,&quot;fundChannel&quot;:&quot;ALIPAYACCOUNT&quot;}]',
      passback_params: '', // an empty field is signed as "passback_params="
    };
    const n = fake.notification(paidNo, { fields });
    expect(n.body).toContain('subject=Steam+%E5%85%85%E5%80%BC%E5%8D%A1+100%25+%2B+more%3Dyes');
    expect(facts(posted(n.body)).paid).toBe(true);
    // a Kami that "repaired" the escaped list before verifying would fail: it must not
    const unescaped = n.body.replace(javaUrlEncode(fields.fund_bill_list), javaUrlEncode(fields.fund_bill_list.replace(/&quot;/g, '"')));
    expect(refusedWith(() => facts(posted(unescaped)))).toBe('invalid_signature');
  });

  it('verifies the variant signed with sign_type (rsaCheckV2) too, as the SDK does', () => {
    expect(facts(posted(fake.notification(paidNo, { includeSignType: true }).body)).paid).toBe(true);
  });

  it.each([
    ['WAIT_BUYER_PAY (a scan, not a payment)', 'WAIT_BUYER_PAY', {}],
    ['TRADE_CLOSED', 'TRADE_CLOSED', {}],
    ['a partial refund\'s notice (still TRADE_SUCCESS)', 'TRADE_SUCCESS', { refund_fee: '1.00', gmt_refund: '2026-11-29 10:00:00.000', out_biz_no: '7' }],
    ['another notify_type', 'TRADE_SUCCESS', { notify_type: 'trade_status_async' }],
  ])('verifies but does not count as paid: %s', (_what, status, extra) => {
    const n = fake.notification(paidNo, { fields: { trade_status: status, ...extra } });
    expect(facts(posted(n.body))).toMatchObject({ gatewayOrderNo: paidNo, paid: false });
  });

  it('counts TRADE_FINISHED as paid', () => {
    expect(facts(posted(fake.notification(paidNo, { fields: { trade_status: 'TRADE_FINISHED' } }).body)).paid).toBe(true);
  });

  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  it.each<[string, () => RawNotification, string]>([
    ['the amount changed after signing', () => posted(fake.notification(paidNo, { signAfter: { total_amount: '0.01' } }).body), 'invalid_signature'],
    ['the status changed after signing', () => posted(fake.notification(paidNo, { fields: { trade_status: 'WAIT_BUYER_PAY' }, signAfter: { trade_status: 'TRADE_SUCCESS' } }).body), 'invalid_signature'],
    ['a field added after signing', () => posted(`${fake.notification(paidNo).body}&extra=1`), 'invalid_signature'],
    ['a field dropped after signing', () => posted(fake.notification(paidNo).body.replace(/&buyer_id=[^&]*/, '')), 'invalid_signature'],
    ['another key\'s signature', () => posted(fake.notification(paidNo, { signWith: other }).body), 'invalid_signature'],
    ['sign_type RSA (SHA1)', () => posted(fake.notification(paidNo, { signType: 'RSA' }).body), 'invalid_signature'],
    ['no sign', () => posted(fake.notification(paidNo).body.replace(/&sign=[^&]*/, '')), 'invalid_signature'],
    ['another app\'s notification, correctly signed', () => posted(fake.notification(paidNo, { appId: '2021000199999999' }).body), 'wrong_merchant'],
    ['a GET', () => posted(fake.notification(paidNo).body, { method: 'GET' }), 'malformed'],
    ['a JSON body', () => posted(fake.notification(paidNo).body, { headers: { 'content-type': 'application/json' } }), 'malformed'],
    ['a field sent twice', () => posted(`${fake.notification(paidNo).body}&total_amount=0.01`), 'malformed'],
    ['broken percent-encoding', () => posted(`${fake.notification(paidNo).body}&x=%E4%ZZ`), 'malformed'],
    ['charset GBK', () => posted(fake.notification(paidNo, { fields: { charset: 'GBK' } }).body), 'malformed'],
    ['a signed amount that is no amount', () => posted(fake.notification(paidNo, { fields: { total_amount: '4.5x' } }).body), 'malformed'],
    ['an empty body', () => posted(''), 'malformed'],
  ])('refuses %s', (_what, n, code) => {
    expect(refusedWith(() => facts(n()))).toBe(code);
  });

  it('answers the 7 characters "success" to what it kept, "fail" otherwise', () => {
    expect(g.answer({ received: true, duplicate: false })).toEqual({ status: 200, body: 'success', contentType: 'text/plain' });
    expect(g.answer({ received: true, duplicate: true })).toMatchObject({ body: 'success' });
    expect(g.answer({ received: false, code: 'invalid_signature', message: 'x' })).toMatchObject({ status: 400, body: 'fail' });
  });
});

describe('query: alipay.trade.query, signed', () => {
  const stored = (gatewayOrderNo: string) => ({ gatewayOrderNo, gatewayRef: null, gatewayAmountMinor: 450, gatewayCurrency: 'CNY', createdAt: new Date() });

  it('before the buyer scans: ACQ.TRADE_NOT_EXIST is "not paid yet"', async () => {
    const { g, a } = await precreated();
    expect(await g.query!(stored(a.gatewayOrderNo))).toMatchObject({ state: 'pending', proof: 'signed' });
    expect(lastRequest().outcome).toBe('40004 ACQ.TRADE_NOT_EXIST');
  });

  it('scanned, paid, closed', async () => {
    const { g, a } = await precreated();
    fake.scan(a.gatewayOrderNo);
    expect(await g.query!(stored(a.gatewayOrderNo))).toMatchObject({ state: 'pending', proof: 'signed' });
    const { trade } = await fake.pay(a.gatewayOrderNo, { notify: false });
    const paid = await g.query!(stored(a.gatewayOrderNo));
    expect(paid).toMatchObject({ state: 'paid', txnId: trade.tradeNo, amountMinor: 450, currency: 'CNY', account: trade.buyerLogonId, proof: 'signed' });
    expect(JSON.parse(paid.raw).alipay_trade_query_response).toMatchObject({ trade_status: 'TRADE_SUCCESS', total_amount: '4.50' });

    const late = await precreated(g, { expiresAt: new Date(Date.now() + 1500) });
    fake.scan(late.a.gatewayOrderNo);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await g.query!(stored(late.a.gatewayOrderNo))).toMatchObject({ state: 'closed', proof: 'signed' });
  });

  it('throws (asked again later) on an answer not signed by Alipay, changed after signing, or a gateway error', async () => {
    const { g, a } = await precreated();
    await fake.pay(a.gatewayOrderNo, { notify: false });
    fake.knobs.answerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expect(g.query!(stored(a.gatewayOrderNo))).rejects.toThrow(/验签失败/);
    fake.knobs.answerKey = undefined;
    fake.knobs.tamper = (_m, inner) => { inner.total_amount = '0.01'; };
    await expect(g.query!(stored(a.gatewayOrderNo))).rejects.toThrow(/验签失败/);
    fake.knobs.tamper = undefined;
    fake.knobs.failNext = 1;
    await expect(g.query!(stored(a.gatewayOrderNo))).rejects.toThrow(/502/);
    expect((await g.query!(stored(a.gatewayOrderNo))).state).toBe('paid');
  });
});

describe('refund: alipay.trade.refund, out_request_no = Kami\'s refund id', () => {
  const request = (gatewayOrderNo: string, txnId: string, refundId: number, amountMinor: number) => ({
    refundId, gatewayOrderNo, txnId, amountMinor, currency: 'CNY', reason: 'rejected in review',
  });

  it('refunds once however often it is asked, in parts, never more than was paid', async () => {
    const { g, a } = await precreated(undefined, { amountMinor: 1000 });
    const { trade } = await fake.pay(a.gatewayOrderNo, { notify: false });
    expect(await g.refund!(request(a.gatewayOrderNo, trade.tradeNo, 41, 300))).toEqual({ state: 'succeeded', gatewayRefundId: `${trade.tradeNo}/41` });
    expect(JSON.parse(lastRequest().params.biz_content!)).toMatchObject({ out_request_no: '41', refund_amount: '3.00', trade_no: trade.tradeNo, out_trade_no: a.gatewayOrderNo });
    // the activity retried: the same id refunds nothing more (fund_change N, confirmed by the refund query)
    expect(await g.refund!(request(a.gatewayOrderNo, trade.tradeNo, 41, 300))).toMatchObject({ state: 'succeeded' });
    expect(fake.requests.slice(-2).map((r) => r.method)).toEqual(['alipay.trade.refund', 'alipay.trade.fastpay.refund.query']);
    expect([...trade.refunds]).toEqual([['41', 300]]);
    await expect(g.refund!(request(a.gatewayOrderNo, trade.tradeNo, 42, 701))).rejects.toThrow(/ACQ\.REFUND_AMT_NOT_EQUAL_TOTAL/);
    expect(await g.refund!(request(a.gatewayOrderNo, trade.tradeNo, 42, 700))).toMatchObject({ state: 'succeeded' });
    expect(trade.status).toBe('TRADE_CLOSED');
  });

  it('a first answer with fund_change N is confirmed by the refund query', async () => {
    const { g, a } = await precreated();
    const { trade } = await fake.pay(a.gatewayOrderNo, { notify: false });
    fake.knobs.refundFundChangeN = true;
    expect(await g.refund!(request(a.gatewayOrderNo, trade.tradeNo, 7, 450))).toMatchObject({ state: 'succeeded' });
    expect(lastRequest()).toMatchObject({ method: 'alipay.trade.fastpay.refund.query', outcome: '10000' });
  });

  it('a payment an operator confirmed by hand (txn "manual:…") is refunded by its out_trade_no alone', async () => {
    const { g, a } = await precreated();
    const { trade } = await fake.pay(a.gatewayOrderNo, { notify: false });
    expect(await g.refund!(request(a.gatewayOrderNo, 'manual:bank-slip-17', 9, 450))).toEqual({ state: 'succeeded', gatewayRefundId: `${trade.tradeNo}/9` });
    expect(JSON.parse(lastRequest().params.biz_content!)).not.toHaveProperty('trade_no');
    expect([...trade.refunds]).toEqual([['9', 450]]);
  });

  it('refuses a currency Alipay did not charge in', async () => {
    const { g } = await precreated();
    await expect(g.refund!({ ...request('x', 'y', 1, 1), currency: 'USD' })).rejects.toThrow(/CNY/);
  });
});
