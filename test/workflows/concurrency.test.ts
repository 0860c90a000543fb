import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { sha256Hex } from '../../infra/crypto.js';
import { notify, paymentFor } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';

// "Nothing twice": a key is sold once, an order is created once, a payment delivers once,
// however many requests race for it.

let kami: Kami;
// Generous hold and email give-up: these tests are about counting, not timeouts. Under heavy load the
// dev server can hand an activity task to the worker and lose it; Temporal retries it after the
// activity's 1m start-to-close timeout, which must fit inside the give-up period.
beforeAll(async () => { kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' } }); });
afterAll(() => kami?.stop());

const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const mailsFor = (orderId: string) => kami.mail.messages.filter((m) => m.subject.includes(orderId));

async function workflowRuns(orderId: string) {
  const runs = [];
  for await (const wf of kami.temporal.workflow.list({ query: `WorkflowId = '${orderWorkflowId(orderId)}'` })) runs.push(wf.runId);
  return runs;
}

describe('200 buyers racing for 50 keys', () => {
  it('sells each key exactly once: 50 orders delivered, 150 told out_of_stock', { timeout: 240_000 }, async () => {
    const product = await kami.product(50, { priceCents: 100 });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      kami.checkout({ sku: product.sku, quantity: 1, email: `racer-${i}-${product.sku}@example.com` })));

    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status !== 201);
    expect(answers.map((a) => a.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(won).toHaveLength(50);
    expect(lost).toHaveLength(150);
    for (const a of lost) {
      expect(a.body.error.code).toBe('out_of_stock');
      expect(a.body.error.message).toMatch(new RegExp(`only \\d+ of 1 keys of "${product.sku}" are available`));
      expect(a.body.error.details).toEqual({ available: expect.any(Number) });
    }
    expect(new Set(won.map((a) => a.body.orderId)).size).toBe(50);
    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(50);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'reserved' } })).toBe(50);

    const paid = await Promise.all(won.map((a) => kami.pay(a.body.orderId, a.body.accessToken)));
    expect(paid.map((p) => p.status)).toEqual(won.map(() => 200));

    await expect.poll(() => kami.db.order.count({ where: { productId: product.id, status: 'delivered' } }), { timeout: 180_000, interval: 500 }).toBe(50);

    // in the database: 50 sold keys, each held by one distinct order
    const keys = await kami.db.cardKey.findMany({ where: { productId: product.id }, select: { id: true, status: true, orderId: true } });
    expect(keys.filter((k) => k.status === 'sold')).toHaveLength(50);
    expect(new Set(keys.map((k) => k.orderId)).size).toBe(50);
    const perKey = await kami.db.$queryRaw<{ id: number; orders: bigint }[]>`
      SELECT c.id, count(DISTINCT e.order_id) AS orders FROM card_key c
      JOIN order_event e ON e.type = 'delivering' AND (e.data->'keyIds') @> to_jsonb(c.id)
      WHERE c.product_id = ${product.id}::uuid GROUP BY c.id`;
    expect(perKey).toHaveLength(50);
    expect(perKey.filter((r) => Number(r.orders) !== 1)).toEqual([]);

    // what the buyers see: one key each, 50 different keys, all from this product's stock
    const views = await Promise.all(won.map((a) => kami.order(a.body.orderId, a.body.accessToken)));
    const seen = new Map<string, string>();
    for (const [i, v] of views.entries()) {
      expect(v.body.status).toBe('delivered');
      expect(v.body.keys).toHaveLength(1);
      const key = v.body.keys[0] as string;
      expect(product.secrets).toContain(key);
      expect(seen.get(key), `key shared by ${seen.get(key)} and ${won[i]!.body.orderId}`).toBeUndefined();
      seen.set(key, won[i]!.body.orderId);
    }
    expect(seen.size).toBe(50);

    // 50 emails, one per order, each carrying that order's key and no other
    await expect.poll(() => won.filter((a) => mailsFor(a.body.orderId).length > 0).length, { timeout: 30_000 }).toBe(50);
    for (const [i, a] of won.entries()) {
      const mails = mailsFor(a.body.orderId);
      expect(mails).toHaveLength(1);
      const mine = views[i]!.body.keys[0] as string;
      expect(mails[0]!.text).toContain(mine);
      expect(product.secrets.filter((s) => s !== mine && mails[0]!.text.includes(s))).toEqual([]);
    }
  });
});

describe('the same checkout sent 10 times at once', () => {
  it('creates one order, one workflow, and holds stock once', { timeout: 150_000 }, async () => {
    const product = await kami.product(5);
    const key = `dup-${randomUUID()}`;
    const body = { sku: product.sku, quantity: 2, email: email('dup') };
    const answers = await Promise.all(Array.from({ length: 10 }, () => kami.checkout(body, { 'Idempotency-Key': key })));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const orderIds = new Set(answers.map((a) => a.body.orderId));
    expect(orderIds.size).toBe(1);
    const [orderId] = [...orderIds] as [string];
    expect(new Set(answers.map((a) => a.body.accessToken)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.amountDueCents))).toEqual(new Set([1000]));

    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(1);
    expect(await kami.db.order.count({ where: { idempotencyKey: sha256Hex(key) } })).toBe(1);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'reserved' } })).toBe(2);
    expect(await kami.db.cardKey.count({ where: { orderId, status: 'reserved' } })).toBe(2);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(3);
    expect(await kami.db.orderEvent.count({ where: { orderId, type: 'created' } })).toBe(1);

    const described = await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(described.status.name).toBe('RUNNING');
    await expect.poll(() => workflowRuns(orderId), { timeout: 10_000 }).toHaveLength(1);
    expect(await workflowRuns(orderId)).toEqual([described.runId]);

    // and it still completes normally, once
    const first = answers[0]!.body;
    expect((await kami.pay(orderId, first.accessToken)).status).toBe(200);
    await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();
    expect(await statusOf(orderId)).toBe('delivered');
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'sold' } })).toBe(2);
    expect(mailsFor(orderId)).toHaveLength(1);
  });
});

describe('one payment notification delivered many times', () => {
  it('records one payment, sends one email and delivers the same keys once', { timeout: 150_000 }, async () => {
    const product = await kami.product(3);
    const order = (await kami.checkout({ sku: product.sku, quantity: 2, email: email('replay') })).body;
    const payload = paymentFor(order);

    const burst = await Promise.all(Array.from({ length: 10 }, () => notify(kami, payload)));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(burst.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(burst.filter((r) => r.body.duplicate === true)).toHaveLength(9);

    const handle = kami.temporal.workflow.getHandle(orderWorkflowId(order.orderId));
    const result = await handle.result();
    expect(result.status).toBe('delivered');
    expect(result.payment).toMatchObject({ provider: 'sandbox', txnId: payload.txnId });
    const keys = (await kami.order(order.orderId, order.accessToken)).body.keys;
    expect(keys).toHaveLength(2);

    const late = await Promise.all(Array.from({ length: 10 }, () => notify(kami, { ...payload, paidAt: new Date().toISOString() })));
    expect(late.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(late.map((r) => r.body)).toEqual(Array(10).fill({ received: true, duplicate: true }));

    expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(1);
    expect((await kami.order(order.orderId, order.accessToken)).body.keys).toEqual(keys);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'sold' } })).toBe(2);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(1);
    expect(await kami.db.orderEvent.count({ where: { orderId: order.orderId, type: { in: ['paid', 'delivering', 'email_sent', 'delivered'] } } })).toBe(4);
    expect(await kami.db.delivery.findMany({ where: { orderId: order.orderId }, select: { status: true, attempts: true } })).toEqual([{ status: 'sent', attempts: 1 }]);
    expect(mailsFor(order.orderId)).toHaveLength(1);
    expect(await statusOf(order.orderId)).toBe('delivered');
  });
});

// A second payment is money that moved: it is recorded and flagged for a refund (order.attention and
// an extra_payment event), never a second delivery.
describe('a second payment for the same order', () => {
  const extraPaymentEvents = (orderId: string) => kami.db.orderEvent.findMany({ where: { orderId, type: 'extra_payment' }, select: { data: true } });

  it('two different transactions at once: both recorded, one delivery, the other flagged for refund', { timeout: 150_000 }, async () => {
    const product = await kami.product(2);
    const order = (await kami.checkout({ sku: product.sku, quantity: 1, email: email('twice') })).body;
    const txns = [`A-${order.orderId}`, `B-${order.orderId}`];
    const answers = await Promise.all(txns.map((t) => notify(kami, paymentFor(order, t))));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(answers.map((r) => r.body.duplicate)).toEqual([false, false]);

    const result = await kami.temporal.workflow.getHandle(orderWorkflowId(order.orderId)).result();
    expect(result.status).toBe('delivered');
    const paidBy = result.payment!.txnId;
    expect(txns).toContain(paidBy);
    const extra = txns.find((t) => t !== paidBy)!;
    expect(await kami.db.payment.count({ where: { orderId: order.orderId } })).toBe(2);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'sold' } })).toBe(1);
    expect(await kami.db.orderEvent.count({ where: { orderId: order.orderId, type: { in: ['paid', 'delivering', 'delivered'] } } })).toBe(3);
    expect(mailsFor(order.orderId)).toHaveLength(1);
    expect((await extraPaymentEvents(order.orderId)).map((e) => (e.data as { txnId: string }).txnId)).toEqual([extra]);
    expect((await kami.db.order.findUniqueOrThrow({ where: { id: order.orderId } })).attention).toContain(extra);
  });

  it('a different transaction after delivery: recorded and flagged for refund, nothing delivered again', { timeout: 150_000 }, async () => {
    const product = await kami.product(2);
    const order = (await kami.checkout({ sku: product.sku, quantity: 1, email: email('after') })).body;
    expect((await notify(kami, paymentFor(order, `A-${order.orderId}`))).status).toBe(200);
    const handle = kami.temporal.workflow.getHandle(orderWorkflowId(order.orderId));
    expect((await handle.result()).status).toBe('delivered');
    const keys = (await kami.order(order.orderId, order.accessToken)).body.keys;
    expect(keys).toHaveLength(1);

    const second = await notify(kami, paymentFor(order, `B-${order.orderId}`));
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ received: true, duplicate: false });
    // a new run of the order settles it: extra, flagged for a refund
    await expect.poll(async () => (await extraPaymentEvents(order.orderId)).length, { timeout: 15_000 }).toBe(1);
    // the gateway retries it: a duplicate now, changing nothing more
    const retried = await notify(kami, paymentFor(order, `B-${order.orderId}`));
    expect(retried.body).toEqual({ received: true, duplicate: true });

    expect(await kami.db.payment.findMany({ where: { orderId: order.orderId }, orderBy: { id: 'asc' }, select: { txnId: true } }))
      .toEqual([{ txnId: `A-${order.orderId}` }, { txnId: `B-${order.orderId}` }]);
    expect((await extraPaymentEvents(order.orderId)).map((e) => (e.data as { txnId: string }).txnId)).toEqual([`B-${order.orderId}`]);
    await handle.result(); // the run that settled (and refunds) the extra payment
    expect(await workflowRuns(order.orderId)).toHaveLength(2);
    expect(await statusOf(order.orderId)).toBe('delivered');
    expect((await kami.order(order.orderId, order.accessToken)).body.keys).toEqual(keys);
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'sold' } })).toBe(1);
    expect(await kami.db.orderEvent.count({ where: { orderId: order.orderId, type: 'delivered' } })).toBe(1);
    expect(mailsFor(order.orderId)).toHaveLength(1);
  });
});

describe('a payment racing the end of the hold', () => {
  it('is decided once per order: paid and delivered, or expired first and then reopened for review — never both, never lost', { timeout: 120_000 }, async () => {
    const local = await startKami({ env: { KAMI_PAYMENT_HOLD: '2s' } });
    try {
      const product = await local.product(12);
      const orders = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        local.checkout({ sku: product.sku, quantity: 1, email: email(`race-${i}`) }).then((r) => r.body)));
      const expiresAt = Date.parse(orders[0].expiresAt);
      // each payment lands somewhere from 200 ms before to 900 ms after its order's hold ends
      await Promise.all(orders.map(async (o, i) => {
        await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() - 200 + i * 100)));
        expect((await notify(local, paymentFor(o))).status).toBe(200);
      }));
      const outcome = async (orderId: string) => (await local.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
      for (const o of orders) await expect.poll(() => outcome(o.orderId), { timeout: 30_000 }).toMatch(/^(delivered|in_review)$/);

      for (const o of orders) {
        const types = (await local.db.orderEvent.findMany({ where: { orderId: o.orderId }, orderBy: { id: 'asc' } })).map((e) => e.type);
        const row = await local.db.order.findUniqueOrThrow({ where: { id: o.orderId }, include: { payments: true } });
        expect(row.payments).toHaveLength(1);
        expect(row.paymentId).toBe(row.payments[0]!.id);
        if (row.status === 'delivered') {
          expect(types).toEqual(['created', 'paid', 'rules_checked', 'delivering', 'email_sent', 'delivered']);
          expect(await local.db.cardKey.count({ where: { orderId: o.orderId, status: 'sold' } })).toBe(1);
        } else {
          expect(types.slice(0, 3)).toEqual(['created', 'expired', 'paid']);
          expect((row.reviewReasons as { code: string }[]).map((r) => r.code)).toContain('payment_late');
          expect(await local.db.cardKey.count({ where: { orderId: o.orderId } })).toBe(0);
        }
      }
      // every key is either sold once or back in stock
      const keys = await local.db.cardKey.groupBy({ by: ['status'], where: { productId: product.id }, _count: { _all: true } });
      const delivered = (await Promise.all(orders.map((o) => outcome(o.orderId)))).filter((s) => s === 'delivered').length;
      expect(Object.fromEntries(keys.map((k) => [k.status, k._count._all]))).toEqual({
        ...(delivered ? { sold: delivered } : {}), ...(delivered < 12 ? { available: 12 - delivered } : {}),
      });
    } finally {
      await local.stop();
    }
  });
});
