import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectError, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

/**
 * The buyer's side without a browser: the storefront's pages and plain form posts, the query password,
 * order lookup (and its brute-force limits), "send my keys again", feedback, and the invalid-key
 * report from the order page, all against a real Kami (PostgreSQL, Temporal, SMTP).
 */
let kami: Kami;
const SLOW_SAFE = { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' };
beforeAll(async () => { kami = await startKami({ env: SLOW_SAFE }); });
afterAll(() => kami?.stop());

const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** A form post as a browser sends it, from `ip` (tests speak for many buyers through X-Forwarded-For). */
const post = (k: Kami, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  call(k, 'POST', path, { raw: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers }, redirect: 'manual' });

/** Places and pays an order through the API and waits until it is delivered. */
async function deliveredOrder(k: Kami, product: { sku: string }, body: Record<string, unknown> = {}) {
  const placed = await k.checkout({ sku: product.sku, quantity: 1, email: uniqueEmail('buyer'), ...body });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  expect((await k.pay(placed.body.orderId, placed.body.accessToken)).status).toBe(200);
  await expect.poll(async () => (await k.order(placed.body.orderId, placed.body.accessToken)).body.status, { timeout: 60_000 }).toBe('delivered');
  return placed.body as { orderId: string; accessToken: string } & Record<string, any>;
}

describe('the storefront pages', () => {
  it('lists products with stock and limits, escapes what merchants type, and speaks the buyer\'s language', async () => {
    const product = await kami.product(3, { name: `Card <script>alert(1)</script> ${randomUUID().slice(0, 6)}`, rules: { purchaseLimit: 2, purchaseLimitWindow: '24h' } });
    const en = await call(kami, 'GET', '/', { headers: { accept: 'text/html', 'accept-language': 'en-US,en;q=0.9' } });
    expect(en.status).toBe(200);
    expect(en.text).toContain('<html lang="en">');
    const card = en.text.slice(en.text.indexOf(`data-sku="${product.sku}"`));
    expect(card.slice(0, card.indexOf('</li>'))).toMatch(/In stock: 3[\s\S]*Limit 2 per buyer per 24 hours/);
    expect(en.text).not.toContain('<script>alert(1)</script>');
    expect(en.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');

    const zh = await call(kami, 'GET', '/', { headers: { accept: 'text/html', 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toContain('库存 3');

    // ?lang= wins over the browser's language and is remembered in a cookie
    const chosen = await call(kami, 'GET', `/p/${product.sku}?lang=zh-CN`, { headers: { accept: 'text/html', 'accept-language': 'en' } });
    expect(chosen.text).toContain('<html lang="zh-CN">');
    const cookie = chosen.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^kami_lang=zh-CN;.*HttpOnly/i);
    const again = await call(kami, 'GET', `/p/${product.sku}`, { headers: { accept: 'text/html', 'accept-language': 'en', cookie: cookie.split(';')[0]! } });
    expect(again.text).toContain('<html lang="zh-CN">');
    expect(again.text).toContain('使用说明');
    expect(again.text).toContain('<strong>anywhere</strong>'); // the usage guide, rendered as safe Markdown

    const missing = await call(kami, 'GET', '/p/NO-SUCH-SKU', { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('This product is not on sale.');
  });

  it('takes an order by a plain form post and sends the buyer to the payment page; a bad field re-draws the form and changes nothing', async () => {
    const product = await kami.product(2);
    const email = uniqueEmail('form');
    const before = await stockState(kami, product.id);
    const bad = await post(kami, `/p/${product.sku}`, { quantity: '1', email: 'not-an-email', queryPassword: '123', idempotencyKey: randomUUID() }, { 'accept-language': 'zh-CN' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('请输入有效的邮箱地址。');
    expect(bad.text).toContain('请使用 6 至 64 个字符。');
    expect(bad.text).toMatch(/id="f-email"[^>]*aria-invalid="true"/);
    expect(bad.text).not.toContain('value="123"'); // a password is never written back into the page
    expect(await stockState(kami, product.id)).toEqual(before);

    const tooMany = await post(kami, `/p/${product.sku}`, { quantity: '5', email, idempotencyKey: randomUUID() });
    expect(tooMany.status).toBe(409);
    expect(tooMany.text).toContain('Only 2 left in stock; order fewer.');
    expect(await stockState(kami, product.id)).toEqual(before);

    const key = randomUUID();
    const placed = await post(kami, `/p/${product.sku}`, { quantity: '1', email, queryPassword: 'correct horse', idempotencyKey: key });
    expect(placed.status).toBe(303);
    const location = new URL(placed.headers.get('location')!, kami.baseUrl);
    expect(location.pathname).toMatch(/^\/pay\/ord_[0-9A-Z]{22}$/);
    // the same form posted twice (a double click) places one order
    const twice = await post(kami, `/p/${product.sku}`, { quantity: '1', email, queryPassword: 'correct horse', idempotencyKey: key });
    expect(twice.headers.get('location')).toBe(placed.headers.get('location'));
    const orders = await kami.db.order.findMany({ where: { email } });
    expect(orders).toHaveLength(1);
    // the query password is kept only as an argon2id hash
    expect(orders[0]!.lookupSecret).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(orders[0], (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('correct horse');

    const pay = await call(kami, 'GET', `${location.pathname}${location.search}`, { headers: { accept: 'text/html' } });
    expect(pay.status).toBe(200);
    expect(pay.text).toContain('Pay 5.00 USD');
    expect(pay.text).toContain('Continue to the sandbox payment');
  });

  it('refuses a query password that is too short through the API, with nothing placed', async () => {
    const product = await kami.product(1);
    const email = uniqueEmail('short');
    const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email, queryPassword: '12345' } });
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.details).toEqual({ queryPassword: 'at least 6 characters' });
    expect(await kami.db.order.count({ where: { email } })).toBe(0);
  });
});

describe('finding an order again', () => {
  it('by order number and email, or by email and query password: only orders the buyer proved, of the last 90 days', { timeout: 180_000 }, async () => {
    const product = await kami.product(6);
    const email = uniqueEmail('Finder');
    const a = await kami.checkout({ sku: product.sku, quantity: 1, email, queryPassword: 'open sesame 1' });
    const b = await kami.checkout({ sku: product.sku, quantity: 1, email, queryPassword: 'another secret' });
    const c = await kami.checkout({ sku: product.sku, quantity: 1, email });
    const old = await kami.checkout({ sku: product.sku, quantity: 1, email, queryPassword: 'open sesame 1' });
    for (const o of [a, b, c, old]) expect(o.status).toBe(201);
    await kami.db.order.update({ where: { id: old.body.orderId }, data: { createdAt: new Date(Date.now() - 91 * 24 * 3600_000) } });

    const byOrder = await call(kami, 'POST', '/api/v1/lookup', { body: { email: email.toUpperCase(), orderId: c.body.orderId } });
    expect(byOrder.status).toBe(200);
    expect(byOrder.body.orders.map((o: any) => o.orderId)).toEqual([c.body.orderId]);
    const token = byOrder.body.orders[0].accessToken;
    expect((await kami.order(c.body.orderId, token)).status).toBe(200);

    const byPassword = await call(kami, 'POST', '/api/v1/lookup', { body: { email, password: 'open sesame 1' } });
    expect(byPassword.status).toBe(200);
    expect(byPassword.body.orders.map((o: any) => o.orderId)).toEqual([a.body.orderId]);
    expect(byPassword.body.orders[0]).toMatchObject({ status: 'awaiting_payment', sku: product.sku, quantity: 1, amountDue: '5.00', currency: 'USD' });
    expect(byPassword.body.orders[0].orderUrl).toContain(`/orders/${a.body.orderId}?token=`);

    expectError(await call(kami, 'POST', '/api/v1/lookup', { body: { email, password: 'open sesame 2' } }), 404, 'no_matching_orders');
    expectError(await call(kami, 'POST', '/api/v1/lookup', { body: { email: uniqueEmail('other'), orderId: c.body.orderId } }), 404, 'no_matching_orders');
    expectError(await call(kami, 'POST', '/api/v1/lookup', { body: { email, orderId: old.body.orderId } }), 404, 'no_matching_orders');
    const neither = await call(kami, 'POST', '/api/v1/lookup', { body: { email } });
    expectError(neither, 400, 'invalid_request');
    expect(neither.body.error.details.orderId).toMatch(/order number or the query password/);

    // the storefront's form finds the same, with links that open each order
    const page = await post(kami, '/lookup', { by: 'password', email, password: 'another secret' });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-order="${b.body.orderId}"`);
    expect(page.text).not.toContain(a.body.orderId);
    const link = /href="(\/orders\/ord_[^"]+)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const opened = await call(kami, 'GET', link, { headers: { accept: 'text/html' } });
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('data-status="awaiting_payment"');
  });

  it('refuses brute force: failed lookups are limited per email from any address, and per address across emails', { timeout: 120_000 }, async () => {
    const local = await startKami({ env: { ...SLOW_SAFE, KAMI_LOOKUP_EMAIL_RATE_LIMIT: '3', KAMI_LOOKUP_RATE_LIMIT: '4' } });
    try {
      const product = await local.product(2);
      const email = uniqueEmail('victim');
      const order = await local.checkout({ sku: product.sku, quantity: 1, email, queryPassword: 'the real one' });
      expect(order.status).toBe(201);
      const guess = (password: string, ip: string) =>
        call(local, 'POST', '/api/v1/lookup', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

      // three wrong guesses from three addresses use up this email's budget ...
      for (const [i, ip] of ['198.51.100.1', '198.51.100.2', '198.51.100.3'].entries()) {
        expectError(await guess(`wrong guess ${i}`, ip), 404, 'no_matching_orders');
      }
      // ... so a fourth address is refused, even with the right password, and nothing is looked up
      const refused = await guess('the real one', '198.51.100.4');
      expectError(refused, 429, 'rate_limited');
      expect(refused.body.error.message).toMatch(/for this email; wait 15 minutes/);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      // the storefront's form draws from the same budget, and says so in the buyer's language
      const page = await post(local, '/lookup', { by: 'password', email, password: 'the real one' }, { 'x-forwarded-for': '198.51.100.5', 'accept-language': 'zh-CN' });
      expect(page.status).toBe(429);
      expect(page.text).toContain('尝试次数过多，请稍后再试。');

      // one address guessing across many emails is stopped too
      const sprayer = '203.0.113.9';
      for (let i = 0; i < 4; i++) {
        expectError(await call(local, 'POST', '/api/v1/lookup', { body: { email: uniqueEmail('spray'), password: 'x' }, headers: { 'x-forwarded-for': sprayer } }), 404, 'no_matching_orders');
      }
      expectError(await call(local, 'POST', '/api/v1/lookup', { body: { email: uniqueEmail('spray'), password: 'x' }, headers: { 'x-forwarded-for': sprayer } }), 429, 'rate_limited');

      // a lookup that finds orders does not count: another buyer looks up their own order as often as they like
      const honest = uniqueEmail('honest');
      const mine = await local.checkout({ sku: product.sku, quantity: 1, email: honest });
      for (let i = 0; i < 6; i++) {
        const found = await call(local, 'POST', '/api/v1/lookup', { body: { email: honest, orderId: mine.body.orderId }, headers: { 'x-forwarded-for': '192.0.2.77' } });
        expect(found.status).toBe(200);
      }
    } finally {
      await local.stop();
    }
  });
});

describe('after delivery', () => {
  it('sends the keys again on the buyer\'s request, limited per order', { timeout: 180_000 }, async () => {
    const local = await startKami({ env: { ...SLOW_SAFE, KAMI_RESEND_RATE_LIMIT: '1' } });
    try {
      const product = await local.product(2);
      const order = await deliveredOrder(local, product);
      const first = await local.mail.waitFor((m) => m.subject.includes(order.orderId), 30_000);
      expect(first.text).toContain(`/orders/${order.orderId}?token=`);
      expect(first.text).toContain('#feedback'); // the delivery email invites a rating

      // a wrong token is refused and does not use up the order's resends
      expectError(await call(local, 'POST', `/api/v1/orders/${order.orderId}/resend`, { headers: { authorization: 'Bearer nope' } }), 403, 'invalid_token');
      const resent = await call(local, 'POST', `/api/v1/orders/${order.orderId}/resend`, { headers: { authorization: `Bearer ${order.accessToken}` } });
      expect(resent.status, resent.text).toBe(202);
      expect(resent.body).toMatchObject({ orderId: order.orderId, channel: 'resend-1' });
      await expect.poll(() => local.mail.messages.filter((m) => m.subject.includes(order.orderId)).length, { timeout: 60_000 }).toBe(2);

      // the order page's button draws from the same per-order budget
      const again = await post(local, `/orders/${order.orderId}/resend?token=${encodeURIComponent(order.accessToken)}`, {});
      expect(again.status).toBe(429);
      expect(again.text).toContain('Too many attempts.');
      expect(local.mail.messages.filter((m) => m.subject.includes(order.orderId))).toHaveLength(2);
    } finally {
      await local.stop();
    }
  });

  it('takes a rating and comment once delivered, shows it escaped, lets it change for a while and then not', { timeout: 180_000 }, async () => {
    const product = await kami.product(3);
    const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: uniqueEmail('rater') });
    const bearer = { authorization: `Bearer ${placed.body.accessToken}` };
    expectError(await call(kami, 'PUT', `/api/v1/orders/${placed.body.orderId}/feedback`, { body: { rating: 5 }, headers: bearer }), 409, 'order_not_delivered');

    const order = await deliveredOrder(kami, product);
    const path = `/api/v1/orders/${order.orderId}/feedback`;
    const auth = { authorization: `Bearer ${order.accessToken}` };
    for (const rating of [0, 6, 2.5, '5']) {
      expectError(await call(kami, 'PUT', path, { body: { rating }, headers: auth }), 400, 'invalid_request', `rating ${rating}`);
    }
    expectError(await call(kami, 'PUT', path, { body: { rating: 4, comment: 'x'.repeat(1001) }, headers: auth }), 400, 'invalid_request');
    expectError(await call(kami, 'PUT', path, { body: { rating: 4 } }), 401, 'missing_token');
    expect(await kami.db.orderFeedback.count({ where: { orderId: order.orderId } })).toBe(0);

    const left = await call(kami, 'PUT', path, { body: { rating: 2, comment: '<img src=x onerror=alert(1)> slow' }, headers: auth });
    expect(left.status, left.text).toBe(200);
    expect(left.body).toMatchObject({ orderId: order.orderId, rating: 2, comment: '<img src=x onerror=alert(1)> slow' });
    const changed = await call(kami, 'PUT', path, { body: { rating: 4, comment: '<img src=x onerror=alert(1)> fine after all' }, headers: auth });
    expect(changed.body).toMatchObject({ rating: 4, createdAt: left.body.createdAt });
    expect((await kami.order(order.orderId, order.accessToken)).body.feedback).toMatchObject({ rating: 4, comment: '<img src=x onerror=alert(1)> fine after all' });

    const page = await call(kami, 'GET', `/orders/${order.orderId}?token=${encodeURIComponent(order.accessToken)}`, { headers: { accept: 'text/html' } });
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&#60;img src=x onerror=alert(1)&#62; fine after all');
    expect(page.text).toMatch(/<input type="radio" name="rating" value="4" required checked>/);

    // past the edit window the feedback stands as it is
    await kami.db.orderFeedback.update({ where: { orderId: order.orderId }, data: { createdAt: new Date(Date.now() - 8 * 24 * 3600_000) } });
    expectError(await call(kami, 'PUT', path, { body: { rating: 1 }, headers: auth }), 409, 'feedback_closed');
    expect((await kami.db.orderFeedback.findUniqueOrThrow({ where: { orderId: order.orderId } })).rating).toBe(4);
    const closed = await call(kami, 'GET', `/orders/${order.orderId}?token=${encodeURIComponent(order.accessToken)}`, { headers: { accept: 'text/html' } });
    expect(closed.text).not.toContain('name="rating"');
    expect(closed.text).toContain('4 of 5');
  });

  it('the order page\'s forms: feedback by form post, and "a key did not work" opening the invalid-key report against its batch', { timeout: 180_000 }, async () => {
    const product = await kami.product(2);
    const order = await deliveredOrder(kami, product);
    const token = encodeURIComponent(order.accessToken);
    const bad = await post(kami, `/orders/${order.orderId}/feedback?token=${token}`, { comment: 'no stars' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Choose a rating from 1 to 5.');
    expect(bad.text).toContain('no stars'); // what the buyer typed is kept
    const rated = await post(kami, `/orders/${order.orderId}/feedback?token=${token}`, { rating: '5', comment: 'instant' });
    expect(rated.status).toBe(303);
    expect(rated.headers.get('location')).toBe(`/orders/${order.orderId}?token=${token}&done=feedback#feedback`);
    expect(await kami.db.orderFeedback.findUniqueOrThrow({ where: { orderId: order.orderId } })).toMatchObject({ rating: 5, comment: 'instant', productId: product.id });

    const key = (await kami.order(order.orderId, order.accessToken)).body.keys[0];
    // the order's run may still be closing as it reads delivered (the page says the order is busy until then)
    await expect.poll(async () => (await post(kami, `/orders/${order.orderId}/report?token=${token}`, { key, reason: 'already redeemed' })).status, { timeout: 30_000 }).toBe(303);
    const sold = await kami.db.cardKey.findFirstOrThrow({ where: { orderId: order.orderId } });
    expect(await kami.db.keyReport.findMany({ where: { orderId: order.orderId }, select: { cardKeyId: true, batchId: true, productId: true, reason: true } }))
      .toEqual([{ cardKeyId: sold.id, batchId: sold.batchId, productId: product.id, reason: 'already redeemed' }]);
    await expect.poll(async () => (await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId } })).status, { timeout: 30_000 }).toBe('in_review');
    const forged = await post(kami, `/orders/${order.orderId}/report?token=wrong`, { key, reason: 'again' });
    expect(forged.status).toBe(403);
  });
});
