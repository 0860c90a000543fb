import type { Db, Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

/** Which part of a payment a refund owes: all of it, or one of the parts owed back step by step. */
export type RefundStep = '' | 'approved_fewer' | 'split_rest';

/**
 * Owes a payment back, once per (payment, step) (the refund row is unique on them): all of it, or
 * `part.minor` of the order's currency for a step (a person approved fewer keys; the rest of a split
 * order). Written in the transaction that makes the decision, so the debt and the decision commit
 * together; the workflow's refund step then asks the gateway (or leaves it to a person).
 */
export async function oweRefund(tx: Tx, paymentId: number, reason: string, part?: { step: Exclude<RefundStep, ''>; minor: number }): Promise<void> {
  const p = await tx.payment.findUnique({ where: { id: paymentId }, include: { order: { select: { currency: true } } } });
  if (!p) return;
  const gatewayCurrency = p.gatewayCurrency ?? p.currency;
  const whole = part === undefined;
  // a part is in the order's currency: the gateway can refund it only if it charged in that currency
  const inGatewayTerms = whole || gatewayCurrency === p.order.currency;
  await tx.refund.createMany({
    data: [{
      orderId: p.orderId, paymentId, step: part?.step ?? '', provider: p.provider, reason: reason.slice(0, 500),
      amountMinor: whole ? (p.gatewayAmountMinor ?? p.amountCents) : BigInt(part.minor),
      currency: whole ? gatewayCurrency : p.order.currency,
      status: inGatewayTerms ? 'requested' : 'manual',
    }],
    skipDuplicates: true,
  });
}
