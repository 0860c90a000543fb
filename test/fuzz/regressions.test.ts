import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Harness, type Outcome } from '../../scripts/fuzz/harness.js';
import { describeRequest } from '../../scripts/fuzz/http.js';
import type { GenAuth, GenBody, GenRequest } from '../../scripts/fuzz/requests.js';
import { routeId, ROUTES } from '../../scripts/fuzz/routes.js';
import { freshDatabase, startTarget, type Target } from '../../scripts/fuzz/stack.js';

// The inputs an outside probe found answering 500 (or worse), each as the request that did it.
// Every case runs through the fuzzer's own checks (no answer ≥ 500, no stack trace, the documented
// error shape, a refused request changes nothing in the database) and then states the answer the
// fix must give.

let database: Awaited<ReturnType<typeof freshDatabase>>;
let target: Target;
let h: Harness;

beforeAll(async () => {
  database = await freshDatabase('kami_fuzz_regress');
  target = await startTarget({ databaseUrl: database.url, temporalAddress: inject('temporalAddress'), workflowBundle: inject('workflowBundle') });
  h = await Harness.create(target);
});
afterAll(async () => {
  await h?.close();
  await target?.stop();
  await database?.drop();
});

const owner: GenAuth = { kind: 'session', role: 'owner', csrf: 'ok' };
const json = (value: unknown, contentType = 'application/json'): GenBody => ({ kind: 'text', text: JSON.stringify(value), encoding: 'utf8', contentType });
const email = () => `regress-${randomUUID().slice(0, 8)}@example.com`;

/** Sends a request as the fuzzer would (matched to its route for the route's allowances) and asserts every invariant held. */
async function send(route: string, gen: Partial<GenRequest> & Pick<GenRequest, 'path'>): Promise<Outcome> {
  const spec = ROUTES.find((r) => routeId(r) === route);
  if (!spec) throw new Error(`no route ${route} in scripts/fuzz/routes.ts`);
  const out = await h.execute(spec, { method: spec.method, query: '', headers: [], auth: { kind: 'none' }, ...gen });
  const seen = [
    describeRequest(out.wire), `→ ${out.answer.status || out.answer.error} ${out.answer.text.slice(0, 400)}`,
    out.logged ? `Kami logged: ${out.logged.type ?? ''} ${out.logged.message ?? out.logged.msg}` : '',
  ].join('\n');
  expect(out.violations.map((v) => `${v.invariant}: ${v.detail}`), seen).toEqual([]);
  return out;
}
const body = (o: Outcome) => JSON.parse(o.answer.text) as Record<string, any>;
const expectStatus = (o: Outcome, ...statuses: number[]) =>
  expect(statuses, `${describeRequest(o.wire)}\n→ ${o.answer.status} ${o.answer.text.slice(0, 300)}`).toContain(o.answer.status);

describe('regressions the fuzzer must keep finding fixed', () => {
  it('a JSON body declared as charset=latin1 is refused with 415, on the checkout API and the panel API', async () => {
    const checkout = await send('POST /api/v1/orders', {
      path: '/api/v1/orders', body: json({ sku: h.product('auto').sku, quantity: 1, email: email() }, 'application/json; charset=latin1'),
    });
    expectStatus(checkout, 415);
    const panel = await send('POST /admin/api/products', {
      path: '/admin/api/products', auth: owner, body: json({ sku: `RG-${randomUUID().slice(0, 8)}`, name: 'latin1', priceCents: 100, currency: 'USD' }, 'application/json; charset=latin1'),
    });
    expectStatus(panel, 415);
  });

  it('a NUL character is refused with 400 before it reaches PostgreSQL (body, panel body, list filter)', async () => {
    expectStatus(await send('POST /api/v1/orders', { path: '/api/v1/orders', body: json({ sku: `${h.product('auto').sku}\u0000`, quantity: 1, email: email() }) }), 400);
    expectStatus(await send('POST /api/v1/orders', {
      path: '/api/v1/orders', body: json({ sku: h.product('auto').sku, quantity: 1, email: email(), deviceId: 'device-\u0000-0001' }),
    }), 400);
    expectStatus(await send('POST /admin/api/products', {
      path: '/admin/api/products', auth: owner, body: json({ sku: `RG-${randomUUID().slice(0, 8)}`, name: 'a\u0000b', priceCents: 100, currency: 'USD' }),
    }), 400);
    expectStatus(await send('GET /admin/api/orders', { path: '/admin/api/orders', auth: owner, query: `filter=${encodeURIComponent(JSON.stringify({ q: 'x\u0000' }))}` }), 400);
    // a signed gateway notification naming a reference with a NUL: refused as malformed, or acknowledged as naming no order
    expectStatus(await send('POST /api/v1/payments/:provider/notify', {
      path: '/api/v1/payments/sandbox/notify', auth: { kind: 'signature', sig: 'valid' },
      body: json({ orderId: 'ord_\u0000', txnId: `txn_${randomUUID()}`, amountCents: 500, currency: 'USD', paidAt: new Date().toISOString() }),
    }), 200, 400);
  });

  it('a malformed percent-encoding in a path is refused with 400', async () => {
    expectStatus(await send('GET /api/v1/orders/:orderId', { path: '/api/v1/orders/%E0%A4%A', auth: { kind: 'bearer', token: 'missing' } }), 400);
    expectStatus(await send('GET /admin/api/products/:id', { path: '/admin/api/products/%ZZ', auth: owner }), 400);
    expectStatus(await send('GET /orders/:orderId', { path: '/orders/%', auth: { kind: 'token-query', token: 'junk', junk: 'x' } }), 400);
  });

  it('ids of 2^31 and more are answered 400 or 404, in a path, a body and a filter', async () => {
    expectStatus(await send('GET /admin/api/keys/:id', { path: '/admin/api/keys/2147483648', auth: owner }), 400, 404);
    expectStatus(await send('GET /admin/api/batches/:id', { path: '/admin/api/batches/9007199254740993', auth: owner }), 400, 404);
    expectStatus(await send('POST /admin/api/keys/void', { path: '/admin/api/keys/void', auth: owner, body: json({ ids: [2 ** 31], reason: 'regression' }) }), 400, 404, 409);
    expectStatus(await send('POST /admin/api/keys/reveal', { path: '/admin/api/keys/reveal', auth: owner, body: json({ ids: [2 ** 31] }) }), 400, 404);
    expectStatus(await send('GET /admin/api/keys', { path: '/admin/api/keys', auth: owner, query: `filter=${encodeURIComponent(JSON.stringify({ id: 2 ** 31 }))}` }), 200, 400);
  });

  it('price × quantity beyond 2^31 cents is charged exactly (22 × 1,000,000.00)', async () => {
    const placed = await send('POST /api/v1/orders', { path: '/api/v1/orders', body: json({ sku: h.product('expensive').sku, quantity: 22, email: email() }) });
    expectStatus(placed, 201);
    const order = body(placed);
    expect(order.amountDueCents).toBe(2_200_000_000);
    const read = await send('GET /api/v1/orders/:orderId', { path: `/api/v1/orders/${order.orderId}`, auth: { kind: 'bearer', token: 'own' }, orderId: order.orderId });
    expectStatus(read, 200);
    expect(body(read).amountDueCents).toBe(2_200_000_000);
  });

  it('a signed webhook for 3e9 cents is stored (a verified payment is never refused; a person looks at the amount)', async () => {
    const placed = await send('POST /api/v1/orders', { path: '/api/v1/orders', body: json({ sku: h.product('auto').sku, quantity: 1, email: email() }) });
    expectStatus(placed, 201);
    const orderId = body(placed).orderId as string;
    const txnId = `txn_regress_${randomUUID()}`;
    const paid = await send('POST /api/v1/payments/:provider/notify', {
      path: '/api/v1/payments/sandbox/notify', auth: { kind: 'signature', sig: 'valid' },
      body: json({ orderId, txnId, amountCents: 3_000_000_000, currency: 'USD', paidAt: new Date().toISOString() }),
    });
    expectStatus(paid, 200);
    const [row] = await h.watch.query<{ amount: string }>('SELECT amount_cents::text AS amount FROM payment WHERE txn_id = $1', [txnId]);
    expect(row?.amount).toBe('3000000000');
  });

  it('a purchase-limit window of 25 days or more keeps the product sellable (or is refused when set)', async () => {
    const product = h.product('limited');
    for (const window of ['25d', '30d', '365d']) {
      const put = await send('PUT /admin/api/rules/:id', {
        path: `/admin/api/rules/${product.id}`, auth: owner, body: json({ settings: { purchaseLimit: 5, purchaseLimitWindow: window } }),
      });
      expectStatus(put, 200, 400);
      if (put.answer.status !== 200) continue;
      const listed = await send('GET /api/v1/products', { path: '/api/v1/products' });
      expectStatus(listed, 200);
      const bought = await send('POST /api/v1/orders', { path: '/api/v1/orders', body: json({ sku: product.sku, quantity: 1, email: email() }) });
      expectStatus(bought, 201);
    }
  });
});
