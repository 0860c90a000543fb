import type { Db } from '../db.js';
import { keepNotification, recordPayment, type KeptNotification } from '../payment-store.js';
import type { QueryAnswer, StoredAttempt } from './gateway.js';
import type { EnabledGateway } from './registry.js';

/** An attempt as read from the database, enough to ask its gateway about it. */
export type AttemptRow = {
  id: number; orderId: string; provider: string; gatewayOrderNo: string; gatewayRef: string | null;
  gatewayAmountMinor: bigint | null; gatewayCurrency: string | null; createdAt: Date;
};

const stored = (a: AttemptRow): StoredAttempt => ({
  gatewayOrderNo: a.gatewayOrderNo, gatewayRef: a.gatewayRef, gatewayAmountMinor: a.gatewayAmountMinor === null ? null : Number(a.gatewayAmountMinor),
  gatewayCurrency: a.gatewayCurrency, createdAt: a.createdAt,
});

/**
 * Asks the gateway about one attempt (the order run's poll, the reconciliation sweep, an operator's
 * "confirm paid"). A paid answer it can trust (signed, or from the configured host with the
 * merchant's credential) is stored like a notification and recorded as the payment: the order then
 * settles it from that row, exactly as if the callback had arrived. A hint (an unsigned,
 * unauthenticated status) is kept for a person and proves nothing. A still-unpaid answer, or the
 * same answer as the last one kept, is not worth a row at every poll; anything else is kept.
 */
export async function askGateway(db: Db, g: EnabledGateway, a: AttemptRow): Promise<{ paymentId: number | null; answer: QueryAnswer }> {
  const answer = await g.gateway.query!(stored(a));
  const kept: KeptNotification = { provider: a.provider, kind: 'query', method: 'QUERY', path: a.gatewayOrderNo, headers: {}, body: answer.raw.slice(0, 64 * 1024) };
  if (answer.state === 'paid' && answer.proof !== 'hint' && answer.txnId && answer.amountMinor !== undefined && answer.currency) {
    const row = await recordPayment(db, kept, {
      gatewayOrderNo: a.gatewayOrderNo, txnId: answer.txnId, amountMinor: answer.amountMinor, currency: answer.currency,
      ...(answer.account ? { account: answer.account } : {}), verifiedBy: 'query',
    });
    return { paymentId: row?.payment_id ?? null, answer };
  }
  if (answer.state !== 'pending') {
    const outcome = `query:${answer.state}${answer.proof === 'hint' ? ':hint' : ''}`;
    // the same answer again (an abandoned order polled by the sweep for days) adds nothing to keep
    const last = await db.paymentNotification.findFirst({
      where: { orderId: a.orderId, kind: 'query', path: a.gatewayOrderNo }, orderBy: { id: 'desc' }, select: { outcome: true, body: true },
    });
    if (last?.outcome !== outcome || last.body !== kept.body) {
      await keepNotification(db, kept, { verified: answer.proof !== 'hint', outcome, txnId: answer.txnId, gatewayOrderNo: a.gatewayOrderNo });
    }
  }
  return { paymentId: null, answer };
}
