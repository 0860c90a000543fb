import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { call, expectError, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { partnerCall, partnerChannel } from '../helpers/partner.js';

// Product types (issue 12), end to end through the API with the real worker: card number + password
// pairs, and products that ask the buyer for their own fields (an account-bound top-up).

let kami: Kami;
let operator: AdminSession;
beforeAll(async () => {
  kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m', KAMI_PARTNER_WAIT: '20s' } });
  operator = await loginAs(kami, 'operator');
});
afterAll(() => kami?.stop());

const tag = () => randomUUID().slice(0, 8);
const uniqueEmail = (t: string) => `${t}-${tag()}@example.com`;

async function createProduct(over: Record<string, unknown>) {
  const res = await adminCall(kami, operator, 'POST', '/products', { body: { sku: `PT-${tag()}`, name: `Types ${tag()}`, priceCents: 700, currency: 'USD', ...over } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; sku: string; keyFormat: string; buyerFields: unknown[] };
}

/** Checkout → sandbox payment → the order read once its keys are there. */
async function buy(body: Record<string, unknown>) {
  const placed = await kami.checkout(body);
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const { orderId, accessToken } = placed.body;
  expect((await kami.pay(orderId, accessToken)).status).toBe(200);
  const read = await call(kami, 'GET', `/api/v1/orders/${orderId}?wait=20`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(read.status, read.text).toBe(200);
  return { orderId, accessToken, order: read.body };
}

describe('card number + password pairs', () => {
  it('imports tab- and comma-separated lines as encrypted pairs, de-duplicated across both forms, hinted by the card number', async () => {
    const product = await createProduct({ keyFormat: 'pair' });
    expect(product.keyFormat).toBe('pair');
    const n = tag();
    const res = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'pairs', lines: [
      `CARD-${n}-000000001\tpw,one`, `CARD-${n}-000000002,pwtwo`, `CARD-${n}-000000001,pw,one`, '', `CARD-${n}-000000003\tpwthree`,
    ] } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ imported: 3, duplicates: 1 });
    const rows = await kami.db.cardKey.findMany({ where: { productId: product.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => kami.vault.decrypt(r.ciphertext, product.id))).toEqual([`CARD-${n}-000000001\tpw,one`, `CARD-${n}-000000002\tpwtwo`, `CARD-${n}-000000003\tpwthree`]);
    // at rest neither half is readable, and the hint is the card number's end, never the password's
    for (const r of rows) {
      expect(Buffer.from(r.ciphertext).includes(Buffer.from('pwtwo'))).toBe(false);
      expect(Buffer.from(r.ciphertext).includes(Buffer.from(`CARD-${n}`))).toBe(false);
    }
    expect(rows.map((r) => r.hint)).toEqual(['…0001', '…0002', '…0003']);
    // the preview counts the comma form of a stocked pair as a duplicate, and a half line as invalid
    const preview = await adminCall(kami, operator, 'POST', '/keys/import/preview', { body: { productId: product.id, lines: [`CARD-${n}-000000002\tpwtwo`, `CARD-${n}-9`, `CARD-${n}-8,x`] } });
    expect(preview.body).toMatchObject({ total: 3, valid: 1, invalid: [{ line: 2 }], duplicatesInStock: [{ line: 1 }] });
  });

  it('refuses an import with a line missing a part, naming its line, and stores nothing', async () => {
    const product = await createProduct({ keyFormat: 'pair' });
    const res = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'bad', lines: ['A1,p1', 'A2', 'A3,', ',p4', 'A5\tp5'] } });
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.details).toEqual({
      'lines.1': 'line 2: needs a card number and a password, separated by a tab or a comma',
      'lines.2': 'line 3: the password is missing',
      'lines.3': 'line 4: the card number is missing',
    });
    expect(await kami.db.cardKey.count({ where: { productId: product.id } })).toBe(0);
    expect(await kami.db.keyBatch.count({ where: { productId: product.id } })).toBe(0);
  });

  it('the format is fixed once the product has keys', async () => {
    const product = await createProduct({});
    expect((await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { keyFormat: 'pair' } })).body.keyFormat).toBe('pair');
    expect((await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { keyFormat: 'plain' } })).body.keyFormat).toBe('plain');
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'k', lines: [`K-${randomUUID()}`] } });
    const refused = await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { keyFormat: 'pair', name: 'renamed' } });
    expect([refused.status, refused.body.error.code, Object.keys(refused.body.error.details)]).toEqual([409, 'key_format_locked', ['keyFormat']]);
    expect(await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ keyFormat: 'plain', name: expect.not.stringMatching('renamed') });
    const bad = await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { keyFormat: 'triple' } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('a buyer gets labelled pairs: order read API, order page and delivery email; a partner gets them in its downloads', async () => {
    const product = await createProduct({ keyFormat: 'pair' });
    const n = tag();
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'p', lines: [`NO-${n}-1,PW-${n}-1`, `NO-${n}-2,PW-${n}-2`, `NO-${n}-3,PW-${n}-3`] } });
    const { orderId, accessToken, order } = await buy({ sku: product.sku, quantity: 2, email: uniqueEmail('pair') });
    expect(order.keyFormat).toBe('pair');
    expect(order.cards).toHaveLength(2);
    for (const c of order.cards) expect(c.password).toBe(c.cardNumber.replace('NO-', 'PW-'));
    expect(order.keys).toEqual(order.cards.map((c: { cardNumber: string; password: string }) => `${c.cardNumber}\t${c.password}`));

    const page = await call(kami, 'GET', `/orders/${orderId}?token=${accessToken}&lang=en`);
    for (const c of order.cards) {
      expect(page.text).toContain(`<span class="card-number">${c.cardNumber}</span>`);
      expect(page.text).toContain(`<span class="card-password">${c.password}</span>`);
    }
    expect(page.text).toContain('Card number:');
    const mail = await kami.mail.waitFor((m) => m.subject.includes(orderId));
    for (const c of order.cards) {
      expect(mail.text).toContain(`Card number: ${c.cardNumber}  Password: ${c.password}`);
      expect(mail.html).toContain(`Card number: <b>${c.cardNumber}</b><br>Password: <b>${c.password}</b>`);
    }

    const channel = await partnerChannel(kami, { balance: { USD: 10_000 } });
    const placed = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body: { sku: product.sku, quantity: 1, externalOrderId: `x-${tag()}` } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.cards).toEqual([{ cardNumber: `NO-${n}-3`, password: `PW-${n}-3` }].filter((c) => !order.cards.some((o: { cardNumber: string }) => o.cardNumber === c.cardNumber))
      .concat([{ cardNumber: `NO-${n}-1`, password: `PW-${n}-1` }, { cardNumber: `NO-${n}-2`, password: `PW-${n}-2` }].filter((c) => !order.cards.some((o: { cardNumber: string }) => o.cardNumber === c.cardNumber))));
    const [card] = placed.body.cards;
    const csv = await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${placed.body.orderId}/keys?format=csv`);
    expect(csv.text.split('\r\n')[0]).toBe('order_id,external_order_id,sku,n,card_number,password');
    expect(csv.text).toContain(`,1,${card.cardNumber},${card.password}\r\n`);
    const txt = await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${placed.body.orderId}/keys?format=txt`);
    expect(txt.text).toBe(`card number: ${card.cardNumber}\tpassword: ${card.password}\n`);
    const json = await partnerCall(kami, channel.key, 'GET', `/api/v1/partner/orders/${placed.body.orderId}/keys?format=json`);
    expect(JSON.parse(json.text).cards).toEqual([card]);
  });
});

const GAME_FIELDS = [
  { name: 'account', label: 'Game account', type: 'text', required: true, pattern: '[a-z0-9_]{4,16}', maxLength: 16 },
  { name: 'server', label: 'Server', type: 'select', required: true, options: ['asia', 'europe'] },
  { name: 'level', label: 'Level', type: 'number', required: false },
];

describe('account-bound products: the buyer\'s own fields', () => {
  it('the declaration is checked when saved, field by field, and nothing is written', async () => {
    const sku = `PT-${tag()}`;
    const cases: [unknown, string][] = [
      [[{ name: 'Account', label: 'A', type: 'text' }], 'buyerFields.0.name'],
      [[{ name: 'server', label: 'S', type: 'select' }], 'buyerFields.0.options'],
      [[{ name: 'a', label: 'A', type: 'text', pattern: '([a-z' }], 'buyerFields.0.pattern'],
      [[{ name: 'a', label: 'A', type: 'text' }, { name: 'a', label: 'B', type: 'number' }], 'buyerFields.1.name'],
      [[{ name: 'a', label: 'A', type: 'date' }], 'buyerFields.0.type'],
    ];
    for (const [buyerFields, field] of cases) {
      const res = await adminCall(kami, operator, 'POST', '/products', { body: { sku, name: 'x', priceCents: 100, currency: 'USD', buyerFields } });
      expect([res.status, res.body.error?.code], JSON.stringify(buyerFields)).toEqual([400, 'invalid_request']);
      expect(Object.keys(res.body.error.details), JSON.stringify(buyerFields)).toContain(field);
    }
    expect(await kami.db.product.count({ where: { sku } })).toBe(0);
  });

  it('checkout refuses bad values with invalid_buyer_input per field (public and partner API), placing nothing', async () => {
    const product = await createProduct({ buyerFields: GAME_FIELDS });
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'k', lines: [`K-${randomUUID()}`, `K-${randomUUID()}`] } });
    const before = await stockState(kami, product.id);
    const email = uniqueEmail('bad-input');
    const cases: [Record<string, unknown> | undefined, Record<string, string>][] = [
      [undefined, { 'buyerInput.account': 'required', 'buyerInput.server': 'required' }],
      [{ account: 'AB', server: 'mars', level: 'high' }, {
        'buyerInput.account': 'must match the format [a-z0-9_]{4,16}', 'buyerInput.server': 'choose one of: asia, europe', 'buyerInput.level': 'must be a number',
      }],
      [{ account: 'player_one', server: 'asia', guild: 'x' }, { 'buyerInput.guild': 'this product has no such field' }],
      [{ account: '   ', server: 'asia' }, { 'buyerInput.account': 'required' }],
    ];
    for (const [buyerInput, details] of cases) {
      const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email, ...(buyerInput ? { buyerInput } : {}) } });
      expectError(res, 400, 'invalid_buyer_input', JSON.stringify(buyerInput));
      expect(res.body.error.details).toEqual(details);
    }
    // not a flat record of text and numbers: refused by the body's own schema
    expectError(await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email, buyerInput: { account: { $ne: 1 } } } }), 400, 'invalid_request');
    const channel = await partnerChannel(kami, { balance: { USD: 10_000 } });
    const partner = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 1, externalOrderId: `x-${tag()}`, buyerInput: { server: 'asia' } } });
    expectError(partner, 400, 'invalid_buyer_input');
    expect(partner.body.error.details).toEqual({ 'buyerInput.account': 'required' });
    expect(await stockState(kami, product.id)).toEqual(before);
    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(0);
  });

  it('valid values are stored with the order and shown on the order page, in the email and the order read', async () => {
    const product = await createProduct({ buyerFields: GAME_FIELDS });
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'k', lines: [`K-${randomUUID()}`] } });
    const { orderId, accessToken, order } = await buy({ sku: product.sku, quantity: 1, email: uniqueEmail('bound'), buyerInput: { account: ' player_one ', server: 'europe', level: '42' } });
    expect((await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).buyerInput).toEqual({ account: 'player_one', server: 'europe', level: 42 });
    expect(order.buyerInput).toEqual([
      { name: 'account', label: 'Game account', value: 'player_one' }, { name: 'server', label: 'Server', value: 'europe' }, { name: 'level', label: 'Level', value: '42' },
    ]);
    const page = await call(kami, 'GET', `/orders/${orderId}?token=${accessToken}&lang=en`);
    expect(page.text).toContain('<tr><th scope="row">Game account</th><td>player_one</td></tr>');
    const mail = await kami.mail.waitFor((m) => m.subject.includes(orderId));
    expect(mail.text).toContain('Your details:\n  Game account: player_one\n  Server: europe\n  Level: 42');
    expect(mail.html).toContain('<dt>Game account</dt><dd>player_one</dd>');
    // the panel's order shows them too
    const panel = await adminCall(kami, operator, 'GET', `/orders/${orderId}`);
    expect(panel.body.buyerInput).toEqual({ account: 'player_one', server: 'europe', level: 42 });
  });

  it('the storefront draws the fields, refuses bad values beside them, and places the order with good ones', async () => {
    const product = await createProduct({ buyerFields: GAME_FIELDS });
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'k', lines: [`K-${randomUUID()}`] } });
    const form = await call(kami, 'GET', `/p/${product.sku}?lang=en`);
    expect(form.text).toContain('<label for="f-bi_account">Game account</label>');
    expect(form.text).toContain('<select id="f-bi_server" name="bi_server" required>');
    const post = (fields: Record<string, string>) => fetch(`${kami.baseUrl}/p/${product.sku}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ quantity: '1', email: uniqueEmail('shop'), idempotencyKey: randomUUID(), ...fields }).toString(),
    });
    const refused = await post({ bi_account: 'NO', bi_server: 'asia' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('must match the format [a-z0-9_]{4,16}');
    expect(html).toContain('value="NO"');
    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(0);
    const placed = await post({ bi_account: 'shopper_1', bi_server: 'asia' });
    expect(placed.status).toBe(303);
    expect((await kami.db.order.findFirstOrThrow({ where: { productId: product.id } })).buyerInput).toEqual({ account: 'shopper_1', server: 'asia' });
  });

  it('changing the fields takes effect at the next checkout (the cached product is refreshed)', async () => {
    const product = await createProduct({});
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'k', lines: [`K-${randomUUID()}`, `K-${randomUUID()}`] } });
    // cache the product without fields
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email: uniqueEmail('c') })).status).toBe(201);
    await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { buyerFields: [GAME_FIELDS[0]] } });
    const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: uniqueEmail('c') } });
    expectError(res, 400, 'invalid_buyer_input');
  });
});

describe('shared ("loop") keys', () => {
  it('one secret is stored as one row a use, imported once (a repeat is a duplicate), and the cap is fixed once keys exist', async () => {
    const product = await createProduct({ keyUses: 4 });
    const secret = `LOOP-${randomUUID()}`;
    const first = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'loop', lines: [secret, secret] } });
    expect(first.body).toMatchObject({ imported: 1, duplicates: 1 });
    const again = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'loop again', lines: [secret] } });
    expect(again.body).toMatchObject({ imported: 0, duplicates: 1 });
    const preview = await adminCall(kami, operator, 'POST', '/keys/import/preview', { body: { productId: product.id, lines: [secret, `LOOP-${randomUUID()}`] } });
    expect(preview.body).toMatchObject({ total: 2, valid: 1, duplicatesInStock: [{ line: 1 }] });
    const rows = await kami.db.cardKey.findMany({ where: { productId: product.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.useNo)).toEqual([1, 2, 3, 4]);
    expect(new Set(rows.map((r) => r.sharedFingerprint)).size).toBe(1);
    expect(rows.every((r) => kami.vault.decrypt(r.ciphertext, product.id) === secret)).toBe(true);
    const locked = await adminCall(kami, operator, 'PUT', `/products/${product.id}`, { body: { keyUses: 10 } });
    expect([locked.status, locked.body.error.code, Object.keys(locked.body.error.details)]).toEqual([409, 'key_format_locked', ['keyUses']]);
    const capped = await adminCall(kami, operator, 'POST', '/products', { body: { sku: `PT-${tag()}`, name: 'x', priceCents: 100, currency: 'USD', keyUses: 0 } });
    expect(Object.keys(capped.body.error.details)).toEqual(['keyUses']);
  });

  it('one per order: a quantity above 1 is refused, nothing placed', async () => {
    const product = await createProduct({ keyUses: 3 });
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'loop', lines: [`LOOP-${randomUUID()}`] } });
    const res = await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 2, email: uniqueEmail('loop') } });
    expectError(res, 400, 'invalid_request');
    expect(Object.keys(res.body.error.details)).toEqual(['quantity']);
    expect(await stockState(kami, product.id)).toEqual({ orders: 0, available: 3, reserved: 0, sold: 0 });
  });

  it('a shared key reported invalid and approved: its other unsold uses are voided with it, and the replacement is another secret', async () => {
    const product = await createProduct({ keyUses: 3 });
    const [a, b] = [`LOOP-A-${randomUUID()}`, `LOOP-B-${randomUUID()}`];
    expect((await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'loop', lines: [a, b] } })).status).toBe(201);
    const o = await buy({ sku: product.sku, quantity: 1, email: uniqueEmail('loopbad') });
    const [bad] = o.order.keys as [string];
    const other = bad === a ? b : a;
    // the first run must be closed before the report's after-sales run can start
    await expect.poll(async () => (await call(kami, 'POST', `/api/v1/orders/${o.orderId}/reports`,
      { body: { key: bad, reason: 'code already used' }, headers: { authorization: `Bearer ${o.accessToken}` } })).status, { timeout: 30_000 }).toBe(202);
    await expect.poll(async () => (await kami.db.order.findUniqueOrThrow({ where: { id: o.orderId } })).status, { timeout: 15_000 }).toBe('in_review');
    expect((await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/approve`, { body: { note: 'replace it' } })).status).toBe(200);
    await expect.poll(async () => (await call(kami, 'GET', `/api/v1/orders/${o.orderId}`, { headers: { authorization: `Bearer ${o.accessToken}` } })).body.keys, { timeout: 20_000 })
      .toEqual([other]);
    const rows = await kami.db.cardKey.findMany({ where: { productId: product.id }, orderBy: { id: 'asc' } });
    const secretOf = (r: (typeof rows)[number]) => kami.vault.decrypt(r.ciphertext, product.id);
    // all three uses of the bad secret are void (one sold, two never sold); the other secret: one sold, two left
    expect(rows.filter((r) => secretOf(r) === bad).map((r) => r.status).sort()).toEqual(['void', 'void', 'void']);
    expect(rows.filter((r) => secretOf(r) === other).map((r) => r.status).sort()).toEqual(['available', 'available', 'sold']);
    const next = await buy({ sku: product.sku, quantity: 1, email: uniqueEmail('loopnext') });
    expect(next.order.keys).toEqual([other]);
  });

  it('20 buyers at once for a key capped at 5: exactly 5 orders, each delivered the same secret, then sold out', async () => {
    const product = await createProduct({ keyUses: 5 });
    const secret = `LOOP-${randomUUID()}`;
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: product.id, label: 'loop', lines: [secret] } });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(kami, 'POST', '/api/v1/orders', {
      body: { sku: product.sku, quantity: 1, email: uniqueEmail(`loop${i}`) }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
    })));
    const placed = answers.filter((a) => a.status === 201);
    expect(placed).toHaveLength(5);
    for (const refused of answers.filter((a) => a.status !== 201)) expectError(refused, 409, 'out_of_stock');
    expect(await stockState(kami, product.id)).toEqual({ orders: 5, available: 0, reserved: 5, sold: 0 });

    const orders = await Promise.all(placed.map(async (p) => {
      expect((await kami.pay(p.body.orderId, p.body.accessToken)).status).toBe(200);
      return (await call(kami, 'GET', `/api/v1/orders/${p.body.orderId}?wait=20`, { headers: { authorization: `Bearer ${p.body.accessToken}` } })).body;
    }));
    expect(orders.map((o) => o.keys)).toEqual(Array.from({ length: 5 }, () => [secret]));
    const rows = await kami.db.cardKey.findMany({ where: { productId: product.id }, orderBy: { useNo: 'asc' } });
    expect(rows.map((r) => [r.useNo, r.status])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 'sold']));
    expect(new Set(rows.map((r) => r.orderId)).size).toBe(5);
    const listing = await call(kami, 'GET', `/api/v1/products/${product.sku}`);
    expect(listing.body.available).toBe(0);
    expectError(await call(kami, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: uniqueEmail('late') } }), 409, 'out_of_stock');
  });
});
