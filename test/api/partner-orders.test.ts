import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerOrderOut } from '../../api/partner/schemas.js';
import { creditRefund } from '../../infra/channels/ledger.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { expectError, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { balanceOf, partnerCall, partnerChannel } from '../helpers/partner.js';

let kami: Kami;
let operator: AdminSession;
// long hold and email give-up: these tests are not about timeouts, and a loaded machine must not expire an order mid-test
beforeAll(async () => {
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m', KAMI_PARTNER_WAIT: '20s' } });
  operator = await loginAs(kami, 'operator');
});
afterAll(() => kami?.stop());

const ext = () => `shop-${randomUUID()}`;
const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;

describe('POST /api/v1/partner/orders', () => {
  it('wait=true returns the keys in the same call, paid from the balance at the tier price; nothing emailed', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 10_000 } });
    const product = await kami.product(5, { priceCents: 500 });
    await kami.db.channelPrice.createMany({ data: [
      { channelId: channel.id, productId: product.id, minQuantity: 1, unitPriceMinor: 450, currency: 'USD' },
      { channelId: channel.id, productId: product.id, minQuantity: 3, unitPriceMinor: 400, currency: 'USD' },
    ] });
    const externalOrderId = ext();
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', {
      body: { sku: product.sku, quantity: 3, externalOrderId, email: 'end-buyer@example.com' },
    });
    expect(res.status, res.text).toBe(201);
    const order = PartnerOrderOut.parse(res.body);
    expect(order).toMatchObject({ externalOrderId, status: 'delivered', quantity: 3, deliveredQuantity: 3, unitPrice: '4.00', amount: '12.00', amountMinor: 1200, parts: [] });
    expect(order.price).toEqual({
      currency: 'USD', quantity: 3, list: { unitMinor: 500, totalMinor: 1500 },
      adjustments: [{ kind: 'channel_tier', channelId: channel.id, minQuantity: 3, maxQuantity: null, unitMinor: 400, amountMinor: -300 }],
      unitMinor: 400, totalMinor: 1200,
    });
    expect([...order.keys].sort()).toEqual([...product.secrets].sort().filter((k) => order.keys.includes(k)));
    expect(new Set(order.keys).size).toBe(3);

    const row = await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId }, include: { payments: true } });
    expect(row).toMatchObject({ channelId: channel.id, externalOrderId, amountCents: 1200n, unitPriceCents: 400n, emailKeys: false, paymentProvider: 'balance' });
    expect(row.priceBreakdown).toEqual(order.price);
    expect(row.payments).toMatchObject([{ provider: 'balance', verifiedBy: 'ledger', amountCents: 1200n, confirmedBy: channel.key.keyId }]);
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 8_800, ledgerSum: 8_800 });
    expect(await kami.db.channelLedgerEntry.findFirst({ where: { orderId: order.orderId } })).toMatchObject({ kind: 'order', amountMinor: -1200n, balanceAfter: 8800n });
    expect(kami.mail.messages.filter((m) => m.to.includes('end-buyer@example.com'))).toEqual([]);
  });

  it('20 concurrent retries with one externalOrderId place one order and debit once', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 10_000 } });
    const product = await kami.product(10, { priceCents: 300 });
    const body = { sku: product.sku, quantity: 2, externalOrderId: ext() };
    const answers = await Promise.all(Array.from({ length: 20 }, () => partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body })));
    expect(answers.map((a) => a.status).every((s) => [200, 201, 202].includes(s)), answers.map((a) => a.text).join('\n')).toBe(true);
    expect(new Set(answers.map((a) => a.body.orderId)).size).toBe(1);
    expect(await kami.db.order.count({ where: { channelId: channel.id } })).toBe(1);
    expect(await kami.db.channelLedgerEntry.count({ where: { channelId: channel.id, kind: 'order' } })).toBe(1);
    expect(await kami.db.payment.count({ where: { orderId: answers[0]!.body.orderId } })).toBe(1);
    await expect.poll(() => statusOf(answers[0]!.body.orderId), { timeout: 20_000 }).toBe('delivered');
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 9_400, ledgerSum: 9_400 });
    expect((await stockState(kami, product.id))).toMatchObject({ sold: 2, available: 8 });

    // the same id later, delivered: the same order with its keys; another body under it: 409
    const again = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ orderId: answers[0]!.body.orderId, status: 'delivered' });
    expect(again.body.keys).toHaveLength(2);
    expectError(await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { ...body, quantity: 3 } }), 409, 'external_order_id_reused');
    expect(await kami.db.order.count({ where: { channelId: channel.id } })).toBe(1);
  });

  it('50 concurrent orders against a balance for 30: exactly 30 placed, 20 refused 402, never below zero', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 30 * 250 } });
    const product = await kami.product(60, { priceCents: 250 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', {
      body: { sku: product.sku, quantity: 1, externalOrderId: ext(), email: `buyer${i}-${randomUUID().slice(0, 6)}@example.com` },
    })));
    const placed = answers.filter((a) => a.status === 202 || a.status === 201);
    const refused = answers.filter((a) => a.status === 402);
    expect({ placed: placed.length, refused: refused.length }, answers.filter((a) => ![201, 202, 402].includes(a.status)).map((a) => a.text).join('\n'))
      .toEqual({ placed: 30, refused: 20 });
    for (const r of refused) expectError(r, 402, 'insufficient_balance');
    expect(refused[0]!.body.error.details).toMatchObject({ amountMinor: 250, currency: 'USD' });
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 0, ledgerSum: 0 });
    const entries = await kami.db.channelLedgerEntry.findMany({ where: { channelId: channel.id }, orderBy: { id: 'asc' } });
    expect(entries.every((e) => e.balanceAfter >= 0n)).toBe(true);
    expect(entries.filter((e) => e.kind === 'order')).toHaveLength(30);
    expect(await kami.db.order.count({ where: { channelId: channel.id } })).toBe(30);
    expect(await stockState(kami, product.id)).toMatchObject({ orders: 30, available: 30 });
    await expect.poll(() => kami.db.order.count({ where: { channelId: channel.id, status: 'delivered' } }), { timeout: 60_000 }).toBe(30);
  });

  it('orders without a buyer carry no buyer identity: 15 alike in a row are neither velocity nor duplicates, and deliver', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 15 * 100 } });
    const product = await kami.product(15, { priceCents: 100 });
    for (let i = 0; i < 15; i++) {
      const r = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 1, externalOrderId: ext() } });
      expect(r.status, r.text).toBe(201);
    }
    const orders = await kami.db.order.findMany({ where: { channelId: channel.id } });
    expect(orders.map((o) => o.status)).toEqual(Array(15).fill('delivered'));
    expect(orders.every((o) => o.emailNormalized === '' && o.email.endsWith('.channel.invalid'))).toBe(true);
    // the facts the rules saw: nobody to count
    expect(orders.map((o) => (o.ruleDecision as { facts: { recentOrders: number; duplicatePaidOrders: number } }).facts))
      .toEqual(Array(15).fill(expect.objectContaining({ identified: false, recentOrders: 0, duplicatePaidOrders: 0, priorPaidOrders: 0 })));
  });

  it('402 insufficient_balance changes nothing; a balance in another currency does not pay', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 100, CNY: 100_000 } });
    const product = await kami.product(3, { priceCents: 500 });
    const before = await stockState(kami, product.id);
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 1, externalOrderId: ext() } });
    expectError(res, 402, 'insufficient_balance');
    expect(res.body.error.message).toMatch(/1\.00 USD.*5\.00 USD/);
    expect(await stockState(kami, product.id)).toEqual(before);
    expect(await kami.db.order.count({ where: { channelId: channel.id } })).toBe(0);
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 100, ledgerSum: 100 });
  });

  it('bad input is 400 and changes nothing', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 100_000 }, settings: { maxQuantity: 5 } });
    const product = await kami.product(3);
    const cases: [string, unknown][] = [
      ['no externalOrderId', { sku: product.sku, quantity: 1 }],
      ['zero keys', { sku: product.sku, quantity: 0, externalOrderId: ext() }],
      ['above the channel\'s maximum', { sku: product.sku, quantity: 6, externalOrderId: ext() }],
      ['a reference on a balance channel', { sku: product.sku, quantity: 1, externalOrderId: ext(), paymentReference: 'x-1' }],
      ['email keys without an email', { sku: product.sku, quantity: 1, externalOrderId: ext(), emailKeys: true }],
      ['an unknown field', { sku: product.sku, quantity: 1, externalOrderId: ext(), price: 1 }],
    ];
    for (const [what, body] of cases) expectError(await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body }), 400, 'invalid_request', what);
    expectError(await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: 'NOPE', quantity: 1, externalOrderId: ext() } }), 404, 'product_not_found');
    expectError(await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 4, externalOrderId: ext() } }), 409, 'out_of_stock');
    expect(await kami.db.order.count({ where: { channelId: channel.id } })).toBe(0);
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 100_000, ledgerSum: 100_000 });
  });

  it('a self-confirming channel pays with its own reference, once per reference; keys emailed when asked', async () => {
    const channel = await partnerChannel(kami, { settings: { paymentMode: 'self_confirm' } });
    const product = await kami.product(4, { priceCents: 700 });
    expectError(await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 1, externalOrderId: ext() } }),
      400, 'invalid_request', 'no reference');
    const email = `buyer-${randomUUID().slice(0, 8)}@example.com`;
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', {
      body: { sku: product.sku, quantity: 1, externalOrderId: ext(), paymentReference: 'PAY-0001', email, emailKeys: true },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.keys).toHaveLength(1);
    const payment = await kami.db.payment.findFirstOrThrow({ where: { orderId: res.body.orderId } });
    expect(payment).toMatchObject({ provider: 'partner', txnId: `${channel.id}:PAY-0001`, verifiedBy: 'partner' });
    await expect.poll(() => kami.mail.messages.filter((m) => m.to.includes(email)).length, { timeout: 20_000 }).toBe(1);

    const reused = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', {
      body: { sku: product.sku, quantity: 1, externalOrderId: ext(), paymentReference: 'PAY-0001' },
    });
    expectError(reused, 409, 'payment_reference_reused');
    expect(await kami.db.order.count({ where: { channelId: channel.id } })).toBe(1);
    expect(await stockState(kami, product.id)).toMatchObject({ available: 3, sold: 1 });
  });

  it('a rejected order is refunded to the balance, exactly once', async () => {
    // the channel's rules send every order to review, so a person can reject it
    const channel = await partnerChannel(kami, { balance: { USD: 5_000 }, rules: { bulkQuantity: 1 } });
    const product = await kami.product(4, { priceCents: 600 });
    const res = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 2, externalOrderId: ext() } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.status).toBe('in_review');
    expect(await balanceOf(kami, channel.id, 'USD')).toMatchObject({ balance: 3_800 });

    const rejected = await adminCall(kami, operator, 'POST', `/orders/${res.body.orderId}/reject`, { body: { note: 'not today', reviewSeq: 1 } });
    expect(rejected.status, rejected.text).toBe(200);
    await expect.poll(async () => (await kami.db.refund.findFirst({ where: { orderId: res.body.orderId } }))?.status, { timeout: 20_000 }).toBe('succeeded');
    expect(await statusOf(res.body.orderId)).toBe('rejected');
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 5_000, ledgerSum: 5_000 });
    const refund = await kami.db.refund.findFirstOrThrow({ where: { orderId: res.body.orderId } });
    expect(refund.gatewayRefundId).toMatch(/^ledger:\d+$/);
    // a retried refund finds its entry: nothing is credited twice
    expect(String(await creditRefund(kami.db, refund.id))).toBe(refund.gatewayRefundId!.slice('ledger:'.length));
    expect(await kami.db.channelLedgerEntry.count({ where: { refundId: refund.id } })).toBe(1);
    expect(await balanceOf(kami, channel.id, 'USD')).toEqual({ balance: 5_000, ledgerSum: 5_000 });
    expect(await stockState(kami, product.id)).toMatchObject({ available: 4 });
  });
});

describe('per-channel rules', () => {
  it('a reseller buys 500 keys without review while a retail buyer of 21 waits for a person', async () => {
    const reseller = await partnerChannel(kami, { balance: { USD: 1_000_000 }, rules: { bulkQuantity: 1000, bulkAmountCents: 10_000_000, newBuyerAmountCents: 10_000_000 } });
    const product = await kami.product(521, { priceCents: 100 });
    const bulk = await partnerCall(kami, reseller.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 500, externalOrderId: ext() } });
    expect(bulk.status, bulk.text.slice(0, 300)).toBe(201);
    expect(bulk.body).toMatchObject({ status: 'delivered', deliveredQuantity: 500 });
    const decision = (await kami.db.order.findUniqueOrThrow({ where: { id: bulk.body.orderId } })).ruleDecision as { action: string; settingsVersion: { channel?: number } };
    expect(decision).toMatchObject({ action: 'deliver', settingsVersion: { channel: 0 } });

    const retail = await kami.checkout({ sku: product.sku, quantity: 21, email: `retail-${randomUUID().slice(0, 8)}@example.com` });
    expect(retail.status).toBe(201);
    await kami.pay(retail.body.orderId, retail.body.accessToken);
    await expect.poll(() => statusOf(retail.body.orderId), { timeout: 20_000 }).toBe('in_review');
  });

  it('a channel that counts separately is not held to the shop-wide purchase limit, and has its own', async () => {
    const product = await kami.product(10, { priceCents: 100, rules: { purchaseLimit: 2, purchaseLimitBy: ['email'] } });
    const email = `limited-${randomUUID().slice(0, 8)}@example.com`;
    const retail = await kami.checkout({ sku: product.sku, quantity: 2, email });
    expect(retail.status).toBe(201);
    await kami.pay(retail.body.orderId, retail.body.accessToken);
    await expect.poll(() => statusOf(retail.body.orderId), { timeout: 20_000 }).toBe('delivered');

    const shared = await partnerChannel(kami, { balance: { USD: 10_000 } });
    expectError(await partnerCall(kami, shared.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 1, externalOrderId: ext(), email } }),
      409, 'limit_exceeded');
    const separate = await partnerChannel(kami, { balance: { USD: 10_000 }, settings: { countSeparately: true } });
    const first = await partnerCall(kami, separate.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 2, externalOrderId: ext(), email } });
    expect(first.status, first.text).toBe(202);
    expectError(await partnerCall(kami, separate.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 1, externalOrderId: ext(), email } }),
      409, 'limit_exceeded');
  });

  it('an owner\'s change to a channel\'s rules applies to its next order (the cached layer is dropped)', async () => {
    const owner = await loginAs(kami, 'owner');
    const channel = await partnerChannel(kami, { balance: { USD: 100_000 } });
    const product = await kami.product(30, { priceCents: 100 });
    const first = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 2, externalOrderId: ext() } });
    expect(first.body.deliveredQuantity).toBe(2);
    const saved = await adminCall(kami, owner, 'PUT', `/rules/channel:${channel.id}`, { body: { settings: { bulkQuantity: 1 } } });
    expect(saved.status, saved.text).toBe(200);
    const second = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 2, externalOrderId: ext() } });
    expect(second.body.status).toBe('in_review');
  });
});

describe('reading orders', () => {
  it('by id or by external id, keys as TXT, CSV or JSON; another channel\'s orders are not there', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 10_000 } });
    const product = await kami.product(2, { priceCents: 100 });
    const externalOrderId = `csv,"quoted"#1`.replace(/[^\w.:#/-]/g, '-');
    const placed = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 2, externalOrderId } });
    expect(placed.status, placed.text).toBe(201);
    const { orderId, keys } = placed.body as { orderId: string; keys: string[] };

    expect((await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${orderId}`)).body).toEqual(placed.body);
    expect((await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders?externalOrderId=${encodeURIComponent(externalOrderId)}`)).body.orderId).toBe(orderId);

    const txt = await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${orderId}/keys`);
    expect(txt.headers.get('content-disposition')).toBe(`attachment; filename=${externalOrderId.replace(/[^\w.-]/g, '_')}-keys.txt`);
    expect(txt.text).toBe(keys.map((k) => `${k}\n`).join(''));
    const csv = await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${orderId}/keys?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')).toEqual(['order_id,external_order_id,sku,n,key', ...keys.map((k, i) => `${orderId},${externalOrderId},${product.sku},${i + 1},${k}`), '']);
    const json = await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${orderId}/keys?format=json`);
    expect(json.body).toEqual({ orderId, externalOrderId, sku: product.sku, keys });
    expectError(await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${orderId}/keys?format=xml`), 400, 'invalid_request');

    const other = await partnerChannel(kami);
    expectError(await partnerCall(kami, other.key, 'GET', `/api/v1/partner/orders/${orderId}`), 404, 'order_not_found');
    expectError(await partnerCall(kami, other.key, 'GET', `/api/v1/partner/orders/${orderId}/keys`), 404, 'order_not_found');
  });

  it('products with the channel\'s tiers and stock', async () => {
    const channel = await partnerChannel(kami);
    const product = await kami.product(7, { priceCents: 1000, currency: 'CNY' });
    await kami.db.channelPrice.createMany({ data: [
      { channelId: channel.id, productId: product.id, minQuantity: 10, unitPriceMinor: 900, currency: 'CNY' },
      { channelId: channel.id, productId: product.id, minQuantity: 100, unitPriceMinor: 800, currency: 'CNY' },
    ] });
    const res = await partnerCall(kami, channel.key, 'GET', '/api/v1/partner/products');
    expect(res.body.data.find((p: { sku: string }) => p.sku === product.sku)).toEqual({
      sku: product.sku, name: product.name, currency: 'CNY', listPrice: '10.00', listPriceMinor: 1000, available: 7,
      tiers: [{ minQuantity: 10, maxQuantity: 99, unitPrice: '9.00', unitPriceMinor: 900 }, { minQuantity: 100, maxQuantity: null, unitPrice: '8.00', unitPriceMinor: 800 }],
    });
  });
});
