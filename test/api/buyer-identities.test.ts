import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

// Purchase limits count a buyer by normalised identities (domain/identity.ts) and, when a product asks
// for it, by the client's address. The test server trusts X-Forwarded-For from loopback
// (KAMI_TRUST_PROXY=loopback in startKami), as behind a reverse proxy, so each request can come from
// an address of its own.
let kami: Kami;
let owner: AdminSession;
beforeAll(async () => {
  kami = await startKami();
  owner = await loginAs(kami, 'owner');
});
afterAll(() => kami?.stop());

let nextAddress = 1;
/** A fresh client address for each buyer, so unpaid holds (counted only at their own address) stay out of it. */
const address = () => `198.51.100.${nextAddress++}`;
const checkout = (sku: string, buyer: { email: string; phone?: string }, from = address()) =>
  kami.checkout({ sku, quantity: 1, ...buyer }, { 'x-forwarded-for': from });

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
async function paid(answer: { status: number; body: any }, until = 'delivered') {
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  expect((await kami.pay(answer.body.orderId, answer.body.accessToken)).status).toBe(200);
  await expect.poll(() => statusOf(answer.body.orderId), { timeout: 20_000 }).toBe(until);
  return answer.body.orderId as string;
}

describe('phone numbers count as one buyer however they are written', () => {
  it('+86 138 0013 8000, 008613800138000 and 13800138000 (default region CN) hit one limit; another number does not', async () => {
    const product = await kami.product(5, { rules: { purchaseLimit: 1, purchaseLimitWindow: '24h', purchaseLimitBy: ['phone'] } });
    const first = await paid(await checkout(product.sku, { email: 'phone-a@example.com', phone: '+86 138 0013 8000' }));
    expect((await kami.db.order.findUniqueOrThrow({ where: { id: first } })).phone).toBe('+8613800138000');
    for (const phone of ['008613800138000', '13800138000', '+86 (138) 0013-8000']) {
      const again = await checkout(product.sku, { email: `phone-${phone.replace(/\D/g, '')}@example.com`, phone });
      expect(again.status, phone).toBe(409);
      expect(again.body.error.code).toBe('limit_exceeded');
    }
    expect((await checkout(product.sku, { email: 'phone-b@example.com', phone: '+86 139 0013 8000' })).status).toBe(201);
  });

  it('a phone that is not a valid number is a 400 on phone, and nothing is placed', async () => {
    const product = await kami.product(2);
    for (const phone of ['12345', '+1 (555) 010-9999', '+86 100 0000 0000']) {
      const res = await checkout(product.sku, { email: 'bad-phone@example.com', phone });
      expect(res.status, phone).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details.phone).toMatch(/not a valid phone number/);
    }
    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(0);
  });
});

describe('email alias domains count as one buyer', () => {
  it('iCloud (me.com = icloud.com), Proton (pm.me = protonmail.com, dots ignored) and Yandex (ya.ru = yandex.ru) variants hit one limit', async () => {
    const product = await kami.product(6, { rules: { purchaseLimit: 1, purchaseLimitWindow: '24h', purchaseLimitBy: ['email'] } });
    await paid(await checkout(product.sku, { email: 'Bob.Smith@me.com' }));
    await paid(await checkout(product.sku, { email: 'jane.doe@protonmail.com' }));
    for (const email of ['bob.smith+2@icloud.com', 'bob.smith@mac.com', 'janedoe@pm.me', 'Jane_Doe@proton.me', 'ivan-petrov@yandex.ru']) {
      if (email.startsWith('ivan')) await paid(await checkout(product.sku, { email: 'ivan.petrov@ya.ru' }));
      const again = await checkout(product.sku, { email });
      expect(again.status, email).toBe(409);
      expect(again.body.error.code).toBe('limit_exceeded');
    }
    // iCloud keeps its dots: a different person
    expect((await checkout(product.sku, { email: 'bobsmith@icloud.com' })).status).toBe(201);
  });
});

describe('a product may count the buyer\'s address', () => {
  it('at checkout: with ip in purchaseLimitBy, a second buyer from the same address is refused; other addresses are not', async () => {
    const limited = await kami.product(5, { rules: { purchaseLimit: 1, purchaseLimitWindow: '24h', purchaseLimitBy: ['email', 'ip'] } });
    const open = await kami.product(5, { rules: { purchaseLimit: 1, purchaseLimitWindow: '24h' } });
    const shared = '203.0.113.7';
    expect((await checkout(limited.sku, { email: 'office-1@example.com' }, shared)).status).toBe(201);
    const second = await checkout(limited.sku, { email: 'office-2@example.com', phone: '+86 137 0000 0001' }, shared);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'limit_exceeded', details: { bought: 1 } });
    expect((await checkout(limited.sku, { email: 'office-2@example.com' }, '203.0.113.8')).status).toBe(201);
    const row = await kami.db.order.findFirstOrThrow({ where: { productId: limited.id, email: 'office-1@example.com' } });
    expect(row.buyerIp).toBe(shared);

    // without ip in purchaseLimitBy (the default) the address is not a buyer
    expect((await checkout(open.sku, { email: 'office-1@example.com' }, shared)).status).toBe(201);
    expect((await checkout(open.sku, { email: 'office-2@example.com' }, shared)).status).toBe(201);
  });

  it('after payment: the rules count paid orders from the same address, and send one over the limit to review', async () => {
    const product = await kami.product(5, { rules: { purchaseLimit: 2, purchaseLimitWindow: '24h', purchaseLimitBy: ['ip'] } });
    const shared = '203.0.113.9';
    const first = await checkout(product.sku, { email: 'lan-1@example.com' }, shared);
    const second = await checkout(product.sku, { email: 'lan-2@example.com' }, shared);
    expect([first.status, second.status]).toEqual([201, 201]);
    await paid(first);
    // the shop tightens the limit while the second order waits for payment
    const put = await adminCall(kami, owner, 'PUT', `/rules/${product.id}`, {
      body: { settings: { purchaseLimit: 1, purchaseLimitWindow: '24h', purchaseLimitBy: ['ip'] } },
    });
    expect(put.status, put.text).toBe(200);
    await paid(second, 'in_review');
    const row = await kami.db.order.findUniqueOrThrow({ where: { id: second.body.orderId } });
    expect(row.reviewReasons).toEqual([expect.objectContaining({ code: 'purchase_limit' })]);
    expect(row.ruleDecision).toMatchObject({ facts: { boughtInLimitWindow: 1 } });
  });
});

describe('the panel reads a phone the way checkout does', () => {
  it('a number typed in the shop\'s own region (KAMI_DEFAULT_PHONE_REGION=US) is blacklisted as the E.164 checkout stores', async () => {
    const us = await startKami({ env: { KAMI_DEFAULT_PHONE_REGION: 'US' } });
    try {
      const operator = await loginAs(us, 'operator');
      const res = await adminCall(us, operator, 'PUT', `/buyers/${encodeURIComponent('phone:(415) 555-0100')}`, { body: { blacklisted: true, blacklistReason: 'chargebacks' } });
      expect(res.status, res.text).toBe(200);
      expect(await us.db.blacklistEntry.findMany({ where: { kind: 'phone', value: { contains: '4155550100' } } }))
        .toEqual([expect.objectContaining({ value: '+14155550100' })]);
    } finally {
      await us.db.blacklistEntry.deleteMany({ where: { kind: 'phone', value: '+14155550100' } });
      await us.stop();
    }
  });
});
