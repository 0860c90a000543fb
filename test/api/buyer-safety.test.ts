import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
// these tests are not about timeouts: a loaded machine must not expire the order or give up its email
beforeAll(async () => { kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' } }); });
afterAll(() => kami?.stop());

/** A guide a careless (or hostile) merchant might write: raw HTML, script links, data URLs and code. */
const GUIDE = [
  'Open [the store](https://store.example.com/redeem?a=1&b=2) or [mail us](mailto:help@example.com).',
  '',
  'Do not click [this](javascript:alert(1)) or [that](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) or <javascript:alert(2)>.',
  '',
  '![logo](data:image/svg+xml;base64,PHN2Zy8+) <img src=x onerror=alert(3)> <b>bold?</b>',
  '',
  '<script>alert(4)</script>',
  '',
  'Type `<b>` in the box, then:',
  '',
  '```',
  'redeem --code "<KEY>" && echo <b>done</b>',
  '```',
].join('\n');

/** Checks one rendering of GUIDE, wherever it was delivered. */
function expectSafeGuide(html: string) {
  // allowed links stay links
  expect(html).toContain('<a href="https://store.example.com/redeem?a=1&#38;b=2">the store</a>');
  expect(html).toContain('<a href="mailto:help@example.com">mail us</a>');
  // others are plain text: no href, src or markup the merchant typed survives as markup
  expect(html).not.toMatch(/href="\s*(javascript|data):/i);
  expect(html).not.toMatch(/src="\s*(javascript|data|x)/i);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<b>/);
  expect(html).toContain('Do not click this or that or javascript:alert(2).');
  // raw HTML is shown as the characters typed (escaped once, so a browser displays "<b>bold?</b>")
  expect(html).toContain('&#60;b&#62;bold?&#60;/b&#62;');
  expect(html).toContain('&#60;script&#62;alert(4)&#60;/script&#62;');
  // code: escaped exactly once (never "&amp;lt;" or "&amp;#60;")
  expect(html).toMatch(/<code>(&lt;|&#60;)b(&gt;|&#62;)<\/code>/);
  expect(html).toMatch(/redeem --code (&quot;|&#34;)(&lt;|&#60;)KEY(&gt;|&#62;)(&quot;|&#34;) (&amp;|&#38;){2} echo (&lt;|&#60;)b(&gt;|&#62;)done/);
  expect(html).not.toMatch(/&amp;(#\d+|lt|gt|quot|amp);/);
}

describe('a delivered order', () => {
  let product: Awaited<ReturnType<Kami['product']>>;
  let order: { orderId: string; accessToken: string };
  beforeAll(async () => {
    product = await kami.product(2);
    await kami.db.product.update({ where: { id: product.id }, data: { guide: GUIDE } });
    const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: `safe-${randomUUID().slice(0, 8)}@example.com` });
    expect(placed.status).toBe(201);
    order = placed.body;
    expect((await kami.pay(order.orderId, order.accessToken)).status).toBe(200);
    // (expect.poll works only inside a test) the order API waits for the keys by itself
    const deadline = Date.now() + 90_000;
    let status = '';
    while (status !== 'delivered' && Date.now() < deadline) {
      status = (await call(kami, 'GET', `/api/v1/orders/${order.orderId}?wait=10`, { headers: { authorization: `Bearer ${order.accessToken}` } })).body.status;
      if (status === 'delivering') await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('delivered');
  }, 120_000);

  it('emails the guide with only http(s)/mailto links, raw HTML escaped and code escaped once', async () => {
    const mail = await kami.mail.waitFor((m) => m.subject.includes(order.orderId));
    expectSafeGuide(mail.html);
  });

  it('shows the same safe guide on the order page', async () => {
    const page = await call(kami, 'GET', `/orders/${order.orderId}?token=${encodeURIComponent(order.accessToken)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-status="delivered"');
    expectSafeGuide(page.text);
  });

  it('answers Cache-Control: no-store wherever the keys are shown to the buyer', async () => {
    const api = await call(kami, 'GET', `/api/v1/orders/${order.orderId}`, { headers: { authorization: `Bearer ${order.accessToken}` } });
    expect(api.body.keys).toHaveLength(1);
    expect(api.headers.get('cache-control')).toBe('no-store');
    const waited = await call(kami, 'GET', `/api/v1/orders/${order.orderId}?wait=1`, { headers: { authorization: `Bearer ${order.accessToken}` } });
    expect(waited.body.keys).toHaveLength(1);
    expect(waited.headers.get('cache-control')).toBe('no-store');
    const page = await call(kami, 'GET', `/orders/${order.orderId}?token=${encodeURIComponent(order.accessToken)}`);
    expect(page.text).toContain(api.body.keys[0]);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});
