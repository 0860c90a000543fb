import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpError } from 'react-admin';
import { z } from 'zod';
import { formatMoney } from '../../admin/src/common/format.js';
import { createDataProvider, providerFieldErrors, providerUpdateBody, REQUIRED_TO_ENABLE, type KamiDataProvider } from '../../admin/src/dataProvider.js';
import { createHttpClient, type Session } from '../../admin/src/http.js';
import type { PaymentAttemptRecord, PaymentNotificationRecord, PaymentProviderRecord, RefundRecord } from '../../admin/src/types.js';
import { describeSettings } from '../../api/admin/payment-providers.js';
import { GATEWAYS } from '../../infra/payments/definitions.js';
import { defineGateway } from '../../infra/payments/gateway.js';
import { createOperator, login } from '../helpers/admin.js';
import { notify, paymentFor } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let session: Session;
let cookie: string;
let dp: KamiDataProvider;

/** The panel's own httpClient and dataProvider; this fetch carries the session cookie as the browser would. */
const withCookie: typeof fetch = (url, init) => {
  const headers = new Headers(init?.headers);
  headers.set('cookie', cookie);
  return fetch(url, { ...init, headers });
};

beforeAll(async () => {
  kami = await startKami({ worker: false });
  const owner = await createOperator(kami.db, { role: 'owner' });
  const signedIn = await login(kami.baseUrl, owner.email, owner.password);
  cookie = signedIn.cookie;
  session = { csrfToken: signedIn.csrfToken };
  dp = createDataProvider(createHttpClient(session, withCookie), `${kami.baseUrl}/admin/api`);
});
afterAll(() => kami?.stop());

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: HttpError) => e);

describe('panel dataProvider against the admin API', () => {
  it('lists with sort, range and filter, and reads the total from Content-Range', async () => {
    const product = await kami.product(7, { name: 'Listed' });
    const keys = await dp.getList('keys', { pagination: { page: 2, perPage: 3 }, sort: { field: 'id', order: 'ASC' }, filter: { productId: product.id } });
    expect(keys.total).toBe(7);
    expect(keys.data).toHaveLength(3);
    expect(keys.data.every((k: { productId: string }) => k.productId === product.id)).toBe(true);
    const many = await dp.getMany('products', { ids: [product.id] });
    expect(many.data.map((p: { name: string }) => p.name)).toEqual(['Listed']);
  });

  it('maps field errors onto body.errors, so forms show them next to the inputs', async () => {
    const bad = await failure(dp.create('products', { data: { sku: 'no spaces allowed', name: 'X', priceCents: 100, currency: 'USD' } }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_request', errors: { sku: expect.any(String) } });
    const taken = await failure(dp.create('products', { data: { sku: (await kami.product(0)).sku, name: 'X', priceCents: 100, currency: 'USD' } }));
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'sku_taken', errors: { sku: 'another product already uses this SKU' } });
    expect(taken.message).toBe('another product already uses this SKU');
  });

  it('keeps a refusal\'s code and message, e.g. deciding an order that does not exist', async () => {
    const missing = await failure(dp.approveOrder('ord_missing', { note: 'x' }));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('order_not_found');
  });

  it('sends the CSRF token on every change, and a change without it is refused', async () => {
    const created = await dp.create('products', { data: { sku: `DP-${Date.now()}`, name: 'Made by the panel', priceCents: 1999, currency: 'CNY' } });
    expect(created.data).toMatchObject({ name: 'Made by the panel', priceCents: 1999, stock: { available: 0 } });
    const token = session.csrfToken;
    session.csrfToken = null;
    const refused = await failure(dp.update('products', { id: created.data.id, data: { name: 'no token' }, previousData: created.data }));
    session.csrfToken = token;
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('csrf_failed');
  });

  it('runs the key commands: chunked preview numbering, import into one batch, export', async () => {
    const product = await kami.product(1);
    const preview = await dp.previewKeyImport({ productId: product.id, lines: ['A-1', '', 'A-1', product.secrets[0]!], firstLine: 5001 });
    expect(preview).toMatchObject({ total: 3, valid: 1, duplicatesInFile: [{ line: 5003, firstLine: 5001 }], duplicatesInStock: [{ line: 5004 }] });
    const first = await dp.importKeys({ productId: product.id, label: 'chunks', lines: ['A-1', 'A-2'] });
    const second = await dp.importKeys({ productId: product.id, label: 'chunks', lines: ['A-3'], batchId: first.batchId });
    expect(second).toMatchObject({ batchId: first.batchId, imported: 1 });
    const text = await dp.exportKeys({ productId: product.id, batchId: first.batchId });
    expect(text.trim().split('\n').sort()).toEqual(['A-1', 'A-2', 'A-3']);
  });

  it('reads the dashboard figures for the browser\'s time zone', async () => {
    const stats = await dp.getStats();
    expect(stats).toMatchObject({ today: { orders: expect.any(Number) }, inbox: { pending: expect.any(Number) } });
    expect(stats.ordersPerHour).toHaveLength(24);
  });

  it('turns an ended session into a 401 HttpError, which the authProvider turns into the login page', async () => {
    const saved = cookie;
    cookie = 'kami_session=expired';
    const ended = await failure(dp.getList('orders', { pagination: { page: 1, perPage: 1 }, sort: { field: 'id', order: 'ASC' }, filter: {} }));
    cookie = saved;
    expect(ended.status).toBe(401);
    expect(ended.body.code).toBe('unauthenticated');
  });
});

const everything = { pagination: { page: 1, perPage: 100 }, sort: { field: 'id', order: 'ASC' as const } };

describe('panel dataProvider: the money trail and the gateways', () => {
  it('shows money in each currency\'s own decimals: JPY none, CNY two, USDT four', () => {
    expect(formatMoney(1234, 'JPY', 'en')).toBe('¥1,234');
    expect(formatMoney(1234, 'CNY', 'en')).toBe('¥12.34');
    expect(formatMoney(12345, 'USDT', 'en')).toBe('1.2345 USDT');
    expect(formatMoney(5, 'USD', 'en')).toBe('$0.05');
    // exact beyond a float's comfort: 10^12 minor units is Kami's largest amount
    expect(formatMoney(999_999_999_999, 'USDT', 'en')).toBe('99,999,999.9999 USDT');
  });

  it('builds a gateway save from the form: settings without empties, only the secrets typed, errors nested as the form names them', () => {
    const body = providerUpdateBody({
      enabled: true, displayName: ' 易支付 ', settings: { url: ' https://pay.example.com/ ', pid: '', mode: 'submit', key: 'leaked?' },
      newSecrets: { key: '', other: 'x' },
    }, ['key']);
    expect(body).toEqual({ enabled: true, displayName: '易支付', settings: { url: 'https://pay.example.com/', mode: 'submit' }, secrets: {} });
    expect(providerUpdateBody({ enabled: false, displayName: 'E', newSecrets: { key: ' -----BEGIN KEY-----\nabc\n-----END KEY----- ' } }, ['key']).secrets)
      .toEqual({ key: '-----BEGIN KEY-----\nabc\n-----END KEY-----' });
    expect(providerFieldErrors({ url: 'bad url', key: 'too short', '(root)': 'incomplete', displayName: 'empty' }, ['key'])).toEqual({
      settings: { url: 'bad url' }, newSecrets: { key: 'too short' }, root: { server: 'incomplete' }, displayName: 'empty',
    });
  });

  it('describes a gateway\'s settings form from its module\'s schema', () => {
    const def = defineGateway({
      name: 'epay', displayName: 'Demo', secretFields: ['key', 'cert'], canQuery: false, canRefund: false, create: () => { throw new Error('unused'); },
      settings: z.object({
        url: z.url().meta({ title: 'Gateway URL', description: 'https://…/' }),
        mode: z.enum(['a', 'b']).default('a'),
        timeoutMs: z.int().positive().optional(),
        sandbox: z.boolean().optional(),
        key: z.string().min(8),
      }),
    });
    expect(describeSettings(def)).toEqual([
      { name: 'url', type: 'string', secret: false, required: true, title: 'Gateway URL', description: 'https://…/', format: 'uri' },
      { name: 'mode', type: 'string', secret: false, required: false, choices: ['a', 'b'], default: 'a' },
      { name: 'timeoutMs', type: 'integer', secret: false, required: false },
      { name: 'sandbox', type: 'boolean', secret: false, required: false },
      { name: 'key', type: 'string', secret: true, required: true },
      // a secret the schema does not list still gets its field
      { name: 'cert', type: 'string', secret: true, required: false },
    ]);
  });

  // the browser test configures Epay in the same database: this one takes USDT
  const usdt = GATEWAYS.find((g) => g.name === 'usdt');
  it.skipIf(!usdt)('lists the gateways with their fields; a save keeps secrets write-only and an incomplete enabled one is refused per field', async () => {
    const list = await dp.getList<PaymentProviderRecord>('payment-providers', { ...everything, filter: {} });
    expect(list.data.map((g) => g.id).sort()).toEqual(GATEWAYS.map((g) => g.name).sort());
    const before = list.data.find((g) => g.id === 'usdt')!;
    expect(before).toMatchObject({ enabled: false, source: 'panel', secretFields: ['token'], secrets: {} });
    expect(before.fields!.map((f) => f.name)).toEqual(expect.arrayContaining(['url', 'token']));
    expect(before.fields!.find((f) => f.name === 'token')).toMatchObject({ secret: true });

    // saved switched off, half filled: fine; the token is stored and shown back only by its last four characters
    const token = `t-${randomUUID()}`;
    const saved = await dp.update<PaymentProviderRecord>('payment-providers', {
      id: 'usdt', previousData: before,
      data: { ...before, displayName: 'USDT (test)', settings: { url: 'https://usdt.example.com/', pid: '' }, newSecrets: { token } } as PaymentProviderRecord,
    });
    expect(saved.data).toMatchObject({ id: 'usdt', displayName: 'USDT (test)', enabled: false, settings: { url: 'https://usdt.example.com/' }, secrets: { token: `…${token.slice(-4)}` } });
    expect(JSON.stringify(saved.data)).not.toContain(token);
    const reread = await dp.getOne<PaymentProviderRecord>('payment-providers', { id: 'usdt' });
    expect(JSON.stringify(reread.data)).not.toContain(token);

    // switched on with the URL cleared: refused, on its field, in words; the stored token is not missing; nothing changed
    const missing = await failure(dp.update('payment-providers', {
      id: 'usdt', previousData: reread.data, data: { ...reread.data, enabled: true, settings: { url: '' }, newSecrets: {} } as PaymentProviderRecord,
    }));
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('invalid_request');
    expect(missing.body.errors).toEqual({ settings: { url: REQUIRED_TO_ENABLE }, newSecrets: {} });
    // a URL typed wrong keeps the gateway module's own words
    const wrong = await failure(dp.update('payment-providers', {
      id: 'usdt', previousData: reread.data, data: { ...reread.data, enabled: true, settings: { url: 'usdt.example.com' }, newSecrets: {} } as PaymentProviderRecord,
    }));
    expect(wrong.body.errors.settings.url).toEqual(expect.any(String));
    expect(wrong.body.errors.settings.url).not.toBe(REQUIRED_TO_ENABLE);
    expect((await dp.getOne<PaymentProviderRecord>('payment-providers', { id: 'usdt' })).data).toMatchObject({ enabled: false, version: reread.data.version });
    await kami.db.paymentProviderConfig.delete({ where: { provider: 'usdt' } }); // the database is the whole run's
  });

  it('reads an order\'s attempts, payments and notifications; confirms it paid by reference when no gateway says so', async () => {
    const product = await kami.product(2, { priceCents: 1200, currency: 'CNY' });
    const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: `trail-${randomUUID().slice(0, 8)}@example.com`, provider: 'sandbox' });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orderId as string;
    const filter = { orderId };

    const attempts = await dp.getList<PaymentAttemptRecord>('payment-attempts', { ...everything, filter });
    expect(attempts.data).toEqual([expect.objectContaining({ provider: 'sandbox', gatewayOrderNo: orderId, gatewayAmountMinor: 1200, gatewayCurrency: 'CNY', payments: [] })]);

    // a forged callback is kept (never tied to the order) and found by the order id it names
    expect((await notify(kami, paymentFor({ orderId, amountDueCents: 1200, currency: 'CNY' }, `forged-${orderId}`), { secret: 'f'.repeat(64) })).status).toBe(401);
    const mentions = await dp.getList<PaymentNotificationRecord>('payment-notifications', { ...everything, filter: { mentions: orderId } });
    expect(mentions.data).toEqual([expect.objectContaining({ orderId: null, verified: false, outcome: 'refused:invalid_signature', kind: 'notify' })]);
    expect(mentions.data[0]!.body).toContain(`forged-${orderId}`);
    expect((await dp.getList('payment-notifications', { ...everything, filter })).total).toBe(0);

    // the sandbox cannot be asked: no gateway reports it paid, and what each said comes along
    const notFound = await failure(dp.confirmPayment(orderId));
    expect(notFound.status).toBe(409);
    expect(notFound.body).toMatchObject({ code: 'payment_not_found', details: { asked: [] } });

    const confirmed = await dp.confirmPayment(orderId, { reference: 'BANK-4711', note: 'seen on the statement' });
    expect(confirmed).toMatchObject({ orderId, confirmedBy: 'operator', provider: 'sandbox', paymentId: expect.any(Number) });
    const after = await dp.getList<PaymentAttemptRecord>('payment-attempts', { ...everything, filter });
    expect(after.data[0]!.payments).toEqual([expect.objectContaining({ txnId: 'manual:BANK-4711', amountCents: 1200, currency: 'CNY', verifiedBy: 'operator', confirmedBy: expect.stringContaining('@') })]);
    const kept = await dp.getList<PaymentNotificationRecord>('payment-notifications', { ...everything, filter });
    expect(kept.data).toEqual([expect.objectContaining({ kind: 'manual', verified: true, outcome: 'paid', body: 'seen on the statement' })]);

    // the same reference again (a double click, a retry) records nothing new
    expect(await dp.confirmPayment(orderId, { reference: 'BANK-4711' })).toMatchObject({ paymentId: confirmed.paymentId });
    expect((await failure(dp.confirmPayment('ord_missing'))).status).toBe(404);
  });

  it('lists refunds to do and closes one with a reference, once', async () => {
    const product = await kami.product(1, { priceCents: 990, currency: 'JPY' });
    const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: `refund-${randomUUID().slice(0, 8)}@example.com`, provider: 'sandbox' });
    const { paymentId } = await dp.confirmPayment(placed.body.orderId, { reference: `REF-${placed.body.orderId}` });
    const refund = await kami.db.refund.create({
      data: { orderId: placed.body.orderId, paymentId, provider: 'sandbox', amountMinor: 990, currency: 'JPY', status: 'manual', reason: 'rejected: test' },
    });
    const todo = await dp.getList<RefundRecord>('refunds', { ...everything, filter: { status: ['manual', 'failed'], orderId: placed.body.orderId } });
    expect(todo.data).toEqual([expect.objectContaining({ id: refund.id, amountMinor: 990, currency: 'JPY', status: 'manual', payment: { txnId: `manual:REF-${placed.body.orderId}` } })]);

    const closed = await dp.closeRefund(refund.id, 'TRANSFER-0042');
    expect(closed).toMatchObject({ id: refund.id, status: 'done', reference: 'TRANSFER-0042', closedBy: expect.stringContaining('@') });
    const again = await failure(dp.closeRefund(refund.id, 'TRANSFER-0043'));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('refund_not_open');
  });
});
