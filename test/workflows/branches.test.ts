import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { orderWorkflowId } from '../../domain/ids.js';
import type { OrderTimeouts, Settlement, Verdict } from '../../domain/order.js';
import { createTemporalClient, createWorkerConnection } from '../../infra/temporal.js';
import { orderRuns, type OrderRuns } from '../../infra/order-runs.js';
import type { Client } from '@temporalio/client';
import { sharedBundle } from '../helpers/kami.js';

// Every branch of orderWorkflow and afterSalesWorkflow on the real dev server, with stubbed
// activities: fast, and each branch's command sequence and history size are visible.

const TIMEOUTS: OrderTimeouts = { paymentHold: '30s', emailGiveUpAfter: '3s', emailRetryMaxInterval: '1s' };
const PAYMENT = { provider: 'sandbox', txnId: 'txn', amountCents: 500, currency: 'USD' };
/** The stub accepts any decision that carries a proof (the real check is in activities/review.ts, tested in test/workflows/forgery.test.ts). */
const PROOF = { sessionId: 's', issuedAt: 0, mac: 'm' };
const OP = { by: { id: 'op', email: 'op@example.com' }, proof: PROOF };
const REVIEW: Verdict = { action: 'review', reasons: [{ code: 'bulk_quantity', message: 'many' }], reviewTimeout: '1h', onTimeout: 'remind' };

/** What the stubs answer and record, per order. */
interface Script {
  settle: (paymentId: number) => Settlement;
  closeUnpaid?: () => { status: 'expired' | 'cancelled' | 'awaiting_payment'; pendingPaymentId: number | null };
  claim?: () => number[];
  emailFails?: boolean;
  calls: string[];
}
const scripts = new Map<string, Script>();
const script = (orderId: string) => scripts.get(orderId)!;
const record = (orderId: string, call: string) => script(orderId).calls.push(call);

const stubs = {
  async settlePayment(orderId: string, _productId: string, paymentId: number) { record(orderId, `settle:${paymentId}`); return script(orderId).settle(paymentId); },
  async closeUnpaid(orderId: string, outcome: 'expired' | 'cancelled') {
    record(orderId, `close:${outcome}`);
    return script(orderId).closeUnpaid?.() ?? { status: outcome, pendingPaymentId: null };
  },
  async deliverKeys(orderId: string, channel: string) {
    record(orderId, `deliver:${channel}`);
    if (script(orderId).emailFails) throw new Error('SMTP down');
    return { attempts: 1, messageId: `<${orderId}>` };
  },
  async claimKeys(orderId: string) {
    record(orderId, 'claim');
    const keys = script(orderId).claim?.() ?? [7];
    if (!keys.length) throw ApplicationFailure.nonRetryable('short', 'OutOfStock');
    return keys;
  },
  async beginReview(orderId: string, _key: string, kind: string) { record(orderId, `review:${kind}`); return script(orderId).calls.filter((c) => c.startsWith('review:')).length; },
  async acceptDecision(orderId: string, seq: number, _kind: string, d: { action: string; proof?: unknown }) {
    record(orderId, `decision:${seq}:${d.action}${d.proof ? '' : ':refused'}`);
    return d.proof !== undefined;
  },
  async reduceQuantity(orderId: string, q: number) { record(orderId, `reduce:${q}`); },
  async closeUnfulfilled(orderId: string, outcome: string) { record(orderId, `closeUnfulfilled:${outcome}`); },
  async recordStatus(orderId: string, status: string) { record(orderId, `status:${status}`); },
  async voidSoldKey(orderId: string, keyId: number) { record(orderId, `void:${keyId}`); },
  async remindMerchant(orderId: string) { record(orderId, 'remind'); },
  async issueRefunds(orderId: string) { record(orderId, 'refunds'); return { refunded: 1, manual: 0 }; },
  async refundsByHand(orderId: string) { record(orderId, 'refundsByHand'); },
  async queryAttempt(attemptId: number) { return { paymentId: null, open: attemptId > 0 }; },
} satisfies Partial<Activities>;

let client: Client;
let runs: OrderRuns;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `branches-${randomUUID()}`;

beforeAll(async () => {
  const connection = await createWorkerConnection(inject('temporalAddress'));
  worker = await Worker.create({ connection, taskQueue, workflowBundle: sharedBundle(), activities: stubs });
  running = worker.run().finally(() => connection.close());
  client = await createTemporalClient(inject('temporalAddress'), 'default');
  runs = orderRuns(client, taskQueue, TIMEOUTS);
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
});

function order(s: Omit<Script, 'calls'>, holdMs = 30_000) {
  const id = `ord_${randomUUID().replace(/-/g, '').slice(0, 22).toUpperCase()}`;
  scripts.set(id, { ...s, calls: [] });
  return { id, productId: randomUUID(), sku: 'T-BRANCH', expiresAt: new Date(Date.now() + holdMs) };
}
const handle = (id: string) => client.workflow.getHandle(orderWorkflowId(id));
const pay = (o: ReturnType<typeof order>, paymentId = 1) => runs.paymentRecorded(o, { paymentId, ...PAYMENT });
const deliver = (keyIds = [7]): Settlement => ({ outcome: 'deliver', payment: PAYMENT, quantity: keyIds.length, keyIds });

async function history(id: string) {
  const events = (await handle(id).fetchHistory()).events ?? [];
  return {
    events: events.length,
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    upserts: events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    timers: events.filter((e) => e.timerStartedEventAttributes).length,
  };
}

describe('the routine order', () => {
  it('sleeps through checkout, and on payment settles and delivers in one workflow task of at most 12 events, with no upsert', async () => {
    const o = order({ settle: () => deliver([3, 4]) });
    await runs.start(o);
    expect((await client.workflow.getHandle(orderWorkflowId(o.id)).fetchHistory()).events).toHaveLength(1);
    await pay(o);
    const result = await handle(o.id).result();
    expect(result).toMatchObject({ status: 'delivered', keyIds: [3, 4], payment: PAYMENT });
    expect(script(o.id).calls).toEqual(['settle:1', 'deliver:email']);
    const h = await history(o.id);
    expect(h.workflowTasks).toBe(1);
    expect(h.events).toBeLessThanOrEqual(12);
    expect(h.upserts).toBe(0);
    expect(h.timers).toBe(0);
  });

  it('ignores a payment reference the database does not prove, and the real one still pays', async () => {
    const o = order({ settle: (id) => (id === 99 ? { outcome: 'unverified', reason: 'no stored payment #99' } : deliver()) });
    await runs.start(o);
    await pay(o, 99);
    await expect.poll(() => script(o.id).calls).toEqual(['settle:99']);
    expect((await handle(o.id).describe()).status.name).toBe('RUNNING');
    await pay(o, 2);
    expect((await handle(o.id).result()).status).toBe('delivered');
    expect(script(o.id).calls).toEqual(['settle:99', 'settle:2', 'deliver:email']);
  });

  it('a payment with no reference at all (typed into the Temporal UI) changes nothing', async () => {
    const o = order({ settle: () => deliver() }, 1500);
    await runs.start(o);
    await handle(o.id).signal('paymentConfirmed', { ...PAYMENT });
    expect((await handle(o.id).result()).status).toBe('expired');
    expect(script(o.id).calls).toEqual(['close:expired']);
  });
});

describe('the payment hold', () => {
  it('expires at its end with one task and no timer, and returns the stock', async () => {
    const o = order({ settle: () => deliver() }, 1000);
    await runs.start(o);
    expect((await handle(o.id).result()).status).toBe('expired');
    expect(script(o.id).calls).toEqual(['close:expired']);
    expect(await history(o.id)).toMatchObject({ workflowTasks: 1, timers: 0 });
  });

  it('a payment recorded before the close wins: the close hands it over and the order is paid', async () => {
    const o = order({ settle: () => deliver(), closeUnpaid: () => ({ status: 'awaiting_payment', pendingPaymentId: 5 }) }, 1000);
    await runs.start(o);
    expect((await handle(o.id).result()).status).toBe('delivered');
    expect(script(o.id).calls).toEqual(['close:expired', 'settle:5', 'deliver:email']);
  });

  it('cancels during the delay: the Update wakes the run and answers once it is closed', async () => {
    const o = order({ settle: () => deliver() });
    await runs.start(o);
    const view = await runs.cancel(o.id, 'operator@example.com', 'buyer asked');
    expect(view.status).toBe('cancelled');
    expect(script(o.id).calls).toEqual(['close:cancelled']);
    await expect(runs.cancel(o.id, 'again@example.com')).rejects.toThrow();
  });

  it('refuses to cancel a paid order', async () => {
    const o = order({ settle: () => ({ outcome: 'review', payment: PAYMENT, quantity: 1, verdict: REVIEW }) });
    await runs.start(o);
    await pay(o);
    await expect.poll(async () => (await runs.status(o.id)).status).toBe('in_review');
    await expect(runs.cancel(o.id, 'operator@example.com')).rejects.toMatchObject({ cause: { type: 'NotAwaitingPayment' } });
    await runs.decide(o.id, 'reject', OP);
    expect((await handle(o.id).result()).status).toBe('rejected');
  });
});

describe('a person decides', () => {
  it('approves fewer keys: the rest is refunded, the claim and the email follow', async () => {
    const o = order({ settle: () => ({ outcome: 'review', payment: PAYMENT, quantity: 3, verdict: REVIEW }) });
    await runs.start(o);
    await pay(o);
    await expect.poll(async () => (await runs.status(o.id)).status).toBe('in_review');
    const { reviewSeq } = await runs.status(o.id);
    await expect(runs.decide(o.id, 'approve', { ...OP, quantity: 4 })).rejects.toMatchObject({ cause: { type: 'InvalidQuantity' } });
    await expect(runs.decide(o.id, 'approve', { ...OP, reviewSeq: reviewSeq + 1 })).rejects.toMatchObject({ cause: { type: 'StaleDecision' } });
    await runs.decide(o.id, 'approve', { ...OP, quantity: 2, reviewSeq });
    expect((await handle(o.id).result()).status).toBe('delivered');
    expect(script(o.id).calls).toEqual(['settle:1', 'review:review', 'decision:1:approve', 'reduce:2', 'refunds', 'claim', 'deliver:email']);
    expect((await history(o.id)).upserts).toBeGreaterThan(0);
  });

  it('a decision the activity cannot prove is ignored: the order keeps waiting, and the policy cannot be impersonated', async () => {
    const o = order({ settle: () => ({ outcome: 'review', payment: PAYMENT, quantity: 1, verdict: REVIEW }) });
    await runs.start(o);
    await pay(o);
    await expect.poll(async () => (await runs.status(o.id)).status).toBe('in_review');
    await runs.decide(o.id, 'approve', { by: { id: 'someone', email: 'forger@example.com' } });
    await expect.poll(() => script(o.id).calls).toContain('decision:1:approve:refused');
    expect((await runs.status(o.id)).status).toBe('in_review');
    await expect(runs.decide(o.id, 'approve', { by: { id: 'policy', email: 'review-timeout-policy' } })).rejects.toMatchObject({ cause: { type: 'NotAwaitingReview' } });
    await runs.decide(o.id, 'reject', OP);
    expect((await handle(o.id).result()).status).toBe('rejected');
    expect(script(o.id).calls).toEqual(['settle:1', 'review:review', 'decision:1:approve:refused', 'decision:1:reject', 'closeUnfulfilled:rejected', 'refunds']);
  });

  it('a rule rejects: the order closes rejected without a person', async () => {
    const o = order({ settle: () => ({ outcome: 'reject', payment: PAYMENT, quantity: 1, verdict: { ...REVIEW, action: 'reject' } }) });
    await runs.start(o);
    await pay(o);
    expect((await handle(o.id).result()).status).toBe('rejected');
    expect(script(o.id).calls).toEqual(['settle:1', 'closeUnfulfilled:rejected', 'refunds']);
  });

  it('no key left after payment: waits on backorder until stock arrives, then delivers', async () => {
    let stock: number[] = [];
    const o = order({ settle: () => ({ outcome: 'claim', payment: PAYMENT, quantity: 1 }), claim: () => stock });
    await runs.start(o);
    await pay(o);
    await expect.poll(async () => (await runs.status(o.id)).status).toBe('backorder');
    stock = [9];
    await runs.stockArrived(o.id);
    expect((await handle(o.id).result())).toMatchObject({ status: 'delivered', keyIds: [9] });
    expect(script(o.id).calls).toEqual(['settle:1', 'claim', 'review:backorder', 'claim', 'deliver:email']);
  });
});

describe('delivery', () => {
  it('an email that keeps failing hands over to the durable activity, then asks a person to look', async () => {
    const o = order({ settle: () => deliver(), emailFails: true });
    await runs.start(o);
    await pay(o);
    expect((await handle(o.id).result()).status).toBe('needs_attention');
    const calls = script(o.id).calls;
    expect(calls.filter((c) => c === 'deliver:email').length).toBeGreaterThan(2);
    expect(calls.at(-1)).toBe('status:needs_attention');
  });

  it('a second payment for a paid order is settled (flagged) before the run ends', async () => {
    const o = order({ settle: (id) => (id === 1 ? deliver() : { outcome: 'extra', payment: { ...PAYMENT, txnId: 'txn2' } }) });
    await runs.start(o);
    await pay(o, 1);
    await pay(o, 2);
    expect((await handle(o.id).result()).status).toBe('delivered');
    // the second signal can land while the first task completes: the task is then redone (its local
    // activities too, which are idempotent), so only the order of what happened is asserted
    expect(script(o.id).calls.slice(-2)).toEqual(['settle:2', 'refunds']);
    expect(new Set(script(o.id).calls)).toEqual(new Set(['settle:1', 'deliver:email', 'settle:2', 'refunds']));
  });
});

describe('after-sales, its own workflow type under the order id', () => {
  it('an invalid-key report approved: void, claim a fresh key, send the replacement', async () => {
    const o = order({ settle: () => deliver(), claim: () => [11] });
    expect(await runs.startAfterSales(o, { kind: 'invalid_key', keyId: 7, reason: 'already used' })).toBe(true);
    expect(await runs.startAfterSales(o, { kind: 'resend', channel: 'resend-1', by: 'op' })).toBe(false);
    await expect.poll(async () => (await runs.status(o.id)).status).toBe('in_review');
    await runs.decide(o.id, 'approve', OP);
    expect((await handle(o.id).result())).toMatchObject({ status: 'delivered', keyIds: [11] });
    expect(script(o.id).calls).toEqual(['review:review', 'decision:1:approve', 'void:7', 'claim', 'deliver:replace-7']);
    expect((await handle(o.id).describe()).type).toBe('afterSalesWorkflow');
  });

  it('a resend mails the keys again on its own channel', async () => {
    const o = order({ settle: () => deliver() });
    await runs.startAfterSales(o, { kind: 'resend', channel: 'resend-2', by: 'op' });
    expect((await handle(o.id).result()).status).toBe('delivered');
    expect(script(o.id).calls).toEqual(['deliver:resend-2']);
  });
});
