import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, listQuery, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let owner: AdminSession;
let operator: AdminSession;
let viewer: AdminSession;
beforeAll(async () => {
  kami = await startKami({ worker: false });
  [owner, operator, viewer] = await Promise.all([loginAs(kami, 'owner'), loginAs(kami, 'operator'), loginAs(kami, 'viewer')]);
});
afterAll(() => kami?.stop());

const tag = () => randomBytes(4).toString('hex').toUpperCase();

describe('key hints in the admin API', () => {
  // one long key (hint …WXYZ), one of exactly 12 characters (the shortest that gets a hint) and two short ones
  const long = `LONG-${tag()}-WXYZ`;
  const twelve = `AB${tag()}PQRS`.slice(0, 12);
  const eleven = `S${tag()}LMN`.slice(0, 11);
  const pin = '4711';
  let productId: string;
  let orderId: string;

  beforeAll(async () => {
    const sku = `HINT-${tag()}`;
    const product = await adminCall(kami, operator, 'POST', '/products', { body: { sku, name: `Hints ${sku}`, priceCents: 500, currency: 'USD' } });
    expect(product.status).toBe(201);
    productId = product.body.id;
    const imported = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId, label: 'hints', lines: [long, twelve, eleven, pin] } });
    expect(imported.status).toBe(201);
    // an order holding all four keys, so the order screens show them too
    const placed = await kami.checkout({ sku, quantity: 4, email: `hint-${tag().toLowerCase()}@example.com` });
    expect(placed.status).toBe(201);
    orderId = placed.body.orderId;
  });

  const keysOf = async (who: AdminSession) => {
    const res = await adminCall(kami, who, 'GET', `/keys${listQuery({ filter: { productId }, sort: ['id', 'ASC'] })}`);
    expect(res.status).toBe(200);
    return res.body as Array<{ id: number; hint: string }>;
  };

  it('gives owners and operators the last four characters of long keys, and no hint at all for keys under 12 characters', async () => {
    for (const who of [owner, operator]) {
      const keys = await keysOf(who);
      expect(keys.map((k) => k.hint)).toEqual([`…${long.slice(-4)}`, `…${twelve.slice(-4)}`, '', '']);
      const one = await adminCall(kami, who, 'GET', `/keys/${keys[0]!.id}`);
      expect(one.body.hint).toBe(`…${long.slice(-4)}`);
      const order = await adminCall(kami, who, 'GET', `/orders/${orderId}`);
      expect(order.body.keys.map((k: { hint: string }) => k.hint).sort()).toEqual(['', '', `…${long.slice(-4)}`, `…${twelve.slice(-4)}`].sort());
    }
  });

  it('gives viewers no hints in any answer: key list, key, order list, order', async () => {
    const keys = await keysOf(viewer);
    expect(keys).toHaveLength(4);
    expect(keys.map((k) => k.hint)).toEqual(['', '', '', '']);
    const one = await adminCall(kami, viewer, 'GET', `/keys/${keys[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.body.hint).toBe('');
    const order = await adminCall(kami, viewer, 'GET', `/orders/${orderId}`);
    expect(order.status).toBe(200);
    expect(order.body.keys).toHaveLength(4);
    const orders = await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { id: orderId } })}`);
    expect(orders.body).toHaveLength(1);
    for (const res of [one, order, orders]) {
      for (const secret of [long, twelve]) expect(res.text).not.toContain(secret.slice(-4));
    }
    expect(orders.body[0].keys.map((k: { hint: string }) => k.hint)).toEqual(['', '', '', '']);
    expect(order.body.keys.map((k: { hint: string }) => k.hint)).toEqual(['', '', '', '']);
  });
});
