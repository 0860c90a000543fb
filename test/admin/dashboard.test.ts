import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { adminCall, listQuery, loginAs, type AdminSession } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { startKami, type Kami } from '../helpers/kami.js';

// a database of its own: the dashboard's totals must not count other test files' orders
let kami: Kami;
let dropDb: () => Promise<void>;
let viewer: AdminSession;
beforeAll(async () => {
  const db = await freshDatabase('dashboard');
  dropDb = db.drop;
  kami = await startKami({ env: { DATABASE_URL: db.url } });
  viewer = await loginAs(kami, 'viewer');
});
afterAll(async () => {
  await kami?.stop();
  await dropDb?.();
});

async function deliveredOrder(sku: string, quantity: number, email: string) {
  const { body } = await kami.checkout({ sku, quantity, email });
  expect((await kami.pay(body.orderId, body.accessToken)).status).toBe(200);
  await kami.temporal.workflow.getHandle(orderWorkflowId(body.orderId)).result();
  expect((await kami.db.order.findUniqueOrThrow({ where: { id: body.orderId } })).status).toBe('delivered');
  return body.orderId as string;
}

describe('orders and the dashboard', () => {
  let product: Awaited<ReturnType<Kami['product']>>;
  let orders: string[];
  beforeAll(async () => {
    product = await kami.product(10, { priceCents: 700 });
    orders = [await deliveredOrder(product.sku, 2, 'first@example.com'), await deliveredOrder(product.sku, 1, 'second@example.com')];
  });

  it('lists orders with masked keys and filters them; getOne adds the event trail and the Temporal link', async () => {
    const list = await adminCall(kami, viewer, 'GET', `/orders${listQuery({ sort: ['createdAt', 'ASC'], range: [0, 9], filter: { status: 'delivered', productId: product.id } })}`);
    expect(list.headers.get('content-range')).toBe('orders 0-1/2');
    expect(list.body.map((o: any) => o.id)).toEqual(orders);
    expect(list.body[0]).toMatchObject({
      status: 'delivered', productId: product.id, sku: product.sku, productName: product.name, quantity: 2, amountCents: 1400,
      currency: 'USD', email: 'first@example.com', paymentProvider: 'sandbox', paidAt: expect.any(String), deliveredAt: expect.any(String),
    });
    // a viewer gets no part of any key, not even the hint (test/admin/key-hints.test.ts)
    expect(list.body[0].keys).toEqual([
      { id: expect.any(Number), hint: '', status: 'sold' },
      { id: expect.any(Number), hint: '', status: 'sold' },
    ]);
    for (const secret of product.secrets) expect(list.text).not.toContain(secret);
    expect(list.body[0]).not.toHaveProperty('events');

    const byQ = await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { q: 'SECOND@' } })}`);
    expect(byQ.body.map((o: any) => o.id)).toEqual([orders[1]]);
    const byPrefix = await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { q: orders[0]!.slice(0, 14).toLowerCase() } })}`);
    expect(byPrefix.body.map((o: any) => o.id)).toContain(orders[0]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const future = await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { createdFrom: tomorrow } })}`);
    expect(future.body).toEqual([]);
    expect((await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { status: 'shipped' } })}`)).status).toBe(400);

    const one = await adminCall(kami, viewer, 'GET', `/orders/${orders[0]}`);
    expect(one.body.temporalUrl).toBe(`${kami.config.temporalUiUrl}/namespaces/default/workflows/order:${orders[0]}`);
    expect(one.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['created', 'paid', 'delivering', 'delivered']));
    expect(one.body.events[0]).toEqual({ type: 'created', actor: 'system', data: expect.any(Object), createdAt: expect.any(String) });
    expect(one.body).not.toHaveProperty('requestHash');
    expect((await adminCall(kami, viewer, 'GET', '/orders/ord_NOPE')).status).toBe(404);
  });

  it('computes the stats from the orders: sales, hourly counts, automation, inbox, latency and low stock', async () => {
    // one order had a person involved; one waits in review since a minute ago
    await kami.db.orderEvent.create({ data: { orderId: orders[1]!, type: 'note', actor: 'someone@test.kami' } });
    const waiting = await kami.checkout({ sku: product.sku, quantity: 1, email: 'third@example.com' });
    await kami.db.order.update({ where: { id: waiting.body.orderId }, data: { status: 'in_review', reviewSince: new Date(Date.now() - 60_000) } });

    const res = await adminCall(kami, viewer, 'GET', '/stats');
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s.today).toEqual({ salesCents: 2100, currency: 'USD', salesByCurrency: [{ currency: 'USD', salesCents: 2100 }], orders: 3, delivered: 2 });
    expect(s.ordersPerHour).toHaveLength(24);
    expect(s.ordersPerHour.reduce((n: number, h: any) => n + h.count, 0)).toBe(3);
    expect(s.ordersPerHour.at(-1).count).toBeGreaterThanOrEqual(1);
    expect(Date.parse(s.ordersPerHour[23].hour) - Date.parse(s.ordersPerHour[0].hour)).toBe(23 * 3_600_000);
    expect(s.automationRate).toBe(0.5);
    expect(s.inbox.pending).toBe(1);
    expect(s.inbox.oldestWaitSeconds).toBeGreaterThanOrEqual(60);
    expect(s.deliveryLatencyMs.p50).toBeGreaterThan(0);
    expect(s.deliveryLatencyMs.p95).toBeGreaterThanOrEqual(s.deliveryLatencyMs.p50);
    // 10 keys, 3 sold, 1 held by the waiting order
    expect(s.lowStock).toEqual([{ id: product.id, sku: product.sku, name: product.name, available: 6, threshold: 10 }]);

    expect((await adminCall(kami, viewer, 'GET', '/stats?tz=Asia/Shanghai')).status).toBe(200);
    expect((await adminCall(kami, viewer, 'GET', '/stats?tz=Mars/Olympus')).status).toBe(400);
  });
});
