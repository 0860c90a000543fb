import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderCreated, OrderOut } from '../../api/checkout/schemas.js';
import { QuoteOut } from '../../api/checkout/quote.js';
import type { StackingPolicy } from '../../domain/promotions.js';
import { DEFAULT_POLICY } from '../../domain/promotions.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { call, expectError, notify, paymentFor, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { partnerCall, partnerChannel } from '../helpers/partner.js';

let kami: Kami;
let owner: AdminSession;
// long hold and email give-up: these tests are not about timeouts (a loaded machine must not expire an order mid-test)
beforeAll(async () => {
  // a database of its own: this file changes the shop's one stacking policy, which every checkout reads
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' }, freshDatabase: 'promo_api' });
  owner = await loginAs(kami, 'owner');
});
afterAll(() => kami?.stop());

const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const code = (tag: string) => `${tag}${randomUUID().slice(0, 6)}`.toUpperCase();
const hoursFromNow = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

async function coupon(k: Kami, session: AdminSession, body: Record<string, unknown>) {
  const res = await adminCall(k, session, 'POST', '/coupons', { body });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: number; code: string };
}
async function sale(k: Kami, session: AdminSession, body: Record<string, unknown>) {
  const res = await adminCall(k, session, 'POST', '/sale-prices', { body: { startsAt: hoursFromNow(-1), ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: number };
}
async function setPolicy(k: Kami, session: AdminSession, policy: StackingPolicy) {
  const res = await adminCall(k, session, 'PUT', '/promotion-policy/shop', { body: { policy } });
  expect(res.status, res.text).toBe(200);
}

/** Runs `fn` and asserts it placed no order, held no key and used no coupon. */
async function expectNothingChanged(k: Kami, productId: string, fn: () => Promise<void>) {
  const before = [await stockState(k, productId), await k.db.couponUse.count()];
  await fn();
  expect([await stockState(k, productId), await k.db.couponUse.count()]).toEqual(before);
}

describe('a routine retail order (no promotion in force)', () => {
  it('is charged list price × quantity, stores no breakdown and reserves no coupon', async () => {
    const product = await kami.product(3, { priceCents: 799 });
    const res = await kami.checkout({ sku: product.sku, quantity: 2, email: email('plain') });
    expect(res.status).toBe(201);
    const body = OrderCreated.parse(res.body);
    expect(body).toMatchObject({ amountDueCents: 1598, price: { list: { unitMinor: 799, totalMinor: 1598 }, adjustments: [], totalMinor: 1598 } });
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: body.orderId } });
    expect(row).toMatchObject({ amountCents: 1598n, unitPriceCents: 799n, priceBreakdown: null });
    expect(await kami.db.couponUse.count({ where: { orderId: body.orderId } })).toBe(0);
  });
});

describe('a sale price', () => {
  it('is applied, recorded on the order, shown before paying, and is what the gateway is asked for and paid', async () => {
    const product = await kami.product(3, { priceCents: 1000 });
    // the product's pricing is cached before the sale exists: the sale must still reach the next order
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('warm') })).body.amountDueCents).toBe(1000);
    const s = await sale(kami, owner, { productId: product.id, label: 'Flash', priceMinor: 800 });
    const res = await kami.checkout({ sku: product.sku, quantity: 2, email: email('sale') });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const body = OrderCreated.parse(res.body);
    expect(body.amountDueCents).toBe(1600);
    expect(body.price).toEqual({
      currency: 'USD', quantity: 2, list: { unitMinor: 1000, totalMinor: 2000 },
      adjustments: [{ kind: 'sale', saleId: s.id, label: 'Flash', unitMinor: 800, amountMinor: -400 }], unitMinor: 800, totalMinor: 1600,
    });
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: body.orderId }, include: { attempts: true } });
    expect(row.amountCents).toBe(1600n);
    expect(row.priceBreakdown).toEqual(body.price);
    // the gateway is asked for the breakdown's total
    expect(row.attempts.map((a) => Number(a.amountMinor))).toEqual([1600]);

    // the buyer sees it before paying: the payment page and the order read
    const page = await call(kami, 'GET', `/pay/${body.orderId}?token=${body.accessToken}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-adjustment="sale"');
    expect(page.text).toMatch(/Sale “Flash”: 8\.00 USD each/);
    expect(page.text).toMatch(/data-total><th scope="row">Total<\/th><td>16\.00 USD/);
    const read = await kami.order(body.orderId, body.accessToken);
    expect(OrderOut.parse(read.body).price).toEqual(body.price);

    // paid exactly the total: delivered, no review
    const paid = await kami.pay(body.orderId, body.accessToken);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    await expect.poll(async () => (await kami.order(body.orderId, body.accessToken)).body.status, { timeout: 30_000 }).toBe('delivered');
    const payment = await kami.db.payment.findFirstOrThrow({ where: { orderId: body.orderId } });
    expect(payment.amountCents).toBe(1600n);
  });

  it('paid at the list price instead of the total: the overpayment waits for a person', async () => {
    const product = await kami.product(2, { priceCents: 1000 });
    await sale(kami, owner, { productId: product.id, percentOff: 25 });
    const res = await kami.checkout({ sku: product.sku, quantity: 1, email: email('over') });
    expect(res.body.amountDueCents).toBe(750);
    const sent = await notify(kami, { ...paymentFor(res.body), amountCents: 1000 });
    expect(sent.status).toBe(200);
    await expect.poll(async () => (await kami.db.order.findUniqueOrThrow({ where: { id: res.body.orderId } })).status, { timeout: 30_000 }).toBe('in_review');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: res.body.orderId } });
    expect(row.reviewReasons).toEqual([expect.objectContaining({ code: 'payment_amount_high' })]);
  });

  it('a scheduled sale or one on another channel changes nothing; one switched off stops at once', async () => {
    const product = await kami.product(5, { priceCents: 1000 });
    await sale(kami, owner, { productId: product.id, priceMinor: 500, startsAt: hoursFromNow(1) });
    await sale(kami, owner, { productId: product.id, priceMinor: 400, channels: ['retail'], startsAt: hoursFromNow(-2), endsAt: hoursFromNow(-1) });
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('later') })).body.amountDueCents).toBe(1000);
    const on = await sale(kami, owner, { productId: product.id, priceMinor: 900 });
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('on') })).body.amountDueCents).toBe(900);
    const off = await adminCall(kami, owner, 'PUT', `/sale-prices/${on.id}`, { body: { priceMinor: 900, startsAt: hoursFromNow(-1), active: false } });
    expect(off.status, off.text).toBe(200);
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('off') })).body.amountDueCents).toBe(1000);
  });
});

describe('a coupon', () => {
  it('takes its share off the order, is reserved with it, and the code is not case-sensitive', async () => {
    const product = await kami.product(3, { priceCents: 1005 });
    const c = await coupon(kami, owner, { code: code('Ten'), percentOff: 10 });
    const res = await kami.checkout({ sku: product.sku, quantity: 3, email: email('coupon'), coupon: c.code.toLowerCase() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // 10% of 30.15 = 3.015: 3.02 off (half up) → 27.13
    expect(res.body.price).toMatchObject({ adjustments: [{ kind: 'coupon', couponId: c.id, code: c.code, percentOff: 10, amountMinor: -302 }], totalMinor: 2713, unitMinor: 904 });
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: res.body.orderId }, include: { couponUse: true, events: true } });
    expect(row).toMatchObject({ amountCents: 2713n, unitPriceCents: 904n });
    expect(row.couponUse).toMatchObject({ couponId: c.id, discountMinor: 302n, currency: 'USD' });
    expect(row.events.find((e) => e.type === 'created')?.data).toMatchObject({ coupon: c.code, amountCents: 2713 });
  });

  it.each([
    ['an unknown code', 404, 'coupon_not_found', async () => ({ code: code('NOPE') })],
    ['an expired coupon', 409, 'coupon_expired', async (pid: string) => coupon(kami, owner, { code: code('Old'), percentOff: 5, startsAt: hoursFromNow(-3), endsAt: hoursFromNow(-1), products: [pid] })],
    ['a coupon switched off', 409, 'coupon_expired', async () => coupon(kami, owner, { code: code('Off'), percentOff: 5, active: false })],
    ['a coupon not started yet', 409, 'coupon_not_applicable', async () => coupon(kami, owner, { code: code('Soon'), percentOff: 5, startsAt: hoursFromNow(2) })],
    ['a coupon for other products', 409, 'coupon_not_applicable', async () => {
      const other = await kami.product(0);
      return coupon(kami, owner, { code: code('Other'), percentOff: 5, products: [other.id] });
    }],
    ['a coupon for partner channels only', 409, 'coupon_not_applicable', async () => {
      const ch = await partnerChannel(kami);
      return coupon(kami, owner, { code: code('Partner'), percentOff: 5, channels: [ch.id] });
    }],
    ['a fixed amount in another currency', 409, 'coupon_not_applicable', async () => coupon(kami, owner, { code: code('Yuan'), amountOffMinor: 500, currency: 'CNY' })],
  ])('%s: %i %s, a message for the buyer, nothing changed; the quote says the same', async (_what, status, errorCode, make) => {
    const product = await kami.product(2, { priceCents: 1000 });
    const c = await make(product.id);
    await expectNothingChanged(kami, product.id, async () => {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email('bad'), coupon: c.code } });
      expectError(res, status, errorCode);
      expect(res.body.error.message).toContain(c.code);
      expect(res.body.error.details).toEqual({ coupon: res.body.error.message });
      const q = await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 1, coupon: c.code } });
      expectError(q, status, errorCode);
    });
  });

  it('per buyer: counted by the buyer\'s normalised email, phone or device, whoever else uses it', async () => {
    const product = await kami.product(6, { priceCents: 1000 });
    const c = await coupon(kami, owner, { code: code('Once'), amountOffMinor: 100, currency: 'USD', maxUsesPerBuyer: 1 });
    const buyer = `alice.${randomUUID().slice(0, 6)}@gmail.com`;
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: buyer, coupon: c.code })).status).toBe(201);
    // the same mailbox spelled otherwise, or the same phone under another email: the same buyer
    const variant = buyer.replace('alice.', 'A.lice').replace('@', '+shop@');
    await expectNothingChanged(kami, product.id, async () => {
      const again = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: variant, coupon: c.code } });
      expectError(again, 409, 'coupon_used_up');
      expect(again.body.error.message).toMatch(/already used coupon .* once/);
      const quoted = await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 1, coupon: c.code, email: variant } });
      expectError(quoted, 409, 'coupon_used_up');
    });
    const phone = '+86 138 0013 8000';
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('p1'), phone, coupon: c.code })).status).toBe(201);
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('p2'), phone: '13800138000', coupon: c.code })).body.error?.code).toBe('coupon_used_up');
    // anyone else may use it
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('bob'), coupon: c.code })).status).toBe(201);
  });

  it('a retried Idempotency-Key returns its order and reserves nothing more; with another coupon it is refused', async () => {
    const product = await kami.product(3, { priceCents: 1000 });
    const c = await coupon(kami, owner, { code: code('Retry'), percentOff: 20, maxUses: 5 });
    const key = randomUUID();
    const body = { sku: product.sku, quantity: 1, email: email('retry'), coupon: c.code };
    const first = await kami.checkout(body, { 'Idempotency-Key': key });
    const again = await kami.checkout(body, { 'Idempotency-Key': key });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.orderId).toBe(first.body.orderId);
    expect(again.body.price).toEqual(first.body.price);
    expect(await kami.db.couponUse.count({ where: { couponId: c.id } })).toBe(1);
    const other = await coupon(kami, owner, { code: code('Other'), percentOff: 10 });
    expectError(await call(kami, 'POST', '/api/v1/orders', { body: { ...body, coupon: other.code }, headers: { 'Idempotency-Key': key } }), 409, 'idempotency_key_reused');
  });

  it('does not combine with a sale by default: a better sale refuses it, a better coupon wins over the sale', async () => {
    const product = await kami.product(4, { priceCents: 1000 });
    await sale(kami, owner, { productId: product.id, label: 'Spring', priceMinor: 800 });
    const small = await coupon(kami, owner, { code: code('Small'), percentOff: 10 });
    await expectNothingChanged(kami, product.id, async () => {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email('small'), coupon: small.code } });
      expectError(res, 409, 'coupon_not_applicable');
      expect(res.body.error.message).toMatch(/does not combine with the sale price .* which already costs less; order without the coupon/);
    });
    const big = await coupon(kami, owner, { code: code('Big'), percentOff: 30 });
    const res = await kami.checkout({ sku: product.sku, quantity: 1, email: email('big'), coupon: big.code });
    expect(res.body.price).toMatchObject({ totalMinor: 700, adjustments: [{ kind: 'coupon' }], skipped: [{ kind: 'sale', reason: 'not_combinable' }] });
  });

  it('the owner\'s policy takes effect on the next order: stacked in its order, down to the floor at cost', async () => {
    const product = await kami.product(4, { priceCents: 1000 });
    await kami.db.product.update({ where: { id: product.id }, data: { costMinor: 650 } });
    await sale(kami, owner, { productId: product.id, priceMinor: 800 });
    const c = await coupon(kami, owner, { code: code('Stack'), percentOff: 10, products: [product.id] });
    const before = await kami.checkout({ sku: product.sku, quantity: 1, email: email('before'), coupon: c.code });
    expect(before.body.error.code).toBe('coupon_not_applicable');
    try {
      await setPolicy(kami, owner, { ...DEFAULT_POLICY, combine: { ...DEFAULT_POLICY.combine, 'sale+coupon': true } });
      const stacked = await kami.checkout({ sku: product.sku, quantity: 2, email: email('stack'), coupon: c.code });
      expect(stacked.status, JSON.stringify(stacked.body)).toBe(201);
      // 20.00 → sale 16.00 → 10% off 14.40
      expect(stacked.body.price).toMatchObject({ totalMinor: 1440, adjustments: [{ kind: 'sale', amountMinor: -400 }, { kind: 'coupon', amountMinor: -160 }] });
      const big = await coupon(kami, owner, { code: code('Deep'), percentOff: 50, products: [product.id] });
      const floored = await kami.checkout({ sku: product.sku, quantity: 2, email: email('floor'), coupon: big.code });
      // 16.00 → 50% off 8.00, below the cost of 6.50 a key: charged 13.00
      expect(floored.body.price).toMatchObject({ totalMinor: 1300, adjustments: [{ kind: 'sale' }, { kind: 'coupon', amountMinor: -800 }, { kind: 'floor', reason: 'cost', amountMinor: 500 }] });
      expect((await kami.db.order.findUniqueOrThrow({ where: { id: floored.body.orderId } })).amountCents).toBe(1300n);
    } finally {
      await setPolicy(kami, owner, DEFAULT_POLICY);
    }
  });

  it('an edit reaches checkout at once: a coupon switched off after it was cached is refused', async () => {
    const product = await kami.product(3, { priceCents: 1000 });
    const c = await coupon(kami, owner, { code: code('Edit'), percentOff: 10 });
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('e1'), coupon: c.code })).status).toBe(201);
    const off = await adminCall(kami, owner, 'PUT', `/coupons/${c.id}`, { body: { percentOff: 10, active: false } });
    expect(off.status, off.text).toBe(200);
    await expectNothingChanged(kami, product.id, async () => {
      expectError(await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email('e2'), coupon: c.code } }), 409, 'coupon_expired');
    });
  });

  it('race: 50 concurrent checkouts on a 10-use coupon place exactly 10 orders', { timeout: 120_000 }, async () => {
    const product = await kami.product(60, { priceCents: 1000 });
    const c = await coupon(kami, owner, { code: code('Race'), percentOff: 50, maxUses: 10 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email(`race${i}`), coupon: c.code }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })));
    const statuses = answers.map((a) => (a.status === 201 ? 'placed' : a.body.error.code));
    expect(statuses.filter((s) => s === 'placed')).toHaveLength(10);
    expect(statuses.filter((s) => s === 'coupon_used_up')).toHaveLength(40);
    expect(await kami.db.couponUse.count({ where: { couponId: c.id } })).toBe(10);
    expect(await stockState(kami, product.id)).toEqual({ orders: 10, available: 50, reserved: 10, sold: 0 });
    expect(answers.filter((a) => a.status === 201).every((a) => a.body.amountDueCents === 500)).toBe(true);
  });
});

describe('a coupon use goes back with its order', () => {
  it('a used-up coupon is available again the moment the unpaid order holding it expires', { timeout: 120_000 }, async () => {
    const local = await startKami({ env: { KAMI_PAYMENT_HOLD: '3s', DATABASE_URL: kami.config.DATABASE_URL } });
    try {
      const session = await loginAs(local, 'operator');
      const product = await local.product(3, { priceCents: 1000 });
      const c = await coupon(local, session, { code: code('Hold'), percentOff: 10, maxUses: 1 });
      const first = await local.checkout({ sku: product.sku, quantity: 1, email: email('first'), coupon: c.code });
      expect(first.status).toBe(201);
      expect((await local.checkout({ sku: product.sku, quantity: 1, email: email('second'), coupon: c.code })).body.error.code).toBe('coupon_used_up');
      await expect.poll(async () => (await local.db.order.findUniqueOrThrow({ where: { id: first.body.orderId } })).status, { timeout: 60_000 }).toBe('expired');
      // the use stays recorded with its order, released
      const uses = await adminCall(local, session, 'GET', `/coupon-uses?filter=${encodeURIComponent(JSON.stringify({ couponId: c.id }))}`);
      expect(uses.body).toEqual([expect.objectContaining({ orderId: first.body.orderId, orderStatus: 'expired', counted: false })]);
      const third = await local.checkout({ sku: product.sku, quantity: 1, email: email('third'), coupon: c.code });
      expect(third.status, JSON.stringify(third.body)).toBe(201);
      expect(third.body.price.adjustments).toEqual([expect.objectContaining({ kind: 'coupon', amountMinor: -100 })]);
    } finally {
      await local.stop();
    }
  });

  it('and when a person cancels the unpaid order', async () => {
    const product = await kami.product(2, { priceCents: 1000 });
    const c = await coupon(kami, owner, { code: code('Cancel'), percentOff: 10, maxUses: 1 });
    const first = await kami.checkout({ sku: product.sku, quantity: 1, email: email('c1'), coupon: c.code });
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('c2'), coupon: c.code })).body.error.code).toBe('coupon_used_up');
    const cancelled = await adminCall(kami, owner, 'POST', `/orders/${first.body.orderId}/cancel`, { body: { note: 'test' } });
    expect(cancelled.status, cancelled.text).toBeLessThan(300);
    await expect.poll(async () => (await kami.db.order.findUniqueOrThrow({ where: { id: first.body.orderId } })).status, { timeout: 30_000 }).toBe('cancelled');
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('c3'), coupon: c.code })).status).toBe(201);
  });
});

describe('POST /api/v1/quote', () => {
  it('prices as checkout would and holds nothing', async () => {
    const product = await kami.product(2, { priceCents: 1000 });
    await sale(kami, owner, { productId: product.id, percentOff: 15 });
    await expectNothingChanged(kami, product.id, async () => {
      const q = await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 2 } });
      expect(q.status, q.text).toBe(200);
      expect(QuoteOut.parse(q.body)).toMatchObject({ sku: product.sku, quantity: 2, currency: 'USD', amountDue: '17.00', amountDueCents: 1700, price: { totalMinor: 1700 } });
    });
    const placed = await kami.checkout({ sku: product.sku, quantity: 2, email: email('quoted') });
    expect(placed.body.price).toEqual((await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 2 } })).body.price);
  });

  it('refuses bad input with the checkout\'s errors', async () => {
    const product = await kami.product(1);
    expectError(await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku } }), 400, 'invalid_request');
    expectError(await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 1, extra: true } }), 400, 'invalid_request');
    expectError(await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 1, coupon: '' } }), 400, 'invalid_request');
    expectError(await call(kami, 'POST', '/api/v1/quote', { body: { sku: 'NO-SUCH-SKU', quantity: 1 } }), 404, 'product_not_found');
    await kami.db.product.update({ where: { id: product.id }, data: { active: false } });
    expectError(await call(kami, 'POST', '/api/v1/quote', { body: { sku: product.sku, quantity: 1 } }), 404, 'product_not_found');
  });
});

describe('partner orders', () => {
  it('take a coupon whose scope names their channel, priced with the channel\'s tier as the policy allows', async () => {
    const product = await kami.product(10, { priceCents: 1000 });
    const ch = await partnerChannel(kami, { balance: { USD: 100_000 } });
    await kami.db.channelPrice.create({ data: { channelId: ch.id, productId: product.id, minQuantity: 1, unitPriceMinor: 900, currency: 'USD' } });
    const retailOnly = await coupon(kami, owner, { code: code('Retail'), percentOff: 50 });
    const refused = await partnerCall(kami, ch.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 2, externalOrderId: `po-${randomUUID()}`, coupon: retailOnly.code } });
    expectError(refused, 409, 'coupon_not_applicable');
    const forPartner = await coupon(kami, owner, { code: code('Mall'), amountOffMinor: 500, currency: 'USD', channels: ['retail', ch.id] });
    const placed = await partnerCall(kami, ch.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 2, externalOrderId: `po-${randomUUID()}`, coupon: forPartner.code } });
    expect(placed.status, placed.text).toBe(201);
    // tier (18.00) and coupon (5.00 off) do not combine by default: the coupon alone (15.00) costs less
    expect(placed.body.price).toMatchObject({ totalMinor: 1500, adjustments: [{ kind: 'coupon', amountMinor: -500 }], skipped: [{ kind: 'tier', reason: 'not_combinable' }] });
    expect(placed.body.amountMinor).toBe(1500);
    const ledger = await kami.db.channelLedgerEntry.findFirstOrThrow({ where: { orderId: placed.body.orderId } });
    expect(ledger.amountMinor).toBe(-1500n);
    expect(await kami.db.couponUse.count({ where: { couponId: forPartner.id } })).toBe(1);
  });
});
