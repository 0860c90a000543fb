import { Router } from 'express';
import { z } from 'zod';
import { renderGuide } from '../../domain/guide.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { readBuyerOrder } from '../checkout/order-view.js';
import { OrderParams } from '../checkout/schemas.js';
import type { ApiDeps } from '../deps.js';
import { noStore } from '../admin/session.js';
import { ApiError } from '../errors.js';
import { signSandboxNotification, SIGNATURE_HEADER } from '../payments/sandbox.js';
import { escapeHtml, page } from './html.js';

const TokenQuery = z.object({ token: z.string().min(1).max(200) });

const BADGE: Record<OrderStatus, [string, string]> = {
  awaiting_payment: ['wait', 'Awaiting payment'], paid: ['wait', 'Paid — preparing your keys'],
  in_review: ['wait', 'Paid — being checked by the shop'], backorder: ['wait', 'Paid — waiting for new stock'],
  rejected: ['bad', 'Declined — payment refunded'], refunded: ['bad', 'Refunded'],
  delivering: ['ok', 'Delivered'], delivered: ['ok', 'Delivered'], needs_attention: ['ok', 'Delivered (email pending)'],
  expired: ['bad', 'Expired'], cancelled: ['bad', 'Cancelled'], failed: ['bad', 'Failed'],
};

/** Buyer-facing HTML: the order page and, when enabled, the sandbox payment page. Never cached: they show keys and carry the token. */
export function pagesRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/orders/:orderId', noStore, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    const o = await readBuyerOrder(deps, orderId, token);
    const [tone, label] = BADGE[o.status];
    const pending = ['awaiting_payment', 'paid', 'in_review', 'backorder'].includes(o.status);
    res.type('html').send(page(`Order ${o.orderId}`, `
<h1>${escapeHtml(o.productName)} × ${o.quantity}</h1>
<p class="muted">Order <code>${o.orderId}</code></p>
<p><span class="badge ${tone}" data-status="${o.status}">${label}</span></p>
<table><tr><td>Amount</td><td>${o.amountDue} ${o.currency}</td></tr>
<tr><td>Created</td><td>${o.createdAt.replace('T', ' ').slice(0, 19)} UTC</td></tr>
${o.paidAt ? `<tr><td>Paid</td><td>${o.paidAt.replace('T', ' ').slice(0, 19)} UTC</td></tr>` : ''}
${o.email ? `<tr><td>Email</td><td>${escapeHtml(o.email.status)}</td></tr>` : ''}</table>
${o.keys.length ? `<h2>Your key${o.keys.length > 1 ? 's' : ''}</h2><ol class="keys">${o.keys.map((k) => `<li>${escapeHtml(k)}</li>`).join('')}</ol>` : ''}
${o.keys.length && o.guide ? `<h3>How to use</h3><div class="guide">${renderGuide(o.guide)}</div>` : ''}
${o.status === 'awaiting_payment' && deps.config.sandboxPayments ? `<p><a href="/sandbox/pay/${o.orderId}?token=${encodeURIComponent(token)}">Go to payment</a></p>` : ''}
${pending ? '<p class="muted">This page refreshes by itself.</p>' : ''}`, { refreshSeconds: pending ? 2 : undefined }));
  });

  if (!deps.config.sandboxPayments) return router;

  router.get('/sandbox/pay/:orderId', noStore, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    const o = await readBuyerOrder(deps, orderId, token);
    res.type('html').send(page('Sandbox payment', `
<div class="sandbox"><b>Sandbox payment</b> — no money moves. Pressing Pay sends a signed payment notification to Kami's webhook, exactly as a real gateway would.</div>
<h1>Pay ${o.amountDue} ${o.currency}</h1>
<p class="muted">${escapeHtml(o.productName)} × ${o.quantity} · order <code>${o.orderId}</code></p>
${o.status === 'awaiting_payment'
    ? `<form method="post" action="/sandbox/pay/${o.orderId}?token=${encodeURIComponent(token)}"><button type="submit">Pay ${o.amountDue} ${o.currency}</button></form>`
    : `<p>This order is <b>${o.status.replace('_', ' ')}</b>. <a href="/orders/${o.orderId}?token=${encodeURIComponent(token)}">Open the order page</a></p>`}`));
  });

  /** The sandbox gateway "captures" the payment and calls Kami's webhook over HTTP, signed. */
  router.post('/sandbox/pay/:orderId', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    if (!deps.vault.verifyOrderAccessToken(orderId, token)) throw new ApiError(403, 'invalid_token', 'this link does not open this order');
    const order = await deps.db.order.findUnique({ where: { id: orderId } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
    const body = JSON.stringify({
      orderId, txnId: `sbx_${orderId}`, amountCents: Number(order.amountCents), currency: order.currency, paidAt: new Date().toISOString(),
    });
    const callback = await fetch(`${deps.selfUrl()}/api/v1/payments/sandbox/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signSandboxNotification(deps.vault.sandboxWebhookSecret, body) },
      body,
    });
    const answer = await callback.json();
    if (req.accepts(['html', 'json']) === 'json') return void res.status(callback.status).json(answer);
    if (!callback.ok) return void res.status(callback.status).type('html').send(page('Payment refused', `<h1>Payment refused</h1><p>${escapeHtml(answer?.error?.message ?? 'unknown error')}</p>`));
    res.redirect(303, `/orders/${orderId}?token=${encodeURIComponent(token)}`);
  });

  return router;
}
