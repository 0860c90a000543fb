import type { Db } from '../db.js';
import { creditRefund } from '../channels/ledger.js';
import { NotificationRefused, type PaymentGateway } from './gateway.js';

/**
 * The built-in gateways of partner channels' orders. Their payment is stored by checkout itself, in
 * the transaction that places the order (kami_place_order), so they open no attempt at an outside
 * service and take no notification: the webhook refuses anything sent in their name.
 */
const notAWebhook = (name: string) => () => {
  throw new NotificationRefused('invalid_request', `${name} payments are recorded as partner orders are placed; this provider takes no notifications`);
};
const noAttempt = (name: string) => async () => {
  throw new Error(`${name} payments are taken as partner orders are placed, not through a payment page`);
};
const answer: PaymentGateway['answer'] = (outcome) => (outcome.received
  ? { status: 200, body: { received: true } }
  : { status: 400, body: { error: { code: outcome.code, message: outcome.message } } });

/** `balance`: paid from the channel's prepaid balance; a refund credits it back, once per refund (ledger entry unique on it). */
export function createBalanceGateway(db: Db): PaymentGateway {
  return {
    name: 'balance', currencies: [], createAttempt: noAttempt('balance'), verifyNotification: notAWebhook('balance'), answer,
    async refund(r) {
      const entry = await creditRefund(db, r.refundId);
      if (entry === null) throw new Error(`refund ${r.refundId} is not a balance refund`);
      return { state: 'succeeded', gatewayRefundId: `ledger:${entry}` };
    },
  };
}

/** `partner`: the partner collected the money and confirmed it with its own reference; it has no refund API (a person settles with the partner). */
export function createPartnerGateway(): PaymentGateway {
  return { name: 'partner', currencies: [], createAttempt: noAttempt('partner'), verifyNotification: notAWebhook('partner'), answer };
}
