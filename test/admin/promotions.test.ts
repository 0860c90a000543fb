import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../domain/promotions.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let owner: AdminSession;
let operator: AdminSession;
let viewer: AdminSession;
beforeAll(async () => {
  // a database of its own: this file saves the shop's one stacking policy and counts its versions
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m' }, freshDatabase: 'promo_admin' });
  [owner, operator, viewer] = await Promise.all([loginAs(kami, 'owner'), loginAs(kami, 'operator'), loginAs(kami, 'viewer')]);
});
afterAll(() => kami?.stop());

const code = (tag: string) => `${tag}-${randomUUID().slice(0, 6)}`;
const list = (resource: string, filter: object) => `/${resource}?filter=${encodeURIComponent(JSON.stringify(filter))}`;

/** Expects the error shape, and that the field named carries a message for the form. */
function expectRefused(res: { status: number; body: any; text: string }, status: number, errorCode: string, field?: string) {
  expect({ status: res.status, code: res.body?.error?.code }, res.text).toEqual({ status, code: errorCode });
  if (field) expect(res.body.error.details?.[field], res.text).toEqual(expect.any(String));
}

describe('coupons', () => {
  it('operators create, edit and switch off coupons; viewers read; every change is audited and versioned', async () => {
    const c = code('Spring');
    const created = await adminCall(kami, operator, 'POST', '/coupons', { body: { code: c, percentOff: 15, maxUses: 100, maxUsesPerBuyer: 1, description: 'Spring flyer' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ code: c, percentOff: 15, amountOffMinor: null, channels: ['retail'], products: [], active: true, version: 0, uses: { counted: 0, released: 0 } });
    const id = created.body.id;

    const read = await adminCall(kami, viewer, 'GET', `/coupons/${id}`);
    expect(read.body).toMatchObject({ code: c, description: 'Spring flyer' });
    const listed = await adminCall(kami, viewer, 'GET', list('coupons', { q: c.slice(0, 8).toLowerCase() }));
    expect(listed.body.map((r: any) => r.id)).toContain(id);
    expect(listed.headers.get('content-range')).toMatch(/^coupons /);

    // react-admin sends the whole record back: the code stays, the terms change, the version moves
    const edited = await adminCall(kami, operator, 'PUT', `/coupons/${id}`, { body: { ...read.body, code: 'IGNORED', percentOff: null, amountOffMinor: 500, currency: 'usd', active: false } });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body).toMatchObject({ code: c, percentOff: null, amountOffMinor: 500, currency: 'USD', active: false, version: 1 });

    expectRefused(await adminCall(kami, viewer, 'POST', '/coupons', { body: { code: code('No'), percentOff: 5 } }), 403, 'forbidden');
    expectRefused(await adminCall(kami, viewer, 'PUT', `/coupons/${id}`, { body: { percentOff: 5 } }), 403, 'forbidden');
    const trail = await kami.db.auditLog.findMany({ where: { targetType: 'coupon', targetId: String(id) }, orderBy: { id: 'asc' } });
    expect(trail.map((a) => a.action)).toEqual(['coupon.create', 'coupon.update']);
    expect(trail[1]!.data).toMatchObject({ changes: { active: { from: true, to: false }, amountOffMinor: { from: null, to: 500 } } });
  });

  it('a code is taken whatever its case: 409 on the code field, nothing created', async () => {
    const c = code('Case');
    expect((await adminCall(kami, operator, 'POST', '/coupons', { body: { code: c, percentOff: 5 } })).status).toBe(201);
    const before = await kami.db.coupon.count();
    expectRefused(await adminCall(kami, operator, 'POST', '/coupons', { body: { code: c.toLowerCase(), percentOff: 5 } }), 409, 'coupon_code_taken', 'code');
    expect(await kami.db.coupon.count()).toBe(before);
  });

  it.each([
    ['no discount', { code: code('A') }, 'amountOffMinor'],
    ['both discounts', { code: code('B'), percentOff: 5, amountOffMinor: 100, currency: 'USD' }, 'percentOff'],
    ['a fixed amount without its currency', { code: code('C'), amountOffMinor: 100 }, 'currency'],
    ['a percentage above 100', { code: code('D'), percentOff: 120 }, 'percentOff'],
    ['a percentage with decimals', { code: code('E'), percentOff: 7.5 }, 'percentOff'],
    ['an end before the start', { code: code('F'), percentOff: 5, startsAt: '2026-12-02T00:00:00Z', endsAt: '2026-12-01T00:00:00Z' }, 'endsAt'],
    ['no channel', { code: code('G'), percentOff: 5, channels: [] }, 'channels'],
    ['a code with spaces', { code: 'TWO WORDS', percentOff: 5 }, 'code'],
    ['zero uses', { code: code('H'), percentOff: 5, maxUses: 0 }, 'maxUses'],
  ])('%s: 400 on its field, nothing created', async (_what, body, field) => {
    const before = await kami.db.coupon.count();
    expectRefused(await adminCall(kami, operator, 'POST', '/coupons', { body }), 400, 'invalid_request', field);
    expect(await kami.db.coupon.count()).toBe(before);
  });

  it('a scope naming a product or channel that does not exist is refused', async () => {
    expectRefused(await adminCall(kami, operator, 'POST', '/coupons', { body: { code: code('P'), percentOff: 5, products: [randomUUID()] } }), 404, 'product_not_found', 'products');
    expectRefused(await adminCall(kami, operator, 'POST', '/coupons', { body: { code: code('Q'), percentOff: 5, channels: ['ch_nope'] } }), 404, 'channel_not_found', 'channels');
  });

  it('uses: listed with their orders, counted or released; a used coupon cannot be deleted, an unused one can', async () => {
    const product = await kami.product(3, { priceCents: 1000 });
    const created = await adminCall(kami, operator, 'POST', '/coupons', { body: { code: code('Use'), amountOffMinor: 250, currency: 'USD' } });
    const c = created.body;
    const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: `use-${randomUUID().slice(0, 6)}@example.com`, coupon: c.code });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const uses = await adminCall(kami, viewer, 'GET', list('coupon-uses', { couponId: c.id }));
    expect(uses.body).toEqual([expect.objectContaining({ orderId: placed.body.orderId, code: c.code, discountMinor: 250, amountMinor: 750, orderStatus: 'awaiting_payment', counted: true })]);
    expect((await adminCall(kami, viewer, 'GET', `/coupons/${c.id}`)).body.uses).toEqual({ counted: 1, released: 0, discountMinor: 250 });
    const refused = await adminCall(kami, operator, 'DELETE', `/coupons/${c.id}`);
    expectRefused(refused, 409, 'coupon_used');
    expect(refused.body.error.message).toMatch(/switch it off instead/);
    expect(await kami.db.coupon.count({ where: { id: c.id } })).toBe(1);

    const unused = (await adminCall(kami, operator, 'POST', '/coupons', { body: { code: code('Gone'), percentOff: 5 } })).body;
    expect((await adminCall(kami, operator, 'DELETE', `/coupons/${unused.id}`)).status).toBe(200);
    expect(await kami.db.coupon.count({ where: { id: unused.id } })).toBe(0);
  });
});

describe('sale prices', () => {
  it('per product, with their state; a price at or above the list price is refused on its field; edits bump the product\'s pricing version', async () => {
    const product = await kami.product(0, { priceCents: 1000 });
    const v0 = (await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).pricingVersion;
    expectRefused(await adminCall(kami, operator, 'POST', '/sale-prices', { body: { productId: product.id, priceMinor: 1000, startsAt: new Date().toISOString() } }), 400, 'invalid_request', 'priceMinor');
    expectRefused(await adminCall(kami, operator, 'POST', '/sale-prices', { body: { productId: randomUUID(), priceMinor: 10, startsAt: new Date().toISOString() } }), 404, 'product_not_found', 'productId');
    expectRefused(await adminCall(kami, operator, 'POST', '/sale-prices', { body: { productId: product.id, startsAt: new Date().toISOString() } }), 400, 'invalid_request', 'priceMinor');
    expectRefused(await adminCall(kami, viewer, 'POST', '/sale-prices', { body: { productId: product.id, percentOff: 5, startsAt: new Date().toISOString() } }), 403, 'forbidden');

    const later = new Date(Date.now() + 3600_000).toISOString();
    const created = await adminCall(kami, operator, 'POST', '/sale-prices', { body: { productId: product.id, label: 'Weekend', percentOff: 20, startsAt: later } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ label: 'Weekend', percentOff: 20, priceMinor: null, state: 'scheduled', product: { sku: product.sku, currency: 'USD' } });
    const now = await adminCall(kami, operator, 'PUT', `/sale-prices/${created.body.id}`, { body: { ...created.body, startsAt: new Date(Date.now() - 60_000).toISOString() } });
    expect(now.status, now.text).toBe(200);
    expect(now.body.state).toBe('on');
    const listed = await adminCall(kami, viewer, 'GET', list('sale-prices', { productId: product.id }));
    expect(listed.body.map((s: any) => s.id)).toEqual([created.body.id]);
    expect((await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).pricingVersion).toBe(v0 + 2);
    expect((await adminCall(kami, operator, 'DELETE', `/sale-prices/${created.body.id}`)).status).toBe(200);
    expect((await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).pricingVersion).toBe(v0 + 3);
    const trail = await kami.db.auditLog.findMany({ where: { targetType: 'product', targetId: product.id }, orderBy: { id: 'asc' } });
    expect(trail.map((a) => a.action)).toEqual(['sale_price.create', 'sale_price.update', 'sale_price.delete']);
  });

  it('a product\'s cost is set with the product, and moves its pricing version', async () => {
    const product = await kami.product(0, { priceCents: 1000 });
    const v0 = (await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).pricingVersion;
    const updated = await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { costMinor: 640 } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.costMinor).toBe(640);
    expect((await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).pricingVersion).toBe(v0 + 1);
    expectRefused(await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { costMinor: -1 } }), 400, 'invalid_request', 'costMinor');
  });
});

describe('the stacking policy', () => {
  it('everyone reads it (the default until saved); only owners change it, audited with before and after', async () => {
    const read = await adminCall(kami, viewer, 'GET', '/promotion-policy/shop');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: 'shop', policy: DEFAULT_POLICY });
    const policy = { ...DEFAULT_POLICY, order: ['coupon', 'sale', 'tier'], exclusive: ['sale'], floor: { cost: true, minPercentOfList: 40 } };
    expectRefused(await adminCall(kami, operator, 'PUT', '/promotion-policy/shop', { body: { policy } }), 403, 'forbidden');
    const saved = await adminCall(kami, owner, 'PUT', '/promotion-policy/shop', { body: { policy } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ policy, version: read.body.version + 1, updatedBy: owner.operator.email });
    const trail = await kami.db.auditLog.findFirstOrThrow({ where: { action: 'promotion_policy.update' }, orderBy: { id: 'desc' } });
    expect(trail.data).toMatchObject({ before: read.body.policy, after: policy });
    const back = await adminCall(kami, owner, 'PUT', '/promotion-policy/shop', { body: { policy: DEFAULT_POLICY } });
    expect(back.body.version).toBe(read.body.version + 2);
  });

  it.each([
    ['a kind twice in the order', { order: ['sale', 'sale', 'coupon'] }, 'policy.order'],
    ['a minimum share above 100%', { floor: { cost: true, minPercentOfList: 101 } }, 'policy.floor.minPercentOfList'],
    ['an unknown kind', { exclusive: ['bundle'] }, 'policy.exclusive.0'],
    ['an unknown setting', { stackEverything: true }, 'policy'],
  ])('%s: 400, nothing saved', async (_what, over, field) => {
    const before = await adminCall(kami, viewer, 'GET', '/promotion-policy/shop');
    expectRefused(await adminCall(kami, owner, 'PUT', '/promotion-policy/shop', { body: { policy: { ...DEFAULT_POLICY, ...over } } }), 400, 'invalid_request', field);
    expect((await adminCall(kami, viewer, 'GET', '/promotion-policy/shop')).body.version).toBe(before.body.version);
  });
});
