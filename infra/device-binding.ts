import type { KeyVault } from './crypto.js';
import type { Db, Prisma } from './db.js';
import { deviceIdOf } from '../domain/device-binding.js';
import { appendEvent } from './order-store.js';

type Tx = Prisma.TransactionClient;

/**
 * One code per (product, device) — table device_binding. Whoever binds or reads a binding first
 * takes a transaction-scoped advisory lock on the pair, so two orders for one device at the same
 * moment are served one after the other: the second finds the first's binding.
 */
export async function lockDevice(tx: Tx, productId: string, deviceId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`device-binding/${productId}/${deviceId}`}, 0))`;
}

/** This order's copy of a code bound earlier: found again by this fingerprint on a retry (never a key's: keys hold no control characters). */
export const copyFingerprint = (vault: KeyVault, orderId: string) => vault.fingerprint(`\u0001device\u0001${orderId}`);

/**
 * Gives `orderId` the code `cardKeyId` holds: a stock row of its own, sold to it, the same secret
 * encrypted anew (like a shared key's use). Idempotent on `fingerprint`; returns the row's id.
 */
export async function copyCode(tx: Tx, vault: KeyVault, productId: string, orderId: string, cardKeyId: number, fingerprint: string): Promise<number> {
  const bound = await tx.cardKey.findUniqueOrThrow({ where: { id: cardKeyId }, select: { ciphertext: true, hint: true } });
  await tx.cardKey.createMany({
    data: [{ productId, orderId, ciphertext: vault.encrypt(vault.decrypt(bound.ciphertext, productId), productId), fingerprint, hint: bound.hint, status: 'sold', soldAt: new Date() }],
    skipDuplicates: true,
  });
  return (await tx.cardKey.findUniqueOrThrow({ where: { productId_fingerprint: { productId, fingerprint } }, select: { id: true } })).id;
}

/**
 * A device-bound product delivered from stock, right before its first delivery (idempotent on the
 * order): the first order for a device binds it to the key it bought; a later order for the same
 * device gets that key's code instead — its own key is voided, never sold again: settle made it
 * readable a moment before, so its buyer may have seen it — so one device never gets a second code.
 * Returns the ids of the keys the order delivers.
 */
export async function bindStockKey(db: Db, vault: KeyVault, orderId: string): Promise<number[]> {
  return db.$transaction(async (tx) => {
    const o = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { productId: true, buyerInput: true } });
    const sold = await tx.cardKey.findMany({ where: { orderId, status: 'sold' }, orderBy: { id: 'asc' }, select: { id: true, fingerprint: true } });
    const deviceId = deviceIdOf(o.buyerInput);
    if (!deviceId || !sold.length) return sold.map((k) => k.id);
    await lockDevice(tx, o.productId, deviceId);
    const where = { productId_deviceId: { productId: o.productId, deviceId } };
    const binding = await tx.deviceBinding.findUnique({ where });
    if (!binding) {
      await tx.deviceBinding.create({ data: { productId: o.productId, deviceId, orderId, cardKeyId: sold[0]!.id } });
      await appendEvent(tx, orderId, 'device_bound', { deviceId, keyId: sold[0]!.id });
      return sold.map((k) => k.id);
    }
    if (binding.orderId === orderId || binding.cardKeyId === null) return sold.map((k) => k.id);
    const fingerprint = copyFingerprint(vault, orderId);
    const copy = sold.find((k) => k.fingerprint === fingerprint);
    if (copy) return [copy.id];
    // the key this order bought was readable for a moment (settle sold it): a key a buyer may have
    // seen is never sold to another, so it is voided, not returned to stock
    const released = await tx.cardKey.updateMany({
      where: { orderId, status: 'sold' }, data: { status: 'void', voidReason: `replaced by the code bound to this device (order ${binding.orderId})` },
    });
    const id = await copyCode(tx, vault, o.productId, orderId, binding.cardKeyId, fingerprint);
    await appendEvent(tx, orderId, 'device_bound', { deviceId, keyId: id, sameCodeAs: binding.orderId, released: released.count });
    return [id];
  });
}
