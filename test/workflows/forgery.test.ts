import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { approveOrder, paymentConfirmed } from '../../workflows/messages.js';
import { adminCall, loginAs } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

// Temporal's Web UI and frontend accept signals and updates from anyone who reaches them. These send
// them straight to Temporal, as such a person would: the workflow acts only on what the database
// proves (a stored payment of this order; a decision the API signed for a live operator session).

let kami: Kami;
beforeAll(async () => { kami = await startKami(); });
afterAll(() => kami?.stop());

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;

describe('a payment signalled through Temporal', () => {
  it('delivers nothing without a stored payment of this order, whatever the signal says', async () => {
    const local = await startKami({ env: { KAMI_PAYMENT_HOLD: '3s' } });
    try {
      const product = await local.product(2);
      const victim = (await local.checkout({ sku: product.sku, quantity: 1, email: 'victim@example.com' })).body;
      const payer = (await local.checkout({ sku: product.sku, quantity: 1, email: 'payer@example.com' })).body;
      // the other order is paid for real: its payment row exists
      await local.pay(payer.orderId, payer.accessToken);
      await local.temporal.workflow.getHandle(orderWorkflowId(payer.orderId)).result();
      const realPayment = await local.db.payment.findFirstOrThrow({ where: { orderId: payer.orderId } });

      const handle = local.temporal.workflow.getHandle(orderWorkflowId(victim.orderId));
      const forged = { provider: 'sandbox', txnId: 'forged-1', amountCents: victim.amountDueCents, currency: victim.currency };
      await handle.signal(paymentConfirmed, { ...forged, paymentId: 987_654 }); // no such row
      await handle.signal(paymentConfirmed, { ...forged, paymentId: realPayment.id }); // another order's row
      await handle.signal(paymentConfirmed, forged as never); // no reference at all
      // the run wakes at the end of the hold with all three: none pays, the order expires
      expect((await handle.result()).status).toBe('expired');
      const settled = (await handle.fetchHistory()).events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
      expect(settled.length).toBe(3); // two settle attempts found unverified, then the close
      const row = await local.db.order.findUniqueOrThrow({ where: { id: victim.orderId } });
      expect(row).toMatchObject({ status: 'expired', paymentId: null, paidAt: null });
      expect(await local.db.cardKey.count({ where: { orderId: victim.orderId } })).toBe(0);
      expect(await local.db.payment.count({ where: { orderId: victim.orderId } })).toBe(0);
      expect(local.mail.messages.filter((m) => m.subject.includes(victim.orderId))).toHaveLength(0);
    } finally {
      await local.stop();
    }
  });
});

describe('a decision sent through Temporal', () => {
  it('is refused without the API\'s proof of an operator session; the order keeps waiting for a real one', async () => {
    const product = await kami.product(30);
    const order = (await kami.checkout({ sku: product.sku, quantity: 21, email: 'bulk-forgery@example.com' })).body;
    await kami.pay(order.orderId, order.accessToken);
    await expect.poll(() => statusOf(order.orderId), { timeout: 15_000 }).toBe('in_review');
    const handle = kami.temporal.workflow.getHandle(orderWorkflowId(order.orderId));
    const operator = await loginAs(kami, 'operator');

    // a made-up proof, and a real-looking one for another order
    await handle.executeUpdate(approveOrder, { args: [{ by: { id: operator.operator.id, email: operator.operator.email } }] });
    await handle.executeUpdate(approveOrder, {
      args: [{ by: { id: operator.operator.id, email: operator.operator.email }, proof: { sessionId: 'x'.repeat(64), issuedAt: Date.now(), mac: 'f'.repeat(64) } }],
    });
    await expect.poll(async () => kami.db.orderEvent.count({ where: { orderId: order.orderId, type: 'decision_refused' } }), { timeout: 15_000 }).toBe(2);
    expect(await statusOf(order.orderId)).toBe('in_review');
    expect(await kami.db.cardKey.count({ where: { orderId: order.orderId, status: 'sold' } })).toBe(0);
    expect(await kami.db.auditLog.count({ where: { targetId: order.orderId, action: { startsWith: 'order.review.' } } })).toBe(0);

    // a viewer's session cannot decide even through the API's own route (403), and an operator's can
    const viewer = await loginAs(kami, 'viewer');
    expect((await adminCall(kami, viewer, 'POST', `/orders/${order.orderId}/approve`, { body: {} })).status).toBe(403);
    const approved = await adminCall(kami, operator, 'POST', `/orders/${order.orderId}/approve`, { body: {} });
    expect(approved.status, approved.text).toBe(200);
    await expect.poll(() => statusOf(order.orderId), { timeout: 15_000 }).toBe('delivered');
    expect(await kami.db.auditLog.count({ where: { targetId: order.orderId, action: 'order.review.approve', actorId: operator.operator.id } })).toBe(1);
  });
});
