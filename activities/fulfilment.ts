import type { ActivityDeps } from './deps.js';
import { activityLog } from './log.js';
import { keyHint } from '../infra/crypto.js';
import { callMerchant, endpointFor } from '../infra/fulfilment.js';
import { copyCode, lockDevice } from '../infra/device-binding.js';
import { deviceIdOf } from '../domain/device-binding.js';
import { appendEvent, setOrderStatus } from '../infra/order-store.js';

/** Statuses a fulfilment moves on to `delivering` (as a claim does). */
const FULFILLABLE: readonly string[] = ['paid', 'in_review', 'backorder'];

/** What the buyer sees when the merchant fulfilled without a code (the top-up went to their account). */
export const NO_RECEIPT = 'Fulfilled by the merchant: credited to the account you gave';

/** One call to the merchant may take this long at most (the workflow's activity timeout is longer). */
export const FULFILMENT_CALL_MAX_MS = 10_000;

export type FulfilmentOutcome = { outcome: 'fulfilled'; keyIds: number[] } | { outcome: 'refused'; reason: string };

/** The receipt's stock row: one per order, found again by this fingerprint on a retry (never a key's: keys hold no control characters). */
const receiptFingerprint = (vault: ActivityDeps['vault'], orderId: string) => vault.fingerprint(`\u0001fulfilment\u0001${orderId}`);

export const createFulfilmentActivities = ({ db, vault, log, outbound, merchantEmail }: ActivityDeps) => ({
  /**
   * Asks the merchant's system to fulfil a paid order of a product with a fulfilment endpoint
   * (infra/fulfilment.ts): POST {orderId, sku, quantity, buyerInput}, signed, with the order id as
   * the idempotency key on every try. Idempotent on the order id: once fulfilled, a retry (or a
   * replayed task) answers from the record without calling. A failure (no answer, 5xx, a body that
   * says neither) throws, and the workflow's retry policy tries again with backoff; a refusal is
   * recorded and returned. On success the receipt becomes the order's one sold stock row, encrypted
   * like a key, so the email, the order page and the partner API show it as they show keys; the
   * order is then delivering.
   */
  async fulfilOrder(orderId: string): Promise<FulfilmentOutcome> {
    const order = await db.order.findUniqueOrThrow({
      where: { id: orderId },
      select: { productId: true, quantity: true, approvedQuantity: true, status: true, buyerInput: true, product: { select: { sku: true } }, fulfilment: true },
    });
    if (order.fulfilment?.status === 'fulfilled' && order.fulfilment.cardKeyId !== null) return { outcome: 'fulfilled', keyIds: [order.fulfilment.cardKeyId] };
    // a device-bound product's licence endpoint: one code per device (infra/device-binding.ts)
    const licence = await endpointFor(db, vault, order.productId, 'licence');
    const endpoint = licence ?? await endpointFor(db, vault, order.productId, 'fulfilment');
    const kind = licence ? 'licence' : 'fulfilment';
    if (!endpoint) return refused('the product has no fulfilment endpoint any more', 0);
    const deviceId = licence ? deviceIdOf(order.buyerInput) : undefined;
    const device = deviceId ? { productId_deviceId: { productId: order.productId, deviceId } } : undefined;
    if (device && deviceId) {
      const same = await db.$transaction(async (tx) => {
        await lockDevice(tx, order.productId, deviceId);
        const binding = await tx.deviceBinding.findUnique({ where: device });
        if (!binding) {
          // this order asks for the device's code; any other order for the device waits for it
          await tx.deviceBinding.create({ data: { productId: order.productId, deviceId, orderId } });
          return undefined;
        }
        if (binding.orderId === orderId) return undefined;
        if (binding.cardKeyId === null) return 'pending' as const;
        // the device has its code already: this order gets the same one, and the merchant is not asked again
        const id = await copyCode(tx, vault, order.productId, orderId, binding.cardKeyId, receiptFingerprint(vault, orderId));
        await tx.orderFulfilment.upsert({
          where: { orderId }, create: { orderId, kind, status: 'fulfilled', attempts: 0, cardKeyId: id, reference: `same code as ${binding.orderId}` },
          update: { status: 'fulfilled', cardKeyId: id, reference: `same code as ${binding.orderId}`, updatedAt: new Date() },
        });
        await appendEvent(tx, orderId, 'device_bound', { deviceId, keyId: id, sameCodeAs: binding.orderId });
        const now = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } });
        if (FULFILLABLE.includes(now.status)) await setOrderStatus(tx, orderId, 'delivering', { data: { keyIds: [id], device: true } });
        return id;
      });
      if (same === 'pending') throw new Error('another order for this device is being activated; waiting for its code');
      if (same !== undefined) return { outcome: 'fulfilled', keyIds: [same] };
    }
    const attempt = await db.orderFulfilment.upsert({
      where: { orderId },
      create: { orderId, kind, status: 'calling', attempts: 1 },
      update: { status: 'calling', attempts: { increment: 1 }, refusal: null, updatedAt: new Date() },
      select: { attempts: true },
    });
    if (attempt.attempts === 1) await appendEvent(db, orderId, 'fulfilment_started', { url: endpoint.url });
    const quantity = order.approvedQuantity ?? order.quantity;
    const r = await callMerchant(endpoint, { orderId, sku: order.product.sku, quantity, ...(deviceId ? { deviceId } : {}), buyerInput: order.buyerInput }, orderId,
      Math.min(outbound.timeoutMs, FULFILMENT_CALL_MAX_MS));
    if (!r.ok) {
      await db.orderFulfilment.update({ where: { orderId }, data: { lastError: r.error.slice(0, 1000), updatedAt: new Date() } });
      activityLog(log).warn({ attempt: attempt.attempts, err: r.error }, 'merchant fulfilment failed; will retry');
      throw new Error(`merchant fulfilment: ${r.error}`);
    }
    if (r.answer.status === 'refused') return refused(r.answer.reason || 'refused without a reason', attempt.attempts);
    const receipt = r.answer.receipt || NO_RECEIPT;
    const reference = r.answer.reference ?? null;
    return db.$transaction(async (tx) => {
      const fingerprint = receiptFingerprint(vault, orderId);
      await tx.cardKey.createMany({
        data: [{ productId: order.productId, orderId, ciphertext: vault.encrypt(receipt, order.productId), fingerprint, hint: keyHint(receipt), status: 'sold', soldAt: new Date() }],
        skipDuplicates: true,
      });
      const key = await tx.cardKey.findUniqueOrThrow({ where: { productId_fingerprint: { productId: order.productId, fingerprint } }, select: { id: true } });
      await tx.orderFulfilment.update({ where: { orderId }, data: { status: 'fulfilled', reference, cardKeyId: key.id, lastError: null, updatedAt: new Date() } });
      // the device's code from now on
      if (device) await tx.deviceBinding.updateMany({ where: { productId: order.productId, deviceId, orderId, cardKeyId: null }, data: { cardKeyId: key.id } });
      await appendEvent(tx, orderId, 'fulfilled', { reference, receipt: r.answer.status === 'fulfilled' && r.answer.receipt ? 'given' : 'none' });
      const now = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } });
      if (FULFILLABLE.includes(now.status)) await setOrderStatus(tx, orderId, 'delivering', { data: { keyIds: [key.id], fulfilment: true } });
      return { outcome: 'fulfilled' as const, keyIds: [key.id] };
    });

    async function refused(reason: string, step: number): Promise<FulfilmentOutcome> {
      await db.$transaction(async (tx) => {
        await tx.orderFulfilment.upsert({
          where: { orderId }, create: { orderId, kind, status: 'refused', refusal: reason.slice(0, 1000) },
          update: { status: 'refused', refusal: reason.slice(0, 1000), updatedAt: new Date() },
        });
        // a refused device may be asked for again by a later order
        if (device) await tx.deviceBinding.deleteMany({ where: { productId: order.productId, deviceId, orderId, cardKeyId: null } });
        // one event per call that was refused (a retried activity adds none)
        await appendEvent(tx, orderId, 'fulfilment_refused', { reason }, { step: String(step) });
      });
      return { outcome: 'refused', reason };
    }
  },

  /**
   * A manual order still waiting for its goods past the product's SLA: the merchant is told through
   * the notices stream (a review_reminder: Telegram, and the email when review_overdue is mailed);
   * the inbox flags it by its review deadline. Once per wait (idempotent on the review number).
   */
  async escalateManualDelivery(orderId: string, seq: number, sla: string | number): Promise<void> {
    await appendEvent(db, orderId, 'review_reminder', { to: merchantEmail ?? null, sla: String(sla), escalated: `waiting for its goods past the ${sla} SLA` }, { step: `${seq}:sla` });
  },

  /**
   * The merchant's endpoint kept failing for the whole retry period: recorded (its last error stays the
   * endpoint's own, from the last call), and the order waits for an operator.
   */
  async recordFulfilmentFailed(orderId: string, error: string): Promise<void> {
    await db.$transaction(async (tx) => {
      await tx.orderFulfilment.updateMany({ where: { orderId, status: { not: 'fulfilled' } }, data: { status: 'failed', updatedAt: new Date() } });
      // a licence this order asked for and never got: another order for the device may ask again
      await tx.deviceBinding.deleteMany({ where: { orderId, cardKeyId: null } });
      const row = await tx.orderFulfilment.findUnique({ where: { orderId }, select: { attempts: true } });
      await appendEvent(tx, orderId, 'fulfilment_failed', { error: error.slice(0, 500) }, { step: String(row?.attempts ?? 0) });
    });
  },
});
