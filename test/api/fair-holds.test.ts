import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../infra/crypto.js';
import { adminCall } from '../helpers/admin.js';
import { createOperator } from '../helpers/admin.js';
import { call, expectError, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

// No buyer can hold stock others need, use up someone else's purchase limit, or read someone
// else's order by replaying an Idempotency-Key; no header picks the address limits count.

const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('holds and idempotency, behind a trusted proxy', () => {
  let kami: Kami;
  beforeAll(async () => {
    kami = await startKami({
      env: {
        KAMI_TRUST_PROXY: 'loopback', KAMI_MAX_UNPAID_PER_ADDRESS: '3', KAMI_MAX_UNPAID_PER_BUYER: '2',
        KAMI_MAX_HOLD_SHARE: '50', KAMI_HOLD_SHARE_FLOOR: '5', KAMI_SCARCE_STOCK: '10', KAMI_PAYMENT_HOLD: '15m', KAMI_PAYMENT_HOLD_SCARCE: '2m',
      },
    });
  });
  afterAll(() => kami?.stop());

  it('a replayed Idempotency-Key from another address gets the order id, never its access token', async () => {
    const product = await kami.product(3);
    const key = randomUUID();
    const body = { sku: product.sku, quantity: 1, email: email('victim') };
    const first = await kami.checkout(body, { 'Idempotency-Key': key, ...from('203.0.113.10') });
    expect(first.status).toBe(201);
    // the same client retrying gets its whole answer again
    const retry = await kami.checkout(body, { 'Idempotency-Key': key, ...from('203.0.113.10') });
    expect(retry.body).toMatchObject({ orderId: first.body.orderId, accessToken: first.body.accessToken });
    // another client with the same key and body does not
    const stranger = await kami.checkout(body, { 'Idempotency-Key': key, ...from('198.51.100.66') });
    expect(stranger.status).toBe(200);
    expect(stranger.body).toEqual({ orderId: first.body.orderId, status: 'awaiting_payment', replayed: true, message: expect.any(String) });
    expect(JSON.stringify(stranger.body)).not.toContain(first.body.accessToken);
    // the key is kept only as a hash
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: first.body.orderId } });
    expect(row).toMatchObject({ idempotencyScope: 'public', idempotencyKey: sha256Hex(key) });
    expect(await stockState(kami, product.id)).toMatchObject({ orders: 1, reserved: 1 });
  });

  it('refuses guessable Idempotency-Keys and changes nothing', async () => {
    const product = await kami.product(1);
    for (const key of ['order-4711', 'aaaaaaaaaaaaaaaaaaaa', 'abababababababababab']) {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email('guess') }, headers: { 'Idempotency-Key': key } });
      expectError(res, 400, 'invalid_request', key);
    }
    expect(await stockState(kami, product.id)).toMatchObject({ orders: 0, available: 1 });
  });

  it('caps unpaid holds per buyer at an address and per address; other addresses still buy', async () => {
    const product = await kami.product(20);
    const ip = '203.0.113.20';
    const buyer = email('hoarder');
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: buyer }, from(ip))).status).toBe(201);
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: buyer }, from(ip))).status).toBe(201);
    const third = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: buyer }, headers: from(ip) });
    expectError(third, 429, 'too_many_unpaid');
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: email('other') }, from(ip))).status).toBe(201);
    const fourth = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email('third') }, headers: from(ip) });
    expectError(fourth, 429, 'too_many_unpaid');
    expect(await stockState(kami, product.id)).toMatchObject({ orders: 3, reserved: 3 });
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: buyer }, from('203.0.113.21'))).status).toBe(201);
  });

  it('one order may not hold most of a product\'s stock', async () => {
    const product = await kami.product(20);
    const greedy = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 15, email: email('greedy') }, headers: from('203.0.113.30') });
    expectError(greedy, 409, 'hold_too_large');
    expect(greedy.body.error.details).toEqual({ allowed: 10 });
    expect(await stockState(kami, product.id)).toMatchObject({ orders: 0, available: 20 });
    expect((await kami.checkout({ sku: product.sku, quantity: 10, email: email('fair') }, from('203.0.113.31'))).status).toBe(201);
  });

  it('holds are shorter once little stock is left', async () => {
    const product = await kami.product(13);
    const roomy = await kami.checkout({ sku: product.sku, quantity: 2, email: email('early') }, from('203.0.113.40'));
    const scarce = await kami.checkout({ sku: product.sku, quantity: 2, email: email('late') }, from('203.0.113.41'));
    const minutes = (o: { expiresAt: string }) => (Date.parse(o.expiresAt) - Date.now()) / 60_000;
    expect(minutes(roomy.body)).toBeGreaterThan(14); // 11 keys left ≥ 10
    expect(minutes(scarce.body)).toBeLessThan(2.1); // 9 keys left < 10
    // the key's hold ends with the order's, compared in the database (microseconds: drivers round them to milliseconds differently)
    const [same] = await kami.db.$queryRaw<{ same: boolean }[]>`
      SELECT k.reserved_until = o.expires_at AS same FROM card_key k JOIN "order" o ON o.id = k.order_id WHERE k.order_id = ${scarce.body.orderId}`;
    expect(same).toEqual({ same: true });
  });

  it('unpaid orders typed with someone else\'s email do not use up their purchase limit', async () => {
    const product = await kami.product(10, { rules: { purchaseLimit: 2, purchaseLimitWindow: '24h' } });
    const victim = email('victim');
    for (let i = 0; i < 2; i++) expect((await kami.checkout({ sku: product.sku, quantity: 1, email: victim }, from('198.51.100.99'))).status).toBe(201);
    // the victim, from their own address, can still buy their two
    const own = await kami.checkout({ sku: product.sku, quantity: 2, email: victim }, from('203.0.113.50'));
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    // and from that address the limit holds
    const more = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: victim }, headers: from('203.0.113.50') });
    expectError(more, 409, 'limit_exceeded');
  });
});

describe('client addresses, with no proxy configured (the default)', () => {
  let kami: Kami;
  beforeAll(async () => {
    kami = await startKami({ env: { KAMI_TRUST_PROXY: 'off', KAMI_CHECKOUT_RATE_LIMIT: '3', KAMI_LOGIN_RATE_LIMIT: '50' } });
  });
  afterAll(() => kami?.stop());

  it('X-Forwarded-For cannot pick the address: rotating it does not get past the checkout limit', async () => {
    const product = await kami.product(10);
    const answers = [];
    for (let i = 0; i < 5; i++) {
      answers.push((await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: email('rotate') }, headers: from(`198.51.100.${i + 1}`) })).status);
    }
    expect(answers).toEqual([201, 201, 201, 429, 429]);
    const ips = await kami.db.order.findMany({ where: { productId: product.id }, select: { buyerIp: true } });
    expect(new Set(ips.map((o) => o.buyerIp))).toEqual(new Set(['127.0.0.1']));
  });

  it('failed sign-ins lock the account with growing waits, whatever address they claim; the right password then waits too', async () => {
    const op = await createOperator(kami.db, { role: 'operator' });
    const attempt = (password: string, i: number) => adminCall(kami, null, 'POST', '/auth/login', { body: { email: op.email, password }, headers: from(`192.0.2.${i}`) });
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await attempt(`wrong-${i}`, i)).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(15).fill(429));
    const right = await attempt(op.password, 99);
    expectError({ ...right, text: right.text }, 429, 'account_locked');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    // once the lock ends, the right password works and clears the count
    await kami.db.operator.update({ where: { id: op.id }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    expect((await attempt(op.password, 100)).status).toBe(200);
    expect(await kami.db.operator.findUniqueOrThrow({ where: { id: op.id } })).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });
});
