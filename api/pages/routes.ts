import { Router } from 'express';
import { z } from 'zod';
import { renderGuide } from '../../domain/guide.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { readBuyerOrder } from '../checkout/order-view.js';
import { OrderParams } from '../checkout/schemas.js';
import type { ApiDeps } from '../deps.js';
import { noStore } from '../admin/session.js';
import { ApiError } from '../errors.js';
import QRCode from 'qrcode';
import { PROVIDER_NAMES } from '../../domain/payment-providers.js';
import { attemptView, openAttempt } from '../../infra/payments/attempts.js';
import { signSandboxNotification, SIGNATURE_HEADER } from '../../infra/payments/sandbox.js';
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
${o.status === 'awaiting_payment' ? `<p><a href="/pay/${o.orderId}?token=${encodeURIComponent(token)}">Go to payment</a></p>` : ''}
${pending ? '<p class="muted">This page refreshes by itself.</p>' : ''}`, { refreshSeconds: pending ? 2 : undefined }));
  });

  /** Where a gateway sends the buyer back: it proves nothing (only a verified notification or query does), and carries no token. */
  router.get('/orders/:orderId/return', noStore, (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    res.type('html').send(page('Thank you', `
<h1>Thank you</h1>
<p>If you paid, the shop confirms it with the payment service and your order <code>${orderId}</code> carries on by itself:
your keys arrive by email, and on the order page you were given.</p>
<p class="muted">This page cannot show the order: open it from your email or the link you kept.</p>`));
  });

  /**
   * The payment page: the attempt the buyer is paying (QR code or link, amount in the gateway's
   * currency, the time left), the other enabled gateways to switch to, and once paid, the order.
   */
  /** A QR code that is not a link (a wallet address) is shown as text too, for buyers paying from a desktop wallet. */
  const LINK = /^[a-z][a-z0-9+.-]*:/i;
  router.get('/pay/:orderId', noStore, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    const o = await readBuyerOrder(deps, orderId, token);
    const orderPage = `/orders/${orderId}?token=${encodeURIComponent(token)}`;
    if (o.status !== 'awaiting_payment') return void res.redirect(303, orderPage);
    const [enabled, attempts] = await Promise.all([
      deps.gateways.enabled(),
      deps.db.paymentAttempt.findMany({ where: { orderId, status: { in: ['open', 'failed'] } }, orderBy: { seq: 'desc' } }),
    ]);
    const current = attempts[0] ? attemptView(attempts[0]) : undefined;
    const minutesLeft = Math.max(0, Math.round((Date.parse(o.expiresAt) - Date.now()) / 60_000));
    const qr = current?.qrCode ? await QRCode.toString(current.qrCode, { type: 'svg', margin: 1, width: 220 }) : '';
    const choices = enabled.map((g) => `<form method="post" action="/pay/${orderId}/${g.name}?token=${encodeURIComponent(token)}" style="margin:8px 0">
<button type="submit"${current?.provider === g.name ? ' style="background:#5c6bc0"' : ''}>${escapeHtml(g.displayName)}</button></form>`).join('');
    res.type('html').send(page('Payment', `
<h1>Pay ${o.amountDue} ${o.currency}</h1>
<p class="muted">${escapeHtml(o.productName)} × ${o.quantity} · order <code>${o.orderId}</code> · held for you ${minutesLeft} more minute${minutesLeft === 1 ? '' : 's'}</p>
${current?.status === 'failed' ? `<p class="badge bad">${escapeHtml(current.error ?? 'the payment service did not open the payment')}; choose again or another way to pay</p>` : ''}
${current?.status === 'open' ? `<div data-provider="${current.provider}">
${current.amount ? `<p>Pay exactly <b data-amount>${current.amount} ${current.currency}</b></p>` : ''}
${qr ? `<div class="qr" aria-label="payment QR code">${qr}</div><p class="muted">Scan with the payment app.</p>` : ''}
${current.qrCode && !LINK.test(current.qrCode) ? `<p>Or send it to <code data-address style="user-select:all;word-break:break-all">${escapeHtml(current.qrCode)}</code></p>` : ''}
${current.url && current.provider !== 'sandbox' ? `<p><a href="${escapeHtml(current.url)}" rel="noreferrer">Continue to the payment page</a></p>` : ''}
${current.provider === 'sandbox' ? `<p><a href="/sandbox/pay/${orderId}?token=${encodeURIComponent(token)}">Continue to the sandbox payment</a></p>` : ''}
</div>` : ''}
<h3>${current ? 'Or pay another way' : 'Choose how to pay'}</h3>${choices}
<p class="muted">This page refreshes by itself and shows your order the moment the payment is confirmed.</p>`, { refreshSeconds: 3 }));
  });

  /** Opens (or returns to) an attempt on the chosen gateway, then back to the payment page. */
  router.post('/pay/:orderId/:provider', noStore, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { provider } = z.object({ provider: z.enum(PROVIDER_NAMES) }).parse({ provider: req.params.provider });
    const { token } = TokenQuery.parse(req.query);
    const o = await readBuyerOrder(deps, orderId, token);
    if (o.status === 'awaiting_payment') {
      if (!(await deps.gateways.get(provider))) throw new ApiError(400, 'invalid_request', `payment provider "${provider}" is not enabled here`);
      await openAttempt(deps, orderId, provider, req.ip);
    }
    res.redirect(303, `/pay/${orderId}?token=${encodeURIComponent(token)}`);
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

  /** The sandbox gateway "captures" the order's sandbox attempt and calls Kami's webhook over HTTP, signed. */
  router.post('/sandbox/pay/:orderId', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    if (!deps.vault.verifyOrderAccessToken(orderId, token)) throw new ApiError(403, 'invalid_token', 'this link does not open this order');
    const order = await deps.db.order.findUnique({ where: { id: orderId } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
    let attempt = await deps.db.paymentAttempt.findFirst({ where: { orderId, provider: 'sandbox' }, orderBy: { seq: 'desc' } });
    if (!attempt) {
      await openAttempt(deps, orderId, 'sandbox', req.ip);
      attempt = await deps.db.paymentAttempt.findFirstOrThrow({ where: { orderId, provider: 'sandbox' }, orderBy: { seq: 'desc' } });
    }
    const body = JSON.stringify({
      orderId: attempt.gatewayOrderNo, txnId: `sbx_${attempt.gatewayOrderNo}`, amountCents: Number(attempt.gatewayAmountMinor ?? order.amountCents),
      currency: attempt.gatewayCurrency ?? order.currency, paidAt: new Date().toISOString(),
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
