import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationRefused, type AttemptRequest, type PaymentGateway, type RawNotification, type StoredAttempt } from '../../infra/payments/gateway.js';
import {
  createUsdtGateway, goDecimal, JsonNumber, parseJsonKeepingNumbers, usdtGateway, UsdtSettings, usdtSign, usdtSignStrings,
} from '../../infra/payments/usdt.js';
import { rawJson, startFakeUsdt, type FakeUsdt, type Flavor, type RawField, type SignMode } from '../fakes/usdt.js';
import { call } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

const attemptFor = (gatewayOrderNo: string, over: Partial<AttemptRequest> = {}): AttemptRequest => ({
  gatewayOrderNo, orderId: gatewayOrderNo, amountMinor: 450, currency: 'CNY', subject: 'Steam 充值卡 × 1',
  notifyUrl: 'http://127.0.0.1:9/api/v1/payments/usdt/notify', returnUrl: 'http://127.0.0.1:9/orders/x/return',
  expiresAt: new Date(Date.now() + 600_000), ...over,
});
const post = (body: string): RawNotification => ({ method: 'POST', url: '/api/v1/payments/usdt/notify', headers: { 'content-type': 'application/json' }, body: Buffer.from(body) });
const storedOf = (tradeId: string | null, gatewayOrderNo = 'x'): StoredAttempt => ({ gatewayOrderNo, gatewayRef: tradeId, gatewayAmountMinor: 6250, gatewayCurrency: 'USDT', createdAt: new Date() });
const silent = { warn() {}, info() {} };

function refusal(f: () => unknown): string | undefined {
  try { f(); } catch (err) {
    if (err instanceof NotificationRefused) return err.code;
    throw err;
  }
  return undefined;
}

describe('USDT: settings', () => {
  it('defaults to epusdt with MD5 and reads the panel\'s or the environment\'s values', () => {
    expect(UsdtSettings.parse({ url: 'https://usdt.example.com', token: 'epusdt_password_xasddawqe' }))
      .toEqual({ url: 'https://usdt.example.com/', token: 'epusdt_password_xasddawqe', signature: 'md5', flavor: 'epusdt' });
    expect(UsdtSettings.parse({ url: 'https://pay.example.com/', token: 'secret_key_1', flavor: 'gmpay', signature: 'hmac-sha256', ack: 'success', pid: 1000 }))
      .toMatchObject({ flavor: 'gmpay', signature: 'hmac-sha256', ack: 'success', pid: '1000' });
  });

  it.each([
    ['GMPay without its pid', { flavor: 'gmpay' }, 'pid'],
    ['an unknown signature', { signature: 'sha1' }, 'signature'],
    ['an unknown acknowledgement', { ack: 'OK!' }, 'ack'],
    ['an unknown server', { flavor: 'tokenpay' }, 'flavor'],
    ['an ftp URL', { url: 'ftp://usdt.example.com/' }, 'url'],
  ])('refuses %s', (_what, over, path) => {
    const r = UsdtSettings.safeParse({ url: 'https://usdt.example.com/', token: 'epusdt_password_xasddawqe', ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('warns at start when it reaches the gateway over plain http beyond this machine (its wallet address is unsigned)', () => {
    const warnings: string[] = [];
    const log = { warn: (_o: object, msg: string) => { warnings.push(msg); }, info() {} };
    createUsdtGateway(UsdtSettings.parse({ url: 'https://usdt.example.com/', token: 'tok_123456' }), { log });
    createUsdtGateway(UsdtSettings.parse({ url: 'http://127.0.0.1:8000/', token: 'tok_123456' }), { log });
    expect(warnings).toEqual([]);
    createUsdtGateway(UsdtSettings.parse({ url: 'http://epusdt:8000/', token: 'tok_123456' }), { log });
    expect(warnings).toEqual([expect.stringContaining('plain http')]);
  });

  it('can be asked (for hints only), has no refund API (a refund is a task for a person), and keeps its token secret', () => {
    expect(usdtGateway).toMatchObject({ name: 'usdt', canQuery: true, canRefund: false, secretFields: ['token'] });
    expect(createUsdtGateway(UsdtSettings.parse({ url: 'https://u.example.com/', token: 'tok_123456' })).refund).toBeUndefined();
  });
});

describe('USDT: JSON numbers kept as written, and the signing recipe', () => {
  it('parses JSON keeping each number\'s text; refuses a key given twice and anything but one JSON value', () => {
    const doc = parseJsonKeepingNumbers('{"a":42.50,"b":"\\u4e2d\\"x","c":[1e3,-0,null,true],"d":{"e":0.0001}}') as Map<string, unknown>;
    expect(doc.get('a')).toEqual(new JsonNumber('42.50'));
    expect(doc.get('b')).toBe('中"x');
    expect(doc.get('c')).toEqual([new JsonNumber('1e3'), new JsonNumber('-0'), null, true]);
    expect((doc.get('d') as Map<string, unknown>).get('e')).toEqual(new JsonNumber('0.0001'));
    for (const bad of ['{"a":1,"a":2}', '{"a":1} x', '{"a":01}', '{"a":.5}', '{"a":1,}', '', '{"a":"x}', `${'['.repeat(40)}${']'.repeat(40)}`]) {
      expect(() => parseJsonKeepingNumbers(bad), bad).toThrow(SyntaxError);
    }
  });

  it('reproduces the epusdt documentation\'s example signature', () => {
    const [str] = usdtSignStrings([['order_id', '20220201030210321'], ['amount', '42'], ['notify_url', 'http://example.com/notify'], ['redirect_url', 'http://example.com/redirect']]);
    expect(str).toBe('amount=42&notify_url=http://example.com/notify&order_id=20220201030210321&redirect_url=http://example.com/redirect');
    expect(usdtSign(str!, 'epusdt_password_xasddawqe', 'md5')).toBe('1cd4b52df5587cfb1968b0c0c6e156cd');
  });

  it('reproduces the GMPay documentation\'s example signature (pid signed too)', () => {
    const pairs: Array<[string, string]> = [['pid', '1000'], ['order_id', 'ORD202605230001'], ['currency', 'cny'], ['token', 'usdt'], ['network', 'tron'], ['amount', '100'],
      ['notify_url', 'https://merchant.example/notify'], ['redirect_url', 'https://merchant.example/return'], ['name', 'VIP']];
    expect(usdtSign(usdtSignStrings(pairs)[0]!, 'epusdt_secret_key', 'md5')).toBe('476412c422f4dd75c3d533f5c47a9cac');
  });

  it('drops empty values, signs HMAC-SHA256 keyed by the token over the same string, and tries both sort orders where they differ', () => {
    expect(usdtSignStrings([['b', '2'], ['a', ''], ['signature', 'x'], ['c', '0']])).toEqual(['b=2&c=0']);
    expect(usdtSign('a=1', 'tok', 'hmac-sha256')).toMatch(/^[0-9a-f]{64}$/);
    expect(usdtSign('a=1', 'tok', 'hmac-sha256')).not.toBe(usdtSign('a=1', 'tok', 'md5'));
    // Go's sort.Strings over "k=v" puts "a-b=2" before "a=1"; sorting keys puts "a" first
    expect(usdtSignStrings([['a', '1'], ['a-b', '2']])).toEqual(['a=1&a-b=2', 'a-b=2&a=1']);
  });

  it('prints a fiat amount the way the Go servers print the float they parse', () => {
    expect(['4.50', '42.00', '100', '0.10', '1234.56'].map(goDecimal)).toEqual(['4.5', '42', '100', '0.1', '1234.56']);
  });
});

const CONFIGS: Array<[Flavor, SignMode, string]> = [['epusdt', 'md5', 'ok'], ['bepusdt', 'md5', 'success'], ['gmpay', 'md5', 'ok'], ['gmpay', 'hmac-sha256', 'ok']];

describe.each(CONFIGS)('USDT (%s, %s) against the fake gateway', (flavor, signature, ack) => {
  let fake: FakeUsdt;
  let gateway: PaymentGateway;
  beforeAll(async () => {
    fake = await startFakeUsdt({ flavor, signature });
    gateway = createUsdtGateway(UsdtSettings.parse({ url: fake.baseUrl, token: fake.token, signature, flavor, ...(fake.pid ? { pid: fake.pid } : {}) }), { log: silent });
  });
  afterAll(() => fake?.close());

  it('opens a payment the gateway accepts: the USDT amount in 4-decimal minor units, the wallet address to scan, its checkout page', async () => {
    const no = `ord_${randomUUID().slice(0, 8)}`;
    const created = await gateway.createAttempt(attemptFor(no));
    const o = fake.order(no);
    // 4.50 CNY at 7.2 CNY per USDT: 0.625 USDT
    expect(created).toEqual({ gatewayRef: o.tradeId, qrCode: fake.address, payUrl: `${fake.baseUrl}pay/checkout-counter/${o.tradeId}`, gatewayAmountMinor: 6250, gatewayCurrency: 'USDT' });
    // the fiat amount went as the JSON number the server re-prints to check the signature
    expect(o.request).toContain('"amount":4.5,');
    expect(o.amount).toBe(4.5);
    // a second order of the same price at the same address gets the next unique amount
    expect(await gateway.createAttempt(attemptFor(`ord_${randomUUID().slice(0, 8)}`))).toMatchObject({ gatewayAmountMinor: 6251 });
  });

  it('verifies the callback the server sends and answers what the server wants', async () => {
    const no = `ord_${randomUUID().slice(0, 8)}`;
    await gateway.createAttempt(attemptFor(no));
    fake.order(no).status = 2;
    let body = '';
    await fake.callback(no, { after: (b) => (body = b) }).catch(() => undefined); // to 127.0.0.1:9: nobody listens, the body is what counts
    expect(gateway.verifyNotification(post(body))).toEqual({ gatewayOrderNo: no, txnId: fake.order(no).tradeId, paid: true, amountMinor: fake.order(no).usdtMinor, currency: 'USDT' });
    expect(gateway.answer({ received: true, duplicate: false })).toEqual({ status: 200, body: ack, contentType: 'text/plain; charset=utf-8' });
    expect(gateway.answer({ received: false, code: 'invalid_signature', message: 'x' })).toMatchObject({ status: 401, body: 'fail' });
  });

  it(flavor === 'bepusdt' ? 'is not asked (BEpusdt\'s pay/info answers only the buyer\'s browser)' : 'asks the status endpoint and takes every answer as a hint only', async () => {
    if (flavor === 'bepusdt') return void expect(gateway.query).toBeUndefined();
    const no = `ord_${randomUUID().slice(0, 8)}`;
    const created = await gateway.createAttempt(attemptFor(no));
    const tradeId = created.gatewayRef!;
    expect(await gateway.query!(storedOf(tradeId, no))).toMatchObject({ state: 'pending', proof: 'hint', txnId: tradeId });
    fake.order(no).status = 2;
    expect(await gateway.query!(storedOf(tradeId, no))).toMatchObject({ state: 'paid', proof: 'hint', txnId: tradeId, currency: 'USDT' });
    fake.expire(no);
    expect(await gateway.query!(storedOf(tradeId, no))).toMatchObject({ state: 'closed', proof: 'hint' });
    expect(await gateway.query!(storedOf('no-such-trade', no))).toMatchObject({ state: 'not_found', proof: 'hint' });
    await expect(gateway.query!(storedOf(null, no))).rejects.toThrow(/no trade_id/);
    expect(fake.statusRequests().length).toBeGreaterThanOrEqual(4);
  });
});

describe('USDT callbacks: what is refused (epusdt, MD5)', () => {
  let fake: FakeUsdt;
  let gateway: PaymentGateway;
  let no: string;
  beforeAll(async () => {
    fake = await startFakeUsdt({ flavor: 'epusdt' });
    gateway = createUsdtGateway(UsdtSettings.parse({ url: fake.baseUrl, token: fake.token }), { log: silent });
    no = `ord_${randomUUID().slice(0, 8)}`;
    await gateway.createAttempt(attemptFor(no));
    fake.order(no).status = 2;
  });
  afterAll(() => fake?.close());

  /** The callback the server would send, edited field by field, signed over exactly what is sent (unless `sign` says otherwise). */
  function body(edit: (f: Array<[string, RawField]>) => Array<[string, RawField]> = (f) => f, sign?: (signString: string) => string): string {
    const o = fake.order(no);
    const fields = edit([['trade_id', o.tradeId], ['order_id', o.orderId], ['amount', { num: '4.5' }], ['actual_amount', { num: String(o.usdtMinor / 10_000) }],
      ['token', o.address], ['block_transaction_id', 'ab'.repeat(32)], ['status', { num: '2' }]]);
    const { signString } = rawJson(fields);
    return rawJson([...fields, ['signature', (sign ?? fake.sign)(signString)]]).body;
  }
  const set = (key: string, value: RawField) => (f: Array<[string, RawField]>) => f.map(([k, v]): [string, RawField] => [k, k === key ? value : v]);

  it('verifies numbers exactly as they arrived: 0.6250 signed as 0.6250 is good, and worth 6250', () => {
    expect(gateway.verifyNotification(post(body(set('actual_amount', { num: '0.6250' }))))).toMatchObject({ paid: true, amountMinor: 6250 });
    expect(gateway.verifyNotification(post(body(set('amount', { num: '4.50' }))))).toMatchObject({ paid: true });
  });

  it('refuses a number re-formatted after signing (signed over 0.625, sent as 0.6250)', () => {
    const sent = body().replace('"actual_amount":0.625,', '"actual_amount":0.6250,');
    expect(sent).toContain('"actual_amount":0.6250,');
    expect(refusal(() => gateway.verifyNotification(post(sent)))).toBe('invalid_signature');
  });

  it('takes actual_amount as a JSON string (BEpusdt sends it so)', () => {
    expect(gateway.verifyNotification(post(body(set('actual_amount', '0.625'))))).toMatchObject({ paid: true, amountMinor: 6250 });
  });

  it('reads status 1 (waiting) and 3 (expired) as no payment', () => {
    expect(gateway.verifyNotification(post(body(set('status', { num: '1' }))))).toMatchObject({ paid: false });
    expect(gateway.verifyNotification(post(body(set('status', { num: '3' }))))).toMatchObject({ paid: false });
  });

  it.each<[string, () => RawNotification, string]>([
    ['signed with another token', () => post(body(undefined, (s) => fake.sign(s, 'not-the-token'))), 'invalid_signature'],
    ['an amount changed after signing', () => post(body().replace(/"actual_amount":[0-9.]+/, '"actual_amount":6.25')), 'invalid_signature'],
    ['the status changed after signing', () => post(body(set('status', { num: '1' })).replace('"status":1', '"status":2')), 'invalid_signature'],
    ['the right signature in uppercase', () => post(body(undefined, (s) => fake.sign(s).toUpperCase())), 'invalid_signature'],
    ['an HMAC-SHA256 signature where MD5 is configured', () => post(body(undefined, (s) => usdtSign(s, fake.token, 'hmac-sha256'))), 'invalid_signature'],
    ['no signature', () => post(body().replace(/,"signature":"[0-9a-f]+"/, '')), 'invalid_signature'],
    ['a field given twice', () => post(body().replace('{', '{"status":2,')), 'malformed'],
    ['a nested object, whatever its signature', () => post(body((f) => [...f, ['extra', { num: '{"a":1}' }]])), 'malformed'],
    ['no order_id, correctly signed', () => post(body((f) => f.filter(([k]) => k !== 'order_id'))), 'malformed'],
    ['five decimals of USDT, correctly signed', () => post(body(set('actual_amount', { num: '0.62501' }))), 'malformed'],
    ['a form body', () => ({ ...post('trade_id=1&status=2'), headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 'malformed'],
    ['a GET', () => ({ method: 'GET', url: '/api/v1/payments/usdt/notify?trade_id=1', headers: {}, body: Buffer.alloc(0) }), 'malformed'],
  ])('refuses a callback with %s', (_what, n, code) => {
    expect(refusal(() => gateway.verifyNotification(n()))).toBe(code);
  });

  it('GMPay: refuses another merchant\'s pid, and reports a coin other than USDT as paid in that coin', async () => {
    const gm = await startFakeUsdt({ flavor: 'gmpay', pid: '1000' });
    try {
      const g = createUsdtGateway(UsdtSettings.parse({ url: gm.baseUrl, token: gm.token, flavor: 'gmpay', pid: '1000' }), { log: silent });
      const n2 = `ord_${randomUUID().slice(0, 8)}`;
      await g.createAttempt(attemptFor(n2));
      gm.order(n2).status = 2;
      const capture = async (edit: (f: Array<[string, RawField]>) => Array<[string, RawField]>) => {
        let b = '';
        await gm.callback(n2, { edit, after: (x) => (b = x) }).catch(() => undefined);
        return post(b);
      };
      expect(refusal(() => g.verifyNotification(post('')))).toBe('malformed');
      expect(g.verifyNotification(await capture((f) => f))).toMatchObject({ paid: true, currency: 'USDT', amountMinor: gm.order(n2).usdtMinor });
      expect(refusal(() => g.verifyNotification(post(rawJson([['pid', '2000'], ['trade_id', 't'], ['signature', 'x']]).body)))).toBe('wrong_merchant');
      const other = await capture((f) => f.map(([k, v]): [string, RawField] => [k, k === 'pid' ? '2000' : v]));
      expect(refusal(() => g.verifyNotification(other))).toBe('wrong_merchant');
      const noPid = await capture((f) => f.filter(([k]) => k !== 'pid'));
      expect(refusal(() => g.verifyNotification(noPid))).toBe('wrong_merchant');
      const trx = await capture((f) => f.map(([k, v]): [string, RawField] => [k, k === 'token' ? 'TRX' : v]));
      expect(g.verifyNotification(trx)).toMatchObject({ paid: true, currency: 'TRX' });
    } finally { await gm.close(); }
  });

  it('refuses to open a payment in a currency the server cannot convert from', async () => {
    await expect(gateway.createAttempt(attemptFor('ord_usd', { currency: 'USD' }))).rejects.toThrow(/epusdt\) converts from CNY/);
  });

  it('passes on the server\'s refusal, and refuses an answer without a TRON address', async () => {
    await expect(gateway.createAttempt(attemptFor(no))).rejects.toThrow('the USDT gateway refused the payment: 支付交易已存在，请勿重复创建 (10002)');
    const wrongToken = createUsdtGateway(UsdtSettings.parse({ url: fake.baseUrl, token: 'not-the-token' }), { log: silent });
    await expect(wrongToken.createAttempt(attemptFor(`ord_${randomUUID().slice(0, 8)}`))).rejects.toThrow('签名认证错误 (401)');
    const odd = await startFakeUsdt({ address: '0x52908400098527886E0F7030069857D2E4169EE7' });
    try {
      const g = createUsdtGateway(UsdtSettings.parse({ url: odd.baseUrl, token: odd.token }), { log: silent });
      await expect(g.createAttempt(attemptFor(`ord_${randomUUID().slice(0, 8)}`))).rejects.toThrow(/no TRON wallet address/);
    } finally { await odd.close(); }
  });
});

describe.each<[string, { flavor: Flavor; signature: SignMode; ack?: 'ok' | 'success' }]>([
  ['epusdt, MD5, "ok"', { flavor: 'epusdt', signature: 'md5' }],
  ['GMPay, HMAC-SHA256, "success"', { flavor: 'gmpay', signature: 'hmac-sha256', ack: 'success' }],
])('USDT through Kami (%s)', (_name, cfg) => {
  let fake: FakeUsdt;
  let kami: Kami;
  const ack = cfg.ack ?? 'ok';

  beforeAll(async () => {
    fake = await startFakeUsdt({ flavor: cfg.flavor, signature: cfg.signature });
    kami = await startKami({
      env: {
        KAMI_PAY_USDT_URL: fake.baseUrl, KAMI_PAY_USDT_TOKEN: fake.token, KAMI_PAY_USDT_SIGNATURE: cfg.signature, KAMI_PAY_USDT_FLAVOR: cfg.flavor,
        ...(cfg.ack ? { KAMI_PAY_USDT_ACK: cfg.ack } : {}), ...(fake.pid ? { KAMI_PAY_USDT_PID: fake.pid } : {}),
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
    const res = await kami.checkout({ sku: product.sku, quantity: 1, email: `usdt-${randomUUID().slice(0, 8)}@example.com`, provider: 'usdt' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { orderId: string; accessToken: string; payment: Record<string, string> };
  }
  const statusOf = async (o: { orderId: string; accessToken: string }) => (await kami.order(o.orderId, o.accessToken)).body.status as string;

  it('opens the payment in USDT at checkout: the exact 4-decimal amount, the wallet address as the QR code, the gateway\'s page', async () => {
    const order = await placeOrder();
    const o = fake.order(order.orderId);
    expect(order.payment).toMatchObject({ provider: 'usdt', status: 'open', amount: (o.usdtMinor / 10_000).toFixed(4), currency: 'USDT', qrCode: fake.address, url: expect.stringContaining(`/pay/checkout-counter/${o.tradeId}`) });
    expect(await kami.db.paymentAttempt.findFirstOrThrow({ where: { orderId: order.orderId } }))
      .toMatchObject({ provider: 'usdt', gatewayRef: o.tradeId, gatewayAmountMinor: BigInt(o.usdtMinor), gatewayCurrency: 'USDT', amountMinor: 450n, currency: 'CNY' });
    const page = await call(kami, 'GET', `/pay/${order.orderId}?token=${encodeURIComponent(order.accessToken)}`, { headers: { accept: 'text/html' } });
    expect(page.text).toContain(`<b data-amount>${(o.usdtMinor / 10_000).toFixed(4)} USDT</b>`);
    expect(page.text).toContain('<svg');
    // the address as text too, to copy into a desktop wallet
    expect(page.text).toMatch(new RegExp(`<code data-address[^>]*>${fake.address}</code>`));
  });

  it(`takes the signed callback, answers "${ack}" and delivers; a repeated callback is answered the same and changes nothing`, async () => {
    const order = await placeOrder();
    const o = fake.order(order.orderId);
    expect(await fake.pay(order.orderId)).toEqual({ status: 200, body: ack, delivered: true });
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('delivered');
    expect(await kami.db.payment.findMany({ where: { orderId: order.orderId }, select: { provider: true, txnId: true, amountCents: true, currency: true, gatewayAmountMinor: true, gatewayCurrency: true, verifiedBy: true } }))
      .toEqual([{ provider: 'usdt', txnId: o.tradeId, amountCents: 450n, currency: 'CNY', gatewayAmountMinor: BigInt(o.usdtMinor), gatewayCurrency: 'USDT', verifiedBy: 'signature' }]);
    expect(await fake.callback(order.orderId)).toEqual({ status: 200, body: ack, delivered: true });
    expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(1);
  });

  it('never pays on the unsigned status endpoint: a "paid" there is kept as a hint for a person; the late callback then delivers', async () => {
    const order = await placeOrder();
    await fake.pay(order.orderId, { notify: false });
    // asked again and again, the same hint is kept once and pays nothing
    const asked = fake.statusRequests().length;
    await expect.poll(() => fake.statusRequests().length, { timeout: 30_000 }).toBeGreaterThan(asked + 1);
    expect(await kami.db.paymentNotification.count({ where: { orderId: order.orderId, kind: 'query', outcome: 'query:paid:hint' } })).toBe(1);
    expect(await kami.db.paymentNotification.findFirstOrThrow({ where: { orderId: order.orderId, kind: 'query' } })).toMatchObject({ verified: false });
    expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(0);
    expect(await statusOf(order)).toBe('awaiting_payment');
    expect(await fake.callback(order.orderId)).toMatchObject({ status: 200, body: ack });
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('delivered');
  });

  it('sends a short payment to a person: recorded in USDT as received, nothing delivered', async () => {
    const order = await placeOrder();
    const short = fake.order(order.orderId).usdtMinor - 100;
    await fake.pay(order.orderId, { edit: (f) => f.map(([k, v]): [string, RawField] => [k, k === 'actual_amount' ? { num: String(short / 10_000) } : v]) });
    await expect.poll(() => statusOf(order), { timeout: 90_000 }).toBe('in_review');
    expect(await kami.db.payment.findFirstOrThrow({ where: { orderId: order.orderId } })).toMatchObject({ gatewayAmountMinor: BigInt(short), gatewayCurrency: 'USDT' });
    expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'sold' } })).toBe(0);
  });

  it('answers "fail" to a forged callback and pays nothing; a "waiting" callback is acknowledged and kept', async () => {
    const order = await placeOrder();
    fake.order(order.orderId).status = 2;
    expect(await fake.callback(order.orderId, { token: 'forged-token' })).toEqual({ status: 401, body: 'fail', delivered: false });
    fake.order(order.orderId).status = 1;
    expect(await fake.callback(order.orderId)).toMatchObject({ status: 200, body: ack });
    const kept = await kami.db.paymentNotification.findMany({ where: { provider: 'usdt', kind: 'notify', orderId: order.orderId }, orderBy: { id: 'asc' } });
    expect(kept.map((n) => n.outcome)).toEqual(['not_paid']);
    expect(await kami.db.paymentNotification.count({ where: { provider: 'usdt', outcome: 'refused:invalid_signature' } })).toBeGreaterThan(0);
    expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(0);
    expect(await statusOf(order)).toBe('awaiting_payment');
  });
});
