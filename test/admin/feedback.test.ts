import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importKeys } from '../../infra/key-import.js';
import { adminCall, listQuery, loginAs, type AdminSession } from '../helpers/admin.js';
import { call, expectError } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

/**
 * The panel's view of what buyers said: ratings and invalid-key reports per product and per key batch,
 * the dashboard's flag on a batch whose report rate jumped, and the storefront's settings (texts and
 * a logo whose type and size are read from its bytes).
 */
let kami: Kami;
let owner: AdminSession;
let viewer: AdminSession;
beforeAll(async () => {
  // a database of its own: this file sets the shop's one logo and settings, which the storefront's browser test sets too
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' }, freshDatabase: 'feedback' });
  [owner, viewer] = await Promise.all([loginAs(kami, 'owner'), loginAs(kami, 'viewer')]);
});
afterAll(() => kami?.stop());

async function deliveredOrder(sku: string) {
  const placed = await kami.checkout({ sku, quantity: 1, email: `fb-${randomUUID().slice(0, 8)}@example.com` });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  await kami.pay(placed.body.orderId, placed.body.accessToken);
  await expect.poll(async () => (await kami.order(placed.body.orderId, placed.body.accessToken)).body.status, { timeout: 60_000 }).toBe('delivered');
  const keys = (await kami.order(placed.body.orderId, placed.body.accessToken)).body.keys as string[];
  return { orderId: placed.body.orderId as string, token: placed.body.accessToken as string, key: keys[0]! };
}

describe('feedback in the panel', () => {
  it('shows ratings, comments and report rates per product and per batch, and flags the batch whose rate jumped', { timeout: 240_000 }, async () => {
    const product = await kami.product(4, { name: `Feedback card ${randomUUID().slice(0, 6)}` });
    const [batchA] = await kami.db.keyBatch.findMany({ where: { productId: product.id } });
    const later = await importKeys(kami.db, kami.vault, product.id, Array.from({ length: 6 }, (_, i) => `LATER-${product.sku}-${i}-${randomUUID().slice(0, 6)}`), 'second import');
    expect(later.imported).toBe(6);
    const batchB = (await kami.db.keyBatch.findMany({ where: { productId: product.id }, orderBy: { id: 'desc' } }))[0]!;

    // keys are claimed in id order: the first four orders get batch A's keys, the next two batch B's
    const fromA = [];
    for (let i = 0; i < 4; i++) fromA.push(await deliveredOrder(product.sku));
    const fromB = [await deliveredOrder(product.sku), await deliveredOrder(product.sku)];
    expect(new Set((await kami.db.cardKey.findMany({ where: { orderId: { in: fromA.map((o) => o.orderId) } } })).map((k) => k.batchId))).toEqual(new Set([batchA!.id]));

    // three buyers of batch A report their key; two buyers rate their orders
    for (const o of fromA.slice(0, 3)) {
      // the order's run may still be closing as it reads delivered (409 order_busy until then, changing nothing)
      await expect.poll(async () => (await call(kami, 'POST', `/api/v1/orders/${o.orderId}/reports`,
        { body: { key: o.key, reason: 'code already used' }, headers: { authorization: `Bearer ${o.token}` } })).status, { timeout: 30_000 }).toBe(202);
    }
    for (const [o, rating, comment] of [[fromA[3]!, 1, '<b>did not work</b> at first'], [fromB[0]!, 5, 'instant']] as const) {
      const res = await call(kami, 'PUT', `/api/v1/orders/${o.orderId}/feedback`, { body: { rating, comment }, headers: { authorization: `Bearer ${o.token}` } });
      expect(res.status, res.text).toBe(200);
    }

    const products = await adminCall(kami, viewer, 'GET', `/feedback-products${listQuery({ filter: { id: [product.id] } })}`);
    expect(products.status).toBe(200);
    expect(products.body).toEqual([expect.objectContaining({
      id: product.id, sold: 6, reports: 3, reportRate: 0.5, ratings: 2, avgRating: 3, ratingCounts: [1, 0, 0, 0, 1], jumpedBatches: 1,
    })]);

    const batches = await adminCall(kami, viewer, 'GET', `/feedback-batches${listQuery({ filter: { productId: product.id }, sort: ['id', 'ASC'] })}`);
    expect(batches.body).toEqual([
      expect.objectContaining({ id: batchA!.id, sold: 4, reports: 3, reportRate: 0.75, productReportRate: 0, ratings: 1, avgRating: 1, jumped: true }),
      expect.objectContaining({ id: batchB.id, sold: 2, reports: 0, reportRate: 0, productReportRate: 0.75, ratings: 1, avgRating: 5, jumped: false }),
    ]);
    const jumpedOnly = await adminCall(kami, viewer, 'GET', `/feedback-batches${listQuery({ filter: { productId: product.id, jumped: true } })}`);
    expect(jumpedOnly.body.map((b: any) => b.id)).toEqual([batchA!.id]);

    const comments = await adminCall(kami, viewer, 'GET', `/feedback${listQuery({ filter: { batchId: batchA!.id } })}`);
    expect(comments.body).toEqual([expect.objectContaining({ orderId: fromA[3]!.orderId, rating: 1, comment: '<b>did not work</b> at first', batchIds: [batchA!.id] })]);
    expect(comments.headers.get('content-range')).toBe('feedback 0-0/1');
    const fiveStars = await adminCall(kami, viewer, 'GET', `/feedback${listQuery({ filter: { productId: product.id, rating: 5 } })}`);
    expect(fiveStars.body.map((f: any) => f.comment)).toEqual(['instant']);

    const stats = await adminCall(kami, viewer, 'GET', '/stats');
    expect(stats.body.jumpedBatches).toContainEqual(expect.objectContaining({ id: batchA!.id, productId: product.id, reports: 3, sold: 4, reportRate: 0.75 }));
    expect(stats.body.jumpedBatches.map((b: any) => b.id)).not.toContain(batchB.id);

    expectError(await adminCall(kami, viewer, 'GET', `/feedback${listQuery({ filter: { rating: 6 } })}`), 400, 'invalid_request');
    expectError(await adminCall(kami, viewer, 'GET', `/feedback-batches${listQuery({ sort: ['comment', 'ASC'] })}`), 400, 'invalid_request');
    expect((await adminCall(kami, null, 'GET', '/feedback')).status).toBe(401);
  });
});

/** A 1×1 PNG; its IHDR width and height are bytes 16–23. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const uploadLogo = (session: AdminSession, bytes: Buffer, type: string) =>
  fetch(`${kami.baseUrl}/admin/api/shop-settings/shop/logo`, {
    method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': type, cookie: session.cookie, 'x-csrf-token': session.csrfToken },
  }).then(async (res) => ({ status: res.status, body: await res.json() as any }));

describe('storefront settings', () => {
  it('owners set the name, notice and footer; bad input and other roles change nothing; the storefront shows them escaped', async () => {
    const before = await adminCall(kami, viewer, 'GET', '/shop-settings/shop');
    expect(before.status).toBe(200);
    expect((await adminCall(kami, viewer, 'PUT', '/shop-settings/shop', { body: { name: 'Mine', notice: '', footer: '' } })).status).toBe(403);
    const long = await adminCall(kami, owner, 'PUT', '/shop-settings/shop', { body: { name: 'x'.repeat(81), notice: '', footer: '' } });
    expectError(long, 400, 'invalid_request');
    expect(long.body.error.details).toEqual({ name: 'at most 80 characters' });
    expect((await adminCall(kami, viewer, 'GET', '/shop-settings/shop')).body).toEqual(before.body);

    const saved = await adminCall(kami, owner, 'PUT', '/shop-settings/shop', {
      body: { ...before.body, name: 'Lucky <Card> Shop', notice: 'Closed on 1 Jan — orders still deliver.', footer: 'support@lucky.example' },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ id: 'shop', name: 'Lucky <Card> Shop', version: before.body.version + 1 });
    const page = await call(kami, 'GET', '/', { headers: { accept: 'text/html' } });
    expect(page.text).toContain('<title>Products · Lucky &#60;Card&#62; Shop</title>');
    expect(page.text).toContain('<div class="notice" role="note">Closed on 1 Jan — orders still deliver.</div>');
    expect(page.text).toContain('support@lucky.example');
    const audit = await kami.db.auditLog.findFirst({ where: { action: 'shop.update' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ actorEmail: owner.operator.email });
  });

  it('takes a logo whose bytes are a PNG, JPEG, WebP or GIF within the limits, and serves it with its type and cache headers', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const refusals: [Buffer, string, number, string][] = [
      [svg, 'image/svg+xml', 415, 'unsupported_image'],
      [Buffer.from('hello, not an image'), 'image/png', 415, 'unsupported_image'],
      [Buffer.concat([PNG, Buffer.alloc(300 * 1024)]), 'image/png', 413, 'logo_too_large'],
      [Buffer.concat([PNG.subarray(0, 16), Buffer.from([0, 0, 0x13, 0x88, 0, 0, 0, 1]), PNG.subarray(24)]), 'image/png', 400, 'logo_too_large'],
      [Buffer.alloc(0), 'image/png', 400, 'invalid_request'],
    ];
    for (const [bytes, type, status, code] of refusals) {
      const res = await uploadLogo(owner, bytes, type);
      expect({ status: res.status, code: res.body.error?.code }, res.body.error?.message).toEqual({ status, code });
      expect(res.body.error.details.logo).toEqual(expect.any(String));
    }
    expect((await uploadLogo(viewer, PNG, 'image/png')).status).toBe(403);
    expect((await kami.db.shopSettings.findUnique({ where: { id: 'shop' } }))?.logo ?? null).toBeNull();

    // the type comes from the bytes, not from what the upload claims
    const gif = await uploadLogo(owner, GIF, 'image/png');
    expect(gif.status).toBe(200);
    expect(gif.body.logoUrl).toBe(`/shop/logo?v=${gif.body.version}`);
    const served = await fetch(`${kami.baseUrl}${gif.body.logoUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/gif');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(GIF);
    // (fetch would add Cache-Control: no-cache to a conditional request, as browsers' reloads do)
    const again = await fetch(`${kami.baseUrl}/shop/logo`, { headers: { 'if-none-match': served.headers.get('etag')!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
    const page = await call(kami, 'GET', '/lookup', { headers: { accept: 'text/html' } });
    expect(page.text).toContain(`<img src="/shop/logo?v=${gif.body.version}" alt="">`);

    const removed = await adminCall(kami, owner, 'DELETE', '/shop-settings/shop/logo');
    expect(removed.body.logoUrl).toBeNull();
    expect((await fetch(`${kami.baseUrl}/shop/logo`)).status).toBe(404);
  });
});
