import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, listQuery, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let owner: AdminSession;
let operator: AdminSession;
beforeAll(async () => {
  kami = await startKami({ worker: false });
  [owner, operator] = await Promise.all([loginAs(kami, 'owner'), loginAs(kami, 'operator')]);
});
afterAll(() => kami?.stop());

const tag = () => randomBytes(4).toString('hex').toUpperCase();

async function newProduct(over: Record<string, unknown> = {}) {
  const sku = `CAT-${tag()}`;
  const res = await adminCall(kami, operator, 'POST', '/products', { body: { sku, name: `Catalogue ${sku}`, priceCents: 500, currency: 'USD', ...over } });
  expect(res.status).toBe(201);
  return res.body as { id: string; sku: string; name: string };
}

const importLines = (productId: string, lines: string[], extra: Record<string, unknown> = {}) =>
  adminCall(kami, operator, 'POST', '/keys/import', { body: { productId, label: 'test batch', lines, ...extra } });

describe('the list contract (ra-data-simple-rest)', () => {
  it('sorts, pages and filters, and reports the total in Content-Range', async () => {
    const prefix = `List ${tag()}`;
    for (const [i, price] of [300, 100, 500, 200, 400].entries()) await newProduct({ name: `${prefix} ${i}`, priceCents: price });
    const page = await adminCall(kami, operator, 'GET', `/products${listQuery({ sort: ['priceCents', 'DESC'], range: [1, 2], filter: { q: prefix } })}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-range')).toBe('products 1-2/5');
    expect(page.headers.get('access-control-expose-headers')).toBe('Content-Range');
    expect(page.body.map((p: any) => p.priceCents)).toEqual([400, 300]);

    const all = await adminCall(kami, operator, 'GET', `/products${listQuery({ sort: ['priceCents', 'ASC'], range: [0, 24], filter: { q: prefix } })}`);
    expect(all.body.map((p: any) => p.priceCents)).toEqual([100, 200, 300, 400, 500]);
    const ids = all.body.slice(0, 2).map((p: any) => p.id);
    const many = await adminCall(kami, operator, 'GET', `/products${listQuery({ filter: { id: ids } })}`);
    expect(many.body.map((p: any) => p.id).sort()).toEqual([...ids].sort());

    const empty = await adminCall(kami, operator, 'GET', `/products${listQuery({ range: [0, 9], filter: { q: `${prefix} none` } })}`);
    expect(empty.body).toEqual([]);
    expect(empty.headers.get('content-range')).toBe('products */0');
  });

  it('answers 400 for an unknown sort field, an unknown filter or a malformed range', async () => {
    const badSort = await adminCall(kami, operator, 'GET', `/products${listQuery({ sort: ['password', 'ASC'] })}`);
    expect(badSort.status).toBe(400);
    expect(badSort.body.error.details.sort).toMatch(/cannot sort by "password"/);
    const badFilter = await adminCall(kami, operator, 'GET', `/orders${listQuery({ filter: { nonsense: 1 } })}`);
    expect(badFilter.status).toBe(400);
    const badRange = await adminCall(kami, operator, 'GET', '/keys?range=[5,1]');
    expect(badRange.status).toBe(400);
    expect(badRange.body.error.details).toHaveProperty('range');
    expect((await adminCall(kami, operator, 'GET', '/audit?sort=not-json')).status).toBe(403); // role is checked before anything else
    expect((await adminCall(kami, owner, 'GET', '/audit?sort=not-json')).status).toBe(400);
  });
});

describe('products', () => {
  it('rejects bad input with 400 and a message per field, and stores nothing', async () => {
    const before = await kami.db.product.count();
    const res = await adminCall(kami, operator, 'POST', '/products', { body: { sku: 'bad sku!', name: '', priceCents: -1, currency: 'dollars' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(Object.keys(res.body.error.details).sort()).toEqual(['currency', 'name', 'priceCents', 'sku']);
    expect(await kami.db.product.count()).toBe(before);
  });

  it('updates from the full record react-admin sends back, audits the change, and refuses a taken SKU', async () => {
    const a = await newProduct();
    const b = await newProduct();
    const edited = await adminCall(kami, operator, 'PUT', `/products/${a.id}`, { body: { ...a, priceCents: 750, guide: 'x'.repeat(300), lowStockThreshold: 3 } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: a.id, priceCents: 750, lowStockThreshold: 3, stock: { available: 0 } });
    const entry = await kami.db.auditLog.findFirstOrThrow({ where: { action: 'product.update', targetId: a.id } });
    expect(entry.data).toEqual({ sku: a.sku, changes: { priceCents: { from: 500, to: 750 }, guide: { from: '', to: '(300 characters)' }, lowStockThreshold: { from: 10, to: 3 } } });

    const clash = await adminCall(kami, operator, 'PUT', `/products/${a.id}`, { body: { sku: b.sku } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('sku_taken');
    expect((await kami.db.product.findUniqueOrThrow({ where: { id: a.id } })).sku).toBe(a.sku);
  });

  it('deletes an empty product, and only deactivates one that holds keys', async () => {
    const empty = await newProduct();
    expect((await adminCall(kami, operator, 'DELETE', `/products/${empty.id}`)).status).toBe(200);
    expect(await kami.db.product.count({ where: { id: empty.id } })).toBe(0);

    const stocked = await newProduct();
    await importLines(stocked.id, ['KEEP-ME-1']);
    const res = await adminCall(kami, operator, 'DELETE', `/products/${stocked.id}`);
    expect(res.body).toMatchObject({ id: stocked.id, active: false, stock: { available: 1 } });
    expect(await kami.db.auditLog.count({ where: { action: 'product.deactivate', targetId: stocked.id } })).toBe(1);
  });
});

describe('keys', () => {
  it('previews an import: invalid lines, duplicates in the file and in stock, by line number; stores nothing', async () => {
    const p = await newProduct();
    await importLines(p.id, ['IN-STOCK-1']);
    const lines = ['KEY-A', '', 'card-b,pass-b', 'KEY-A', 'x'.repeat(501), 'IN-STOCK-1', '  card-b,pass-b  ', 'bad\u0001key', 'KEY-C\tPIN'];
    const res = await adminCall(kami, operator, 'POST', '/keys/import/preview', { body: { productId: p.id, lines } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      total: 8,
      valid: 3,
      invalid: [{ line: 5, reason: 'longer than 500 characters' }, { line: 8, reason: 'contains control characters' }],
      duplicatesInFile: [{ line: 4, firstLine: 1 }, { line: 7, firstLine: 3 }],
      duplicatesInStock: [{ line: 6 }],
    });
    expect(await kami.db.cardKey.count({ where: { productId: p.id } })).toBe(1);

    const offset = await adminCall(kami, operator, 'POST', '/keys/import/preview', { body: { productId: p.id, lines: ['KEY-D', 'KEY-D'], firstLine: 5001 } });
    expect(offset.body.duplicatesInFile).toEqual([{ line: 5002, firstLine: 5001 }]);

    const refused = await importLines(p.id, lines);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual({ 'lines.4': 'line 5: longer than 500 characters', 'lines.7': 'line 8: contains control characters' });
    expect(await kami.db.cardKey.count({ where: { productId: p.id } })).toBe(1);
  });

  it('imports 12,000 keys in three chunks into one batch', async () => {
    const p = await newProduct();
    const keys = Array.from({ length: 12_000 }, (_, i) => `BULK-${i}-${randomBytes(6).toString('hex')}`);
    const started = performance.now();
    const first = await importLines(p.id, keys.slice(0, 4000), { label: 'bulk file' });
    expect(first.status).toBe(201);
    const { batchId } = first.body;
    for (const chunk of [keys.slice(4000, 8000), [...keys.slice(8000), keys[0]!]]) {
      const res = await importLines(p.id, chunk, { label: 'bulk file', batchId });
      expect(res.body.batchId).toBe(batchId);
    }
    const elapsed = performance.now() - started;
    console.info(`[admin keys] imported 12,000 keys in 3 chunks in ${Math.round(elapsed)} ms`);

    expect(await kami.db.cardKey.count({ where: { productId: p.id, batchId, status: 'available' } })).toBe(12_000);
    expect(await kami.db.keyBatch.count({ where: { productId: p.id } })).toBe(1);
    const audits = await kami.db.auditLog.findMany({ where: { targetType: 'batch', targetId: String(batchId) }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => [a.action, (a.data as any).imported, (a.data as any).duplicates])).toEqual([
      ['keys.import', 4000, 0], ['keys.import.append', 4000, 0], ['keys.import.append', 4000, 1],
    ]);

    const batch = await adminCall(kami, operator, 'GET', `/batches/${batchId}`);
    expect(batch.body).toMatchObject({ id: batchId, productId: p.id, label: 'bulk file', counts: { available: 12_000, reserved: 0, sold: 0, void: 0 } });
    const list = await adminCall(kami, operator, 'GET', `/keys${listQuery({ sort: ['id', 'ASC'], range: [0, 4], filter: { batchId } })}`);
    expect(list.headers.get('content-range')).toBe('keys 0-4/12000');
    expect(Object.keys(list.body[0]).sort()).toEqual(['batchId', 'createdAt', 'hint', 'id', 'orderId', 'productId', 'reservedUntil', 'soldAt', 'status', 'voidReason']);
    expect(list.body[0].hint).toBe(`…${keys[0]!.slice(-4)}`);

    const other = await newProduct();
    const wrongBatch = await importLines(other.id, ['X-1'], { batchId });
    expect(wrongBatch.status).toBe(404);
    expect(await kami.db.cardKey.count({ where: { productId: other.id } })).toBe(0);
  });

  it('voids available and reserved keys, but not sold ones (409, nothing changed)', async () => {
    const p = await newProduct();
    await importLines(p.id, ['V-1', 'V-2', 'V-3', 'V-4']);
    const checkout = await kami.checkout({ sku: p.sku, quantity: 1, email: 'void@example.com' });
    expect(checkout.status).toBe(201);
    const keys = await kami.db.cardKey.findMany({ where: { productId: p.id }, orderBy: { id: 'asc' } });
    const reserved = keys.find((k) => k.status === 'reserved')!;
    const [a, c] = keys.filter((k) => k.status === 'available');
    await kami.db.cardKey.update({ where: { id: c!.id }, data: { status: 'sold', orderId: reserved.orderId, soldAt: new Date() } });

    const refused = await adminCall(kami, operator, 'POST', '/keys/void', { body: { ids: [a!.id, c!.id], reason: 'leaked' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.ids).toContain(`${c!.id} (sold)`);
    expect((await kami.db.cardKey.findUniqueOrThrow({ where: { id: a!.id } })).status).toBe('available');

    const viewer = await loginAs(kami, 'viewer');
    expect((await adminCall(kami, viewer, 'POST', '/keys/void', { body: { ids: [a!.id], reason: 'x' } })).status).toBe(403);

    const res = await adminCall(kami, operator, 'POST', '/keys/void', { body: { ids: [a!.id, reserved.id], reason: 'supplier recalled them' } });
    expect(res.status).toBe(200);
    const after = await kami.db.cardKey.findMany({ where: { id: { in: [a!.id, reserved.id] } } });
    expect(after.map((k) => [k.status, k.voidReason])).toEqual([['void', 'supplier recalled them'], ['void', 'supplier recalled them']]);
    expect(await kami.db.auditLog.count({ where: { action: 'keys.void', actorId: operator.operator.id } })).toBe(1);
  });

  it('reveals unsold keys to the owner only, audited without the secret', async () => {
    const p = await newProduct();
    const secrets = [`REVEAL-${tag()}-ONE`, `REVEAL-${tag()}-TWO`];
    await importLines(p.id, secrets);
    const ids = (await kami.db.cardKey.findMany({ where: { productId: p.id }, orderBy: { id: 'asc' } })).map((k) => k.id);

    expect((await adminCall(kami, operator, 'POST', '/keys/reveal', { body: { ids } })).status).toBe(403);
    expect(await kami.db.auditLog.count({ where: { action: 'keys.reveal', actorId: operator.operator.id } })).toBe(0);

    const res = await adminCall(kami, owner, 'POST', '/keys/reveal', { body: { ids } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual([{ id: ids[0], secret: secrets[0] }, { id: ids[1], secret: secrets[1] }]);
    const entry = await kami.db.auditLog.findFirstOrThrow({ where: { action: 'keys.reveal', actorId: owner.operator.id }, orderBy: { id: 'desc' } });
    expect(entry).toMatchObject({ actorEmail: owner.operator.email, targetType: 'card_key', data: { ids } });
    for (const s of secrets) expect(JSON.stringify({ ...entry, id: String(entry.id) })).not.toContain(s);

    const listed = await adminCall(kami, owner, 'GET', `/audit${listQuery({ filter: { action: 'keys.', actorEmail: owner.operator.email.split('@')[0] } })}`);
    expect(listed.body[0]).toMatchObject({ id: Number(entry.id), action: 'keys.reveal', targetType: 'card_key', data: { ids } });
  });

  it('exports the available keys of a product as text to the owner, audited', async () => {
    const p = await newProduct();
    const secrets = Array.from({ length: 1500 }, (_, i) => `EXPORT-${i}-${tag()}`);
    await importLines(p.id, secrets);
    const first = (await kami.db.cardKey.findFirstOrThrow({ where: { productId: p.id }, orderBy: { id: 'asc' } })).id;
    await adminCall(kami, operator, 'POST', '/keys/void', { body: { ids: [first], reason: 'bad' } });

    expect((await adminCall(kami, operator, 'GET', `/keys/export?productId=${p.id}`)).status).toBe(403);
    const res = await adminCall(kami, owner, 'GET', `/keys/export?productId=${p.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('content-disposition')).toContain(`${p.sku}-keys.txt`);
    expect(res.text.trimEnd().split('\n')).toEqual(secrets.slice(1));
    const entry = await kami.db.auditLog.findFirstOrThrow({ where: { action: 'keys.export', targetId: p.id } });
    expect(entry.data).toEqual({ batchId: null, count: 1499 });
  });
});
