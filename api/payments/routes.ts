import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { webhookNotifications, webhookVerificationFailures } from '../../infra/metrics.js';
import { keepNotification, recordPayment, type KeptNotification } from '../../infra/payment-store.js';
import { NotificationRefused, type NotificationOutcome, type RawNotification } from '../../infra/payments/gateway.js';
import type { ApiDeps } from '../deps.js';
import { holdsNul } from '../edge.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';

const ProviderParams = z.object({ provider: z.string().regex(/^[a-z0-9_-]{1,32}$/) });

registry.registerPath({
  method: 'post', path: '/api/v1/payments/{provider}/notify', summary: 'Payment gateway callback (signed by the gateway; GET for Epay)',
  request: { params: ProviderParams },
  responses: { 200: { description: 'received (a duplicate too), in the form the gateway expects' }, ...errorResponses(400, 401, 404, 409) },
});

/** Headers kept with a notification: everything but credentials. */
const KEPT_HEADERS_DROP = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** The request as the gateway sent it; the body parser below keeps its raw bytes for the signature. */
function rawOf(req: Request): RawNotification {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  return { method: req.method, url: req.originalUrl, headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), sourceIp: req.ip };
}

/** The raw notification as kept for disputes (NUL characters escaped: PostgreSQL text refuses them). */
function kept(provider: string, raw: RawNotification): KeptNotification {
  const headers = Object.fromEntries(Object.entries(raw.headers).filter(([k]) => !KEPT_HEADERS_DROP.has(k)));
  return {
    provider, kind: 'notify', method: raw.method, path: raw.url.slice(0, 300), headers,
    body: raw.body.toString('utf8').replace(/\0/g, '\\u0000').slice(0, 64 * 1024), sourceIp: raw.sourceIp,
  };
}

/**
 * Gateway callbacks, for every provider: keep the notification raw → verify it with the gateway's
 * recipe (signature, merchant id; a timestamp window where the gateway signs one) → store the payment
 * it reports, unique per (provider, transaction) → wake the order's run with Signal-With-Start, naming
 * the stored row → answer the gateway as it expects. The webhook decides nothing about the order:
 * the run settles the payment from the stored row, whether it pays, arrives late, comes twice or
 * mismatches (a verified payment is never refused: a person looks). A duplicate, however late, gets
 * the success answer so the gateway stops retrying. Accepts GET (Epay) and POST (everyone else).
 */
export function paymentsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { db, runs, log, gateways } = deps;
  // every gateway's body, read raw (the signature covers the bytes), however it is encoded
  const rawBody = express.raw({ type: () => true, limit: '64kb' });

  const notify = async (req: Request, res: Response) => {
    const { provider: name } = ProviderParams.parse(req.params);
    const enabled = await gateways.get(name);
    if (!enabled) {
      webhookNotifications.inc({ provider: 'unknown', result: 'refused' }); // a path can name anything: no label of its own
      throw new ApiError(404, 'unknown_provider', `payment provider "${name}" is not enabled`);
    }
    const { gateway } = enabled;
    const raw = rawOf(req);
    const notification = kept(name, raw);
    const answer = (outcome: NotificationOutcome) => {
      webhookNotifications.inc({ provider: name, result: !outcome.received ? 'refused' : outcome.duplicate ? 'duplicate' : 'recorded' });
      const a = gateway.answer(outcome);
      if (a.contentType) res.type(a.contentType);
      res.status(a.status);
      if (a.body === undefined) res.end();
      else if (typeof a.body === 'string') res.send(a.body);
      else res.json(a.body);
    };

    let facts;
    try {
      facts = await gateway.verifyNotification(raw);
      // signed, but a reference holding a NUL names nothing Kami issued (and PostgreSQL text refuses it)
      if (holdsNul(facts)) throw new NotificationRefused('malformed', 'a field of the notification contains a NUL character');
    } catch (err) {
      if (!(err instanceof NotificationRefused)) throw err;
      webhookVerificationFailures.inc({ provider: name, code: err.code });
      log.warn({ provider: name, code: err.code, reason: err.message, sourceIp: raw.sourceIp }, 'payment notification refused');
      await keepNotification(db, notification, { verified: false, outcome: `refused:${err.code}`, detail: err.message });
      return answer({ received: false, code: err.code, message: err.message });
    }
    if (!facts.paid) {
      await keepNotification(db, notification, { verified: true, outcome: 'not_paid', txnId: facts.txnId, gatewayOrderNo: facts.gatewayOrderNo });
      return answer({ received: true, duplicate: false });
    }

    const stored = await recordPayment(db, notification, { ...facts, verifiedBy: 'signature' });
    if (!stored) {
      // verified money for a reference Kami never issued: kept for a person, acknowledged so it is not resent forever
      log.warn({ provider: name, gatewayOrderNo: facts.gatewayOrderNo, txnId: facts.txnId }, 'a verified payment names no order of this gateway');
      return answer({ received: true, duplicate: false });
    }
    const duplicate = stored.inserted === 0;
    if (duplicate && stored.prev_order_id !== stored.order_id) {
      log.warn({ provider: name, txnId: facts.txnId, orderId: stored.order_id, paidOrder: stored.prev_order_id }, 'a gateway transaction was presented for a second order');
      return answer({ received: false, code: 'transaction_reused', message: 'this gateway transaction is already recorded for another order' });
    }
    if (!duplicate || !stored.prev_applied_at) {
      await runs.paymentRecorded(
        { id: stored.order_id, productId: stored.product_id, sku: stored.sku, expiresAt: stored.expires_at },
        { paymentId: stored.payment_id!, provider: name, txnId: facts.txnId, amountCents: facts.amountMinor, currency: facts.currency },
      );
    }
    answer({ received: true, duplicate });
  };

  router.post('/:provider/notify', rawBody, notify);
  router.get('/:provider/notify', notify);
  return router;
}
