import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpError } from 'react-admin';
import { createDataProvider, type KamiDataProvider } from '../../admin/src/dataProvider.js';
import { createHttpClient, type Session } from '../../admin/src/http.js';
import { createOperator, login } from '../helpers/admin.js';
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
