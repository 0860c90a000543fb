import type { Db, Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

/**
 * Owes a payment back, once per payment (the refund row is unique on it): all of it, or `partMinor`
 * of the order's currency when a person approved fewer keys. Written in the transaction that makes
 * the decision, so the debt and the decision commit together; the workflow's refund step then asks
 * the gateway (or leaves it to a person).
 */
export async function oweRefund(tx: Tx, paymentId: number, reason: string, partMinor?: number): Promise<void> {
  const p = await tx.payment.findUnique({ where: { id: paymentId }, include: { order: { select: { currency: true } } } });
  if (!p) return;
  const gatewayCurrency = p.gatewayCurrency ?? p.currency;
  const whole = partMinor === undefined;
  // a part is in the order's currency: the gateway can refund it only if it charged in that currency
  const inGatewayTerms = whole || gatewayCurrency === p.order.currency;
  await tx.refund.createMany({
    data: [{
      orderId: p.orderId, paymentId, provider: p.provider, reason: reason.slice(0, 500),
      amountMinor: whole ? (p.gatewayAmountMinor ?? p.amountCents) : BigInt(partMinor),
      currency: whole ? gatewayCurrency : p.order.currency,
      status: inGatewayTerms ? 'requested' : 'manual',
    }],
    skipDuplicates: true,
  });
}
