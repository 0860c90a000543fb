import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderCreated, OrderOut, ProductOut } from '../../api/checkout/schemas.js';
import { newOrderId } from '../../infra/ids.js';
import { call, expectError, stockState, type HttpAnswer } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
// Long hold and email give-up: these tests are not about timeouts, and a loaded machine must not
// expire an order or give up on its email mid-test (a lost activity task is retried after 1m).
const SLOW_SAFE = { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' };
beforeAll(async () => { kami = await startKami({ env: SLOW_SAFE }); });
afterAll(() => kami?.stop());

const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const listed = async (k: Kami, sku: string) => {
  const res = await call(k, 'GET', '/api/v1/products');
  expect(res.status).toBe(200);
  return (res.body.data as any[]).find((p) => p.sku === sku);
};

/** Runs `fn` and asserts it left no order for `email` and no change to the product's stock. */
async function expectNothingChanged(product: { id: string }, email: string, fn: () => Promise<void>) {
  const before = await stockState(kami, product.id);
  await fn();
  expect(await stockState(kami, product.id)).toEqual(before);
  expect(await kami.db.order.count({ where: { email } })).toBe(0);
}

describe('GET /api/v1/products', () => {
  it('lists each product with its price and available stock', async () => {
    const product = await kami.product(4, { priceCents: 1250, currency: 'EUR', name: `Gift card ${randomUUID().slice(0, 6)}` });
    const item = await listed(kami, product.sku);
    expect(item).toMatchObject({
      id: product.id, sku: product.sku, name: product.name, price: '12.50', priceCents: 1250, currency: 'EUR', available: 4,
    });
    expect(() => ProductOut.parse(item)).not.toThrow();

    const res = await kami.checkout({ sku: product.sku, quantity: 3, email: uniqueEmail('list') });
    expect(res.status).toBe(201);
    expect((await listed(kami, product.sku)).available).toBe(1);
  });

  it('gives held stock back once the payment hold expires', { timeout: 120_000 }, async () => {
    const local = await startKami({ env: { KAMI_PAYMENT_HOLD: '3s' } });
    try {
      const product = await local.product(3);
      expect((await listed(local, product.sku)).available).toBe(3);
      const res = await local.checkout({ sku: product.sku, quantity: 2, email: uniqueEmail('hold') });
      expect(res.status).toBe(201);
      expect((await listed(local, product.sku)).available).toBe(1);
      await expect.poll(async () => (await listed(local, product.sku)).available, { timeout: 60_000 }).toBe(3);
      expect((await local.order(res.body.orderId, res.body.accessToken)).body.status).toBe('expired');
    } finally {
      await local.stop();
    }
  });
});

describe('POST /api/v1/orders', () => {
  it('creates an order that awaits payment and holds its stock', async () => {
    const product = await kami.product(3, { priceCents: 799 });
    const res = await kami.checkout({ sku: product.sku, quantity: 2, email: uniqueEmail('create') });
    expect(res.status).toBe(201);
    const body = OrderCreated.parse(res.body);
    expect(body).toMatchObject({ status: 'awaiting_payment', amountDue: '15.98', amountDueCents: 1598, currency: 'USD' });
    expect(body.orderId).toMatch(/^ord_[0-9A-Z]{22}$/);
    expect(body.accessToken.length).toBeGreaterThanOrEqual(32);
    const payUrl = new URL(body.paymentUrl);
    expect(payUrl.pathname).toBe(`/sandbox/pay/${body.orderId}`);
    expect(payUrl.searchParams.get('token')).toBe(body.accessToken);
    expect(await kami.db.order.findUnique({ where: { id: body.orderId } })).toMatchObject({ status: 'awaiting_payment', quantity: 2, amountCents: 1598n });
    expect(await stockState(kami, product.id)).toEqual({ orders: 1, available: 1, reserved: 2, sold: 0 });
  });

  it('answers 400 invalid_request for bad fields and changes nothing', async () => {
    const product = await kami.product(2);
    const email = uniqueEmail('bad');
    const cases: Array<[string, unknown]> = [
      ['empty body', {}],
      ['missing sku', { quantity: 1, email }],
      ['missing quantity', { sku: product.sku, email }],
      ['missing email', { sku: product.sku, quantity: 1 }],
      ['empty sku', { sku: '', quantity: 1, email }],
      ['sku not a string', { sku: 42, quantity: 1, email }],
      ['quantity 0', { sku: product.sku, quantity: 0, email }],
      ['negative quantity', { sku: product.sku, quantity: -1, email }],
      ['fractional quantity', { sku: product.sku, quantity: 1.5, email }],
      ['quantity as text', { sku: product.sku, quantity: '1', email }],
      ['bad email', { sku: product.sku, quantity: 1, email: 'not-an-email' }],
      ['unknown extra field', { sku: product.sku, quantity: 1, email, price: 1 }],
      ['a JSON array', [{ sku: product.sku, quantity: 1, email }]],
      ['over the per-order maximum', { sku: product.sku, quantity: 101, email }],
    ];
    for (const [what, body] of cases) {
      await expectNothingChanged(product, email, async () => {
        const res = await call(kami, 'POST', '/api/v1/orders', { body });
        expectError(res, 400, 'invalid_request', what);
        expect(res.body.error, what).toHaveProperty('details');
      });
    }
    // the field that was wrong is named
    const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 0, email } });
    expect(Object.keys(res.body.error.details)).toEqual(['quantity']);
  });

  it('answers 400 invalid_request for a bad Idempotency-Key header', async () => {
    const product = await kami.product(2);
    const email = uniqueEmail('idem-bad');
    for (const key of ['has spaces', 'x'.repeat(129), 'semi;colon']) {
      await expectNothingChanged(product, email, async () => {
        const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email }, headers: { 'Idempotency-Key': key } });
        expectError(res, 400, 'invalid_request', `Idempotency-Key ${key}`);
      });
    }
  });

  it('answers 400 invalid_json for malformed JSON', async () => {
    const product = await kami.product(1);
    const email = uniqueEmail('json');
    await expectNothingChanged(product, email, async () => {
      const res = await call(kami, 'POST', '/api/v1/orders', { raw: `{"sku":"${product.sku}","quantity":1,"email":"${email}"` });
      expectError(res, 400, 'invalid_json');
    });
  });

  it('answers 404 product_not_found for an unknown sku', async () => {
    const product = await kami.product(1);
    const email = uniqueEmail('nosku');
    await expectNothingChanged(product, email, async () => {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: `NOPE-${randomUUID()}`, quantity: 1, email } });
      expectError(res, 404, 'product_not_found');
    });
  });

  it('answers 409 out_of_stock with the available count when asked for more than is in stock', async () => {
    const product = await kami.product(3);
    const email = uniqueEmail('oos');
    await expectNothingChanged(product, email, async () => {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 4, email } });
      expectError(res, 409, 'out_of_stock');
      expect(res.body.error.details).toEqual({ available: 3 });
      expect(res.body.error.message).toContain(product.sku);
    });
  });

  it('returns the same order for a retried Idempotency-Key and 409 idempotency_key_reused for another body', async () => {
    const product = await kami.product(3);
    const key = `idem-${randomUUID()}`;
    const email = uniqueEmail('idem');
    const first = await kami.checkout({ sku: product.sku, quantity: 1, email }, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const again = await kami.checkout({ sku: product.sku, quantity: 1, email }, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ orderId: first.body.orderId, accessToken: first.body.accessToken });
    expect(await stockState(kami, product.id)).toEqual({ orders: 1, available: 2, reserved: 1, sold: 0 });

    const before = await stockState(kami, product.id);
    const reused = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 2, email }, headers: { 'Idempotency-Key': key } });
    expectError(reused, 409, 'idempotency_key_reused');
    expect(await stockState(kami, product.id)).toEqual(before);
    expect(await kami.db.order.count({ where: { email } })).toBe(1);
  });

  it('answers 413 payload_too_large for a body over 16kb', async () => {
    const product = await kami.product(1);
    const email = uniqueEmail('big');
    await expectNothingChanged(product, email, async () => {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email, pad: 'x'.repeat(17 * 1024) } });
      expectError(res, 413, 'payload_too_large');
    });
  });

  it('answers 429 rate_limited past the per-address checkout limit', async () => {
    const local = await startKami({ env: { ...SLOW_SAFE, KAMI_CHECKOUT_RATE_LIMIT: '3' } });
    try {
      const product = await local.product(10);
      for (let i = 0; i < 3; i++) expect((await local.checkout({ sku: product.sku, quantity: 1, email: uniqueEmail('rl') })).status).toBe(201);
      const before = await stockState(local, product.id);
      const email = uniqueEmail('rl-over');
      const res = await call(local, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email } });
      expectError(res, 429, 'rate_limited');
      expect(await stockState(local, product.id)).toEqual(before);
      expect(before).toEqual({ orders: 3, available: 7, reserved: 3, sold: 0 });
      expect(await local.db.order.count({ where: { email } })).toBe(0);
      // the product listing is not a checkout and is not limited
      expect((await call(local, 'GET', '/api/v1/products')).status).toBe(200);
    } finally {
      await local.stop();
    }
  });

  it('answers 404 route_not_found for an unknown route', async () => {
    expectError(await call(kami, 'GET', '/api/v1/nothing-here'), 404, 'route_not_found');
    expectError(await call(kami, 'DELETE', '/api/v1/products'), 404, 'route_not_found');
  });
});

describe('GET /api/v1/orders/:orderId', () => {
  let product: Awaited<ReturnType<Kami['product']>>;
  let order: { orderId: string; accessToken: string };
  let other: { orderId: string; accessToken: string };
  beforeAll(async () => {
    product = await kami.product(3);
    order = (await kami.checkout({ sku: product.sku, quantity: 2, email: uniqueEmail('read') })).body;
    other = (await kami.checkout({ sku: product.sku, quantity: 1, email: uniqueEmail('read-other') })).body;
  });
  const get = (id: string, headers: Record<string, string> = {}) => call(kami, 'GET', `/api/v1/orders/${id}`, { headers });

  it('answers 401 missing_token without a bearer token', async () => {
    expectError(await get(order.orderId), 401, 'missing_token');
    expectError(await get(order.orderId, { authorization: `Basic ${order.accessToken}` }), 401, 'missing_token');
  });

  it("answers 403 invalid_token for another order's token", async () => {
    const res = await get(order.orderId, { authorization: `Bearer ${other.accessToken}` });
    expectError(res, 403, 'invalid_token');
    expect(res.text).not.toContain(order.accessToken);
  });

  it('answers 400 invalid_encoding for a body that is not what its Content-Encoding says', async () => {
    const product = await kami.product(1);
    const email = uniqueEmail('gzip');
    await expectNothingChanged(product, email, async () => {
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const res = await call(kami, 'POST', '/api/v1/orders', { raw: JSON.stringify({ sku: product.sku, quantity: 1, email }), headers: { 'content-encoding': encoding } });
        expectError(res, 400, 'invalid_encoding');
      }
    });
  });

  it('answers 400 for a malformed order id', async () => {
    const res = await get('not-an-order', { authorization: `Bearer ${order.accessToken}` });
    expectError(res, 400, 'invalid_request');
    expectError(await get("ord_' OR 1=1 --", { authorization: `Bearer ${order.accessToken}` }), 400, 'invalid_request');
  });

  it('answers 404 order_not_found for a well-formed id that matches no order', async () => {
    const id = newOrderId();
    expectError(await get(id, { authorization: `Bearer ${kami.vault.orderAccessToken(id)}` }), 404, 'order_not_found');
  });

  it('shows no keys before payment and the delivered keys after', { timeout: 120_000 }, async () => {
    const before: HttpAnswer = await get(order.orderId, { authorization: `Bearer ${order.accessToken}` });
    expect(before.status).toBe(200);
    expect(OrderOut.parse(before.body)).toMatchObject({ orderId: order.orderId, status: 'awaiting_payment', keys: [], guide: '', paidAt: null });
    for (const secret of product.secrets) expect(before.text).not.toContain(secret);

    expect((await kami.pay(order.orderId, order.accessToken)).status).toBe(200);
    await expect.poll(async () => (await kami.order(order.orderId, order.accessToken)).body.status, { timeout: 90_000 }).toBe('delivered');
    const after = await get(order.orderId, { authorization: `Bearer ${order.accessToken}` });
    const view = OrderOut.parse(after.body);
    expect(view.keys).toHaveLength(2);
    expect(new Set(view.keys).size).toBe(2);
    for (const k of view.keys) expect(product.secrets).toContain(k);
    expect(view.paidAt).not.toBeNull();
    expect(view.email).toEqual({ status: 'sent', attempts: 1 });
    // the other order (unpaid) still shows nothing and keeps its own held key
    const otherView = await kami.order(other.orderId, other.accessToken);
    expect(otherView.body).toMatchObject({ status: 'awaiting_payment', keys: [] });
  });
});

describe('health and documentation', () => {
  it('GET /healthz answers 200', async () => {
    const res = await call(kami, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with PostgreSQL and Temporal ok', async () => {
    const res = await call(kami, 'GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('GET /openapi.json documents the three v1 checkout paths', async () => {
    const res = await call(kami, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const { paths } = res.body;
    expect(paths['/api/v1/products']).toHaveProperty('get');
    expect(paths['/api/v1/orders']).toHaveProperty('post');
    expect(paths['/api/v1/orders/{orderId}']).toHaveProperty('get');
    expect(Object.keys(paths['/api/v1/orders'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '409', '413', '429']));
    expect(Object.keys(paths['/api/v1/orders/{orderId}'].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
  });
});
