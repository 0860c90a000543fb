import { keyText } from '../../domain/product-types.js';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import { renderGuide } from '../../domain/guide.js';
import { accepts } from '../../domain/order-commands.js';
import { PROVIDER_NAMES } from '../../domain/payment-providers.js';
import { attemptView, openAttempt } from '../../infra/payments/attempts.js';
import { signSandboxNotification, SIGNATURE_HEADER } from '../../infra/payments/sandbox.js';
import { noStore } from '../admin/session.js';
import { feedbackEditableUntil, leaveFeedback } from '../checkout/feedback.js';
import type { BuyerGuards } from '../checkout/guards.js';
import { readBuyerOrder } from '../checkout/order-view.js';
import { reportInvalidKey } from '../checkout/reports.js';
import { resendKeys } from '../checkout/resend.js';
import { OrderParams, type OrderOut } from '../checkout/schemas.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { alert, formText, passGuard, refusalOf, type Refusal } from './forms.js';
import { escapeHtml, pageContext, shopPage, statusBadge, type PageContext } from './html.js';
import { formatTime } from './i18n.js';
import { priceTable } from './price.js';

const TokenQuery = z.object({ token: z.string().min(1).max(200) });

type BuyerOrder = z.infer<typeof OrderOut>;
type Done = 'feedback' | 'report' | 'resend';
const DONE = z.enum(['feedback', 'report', 'resend']).optional().catch(undefined);

const PENDING = ['awaiting_payment', 'paid', 'in_review', 'backorder'];

/** Where the buyer's order page is, with its token (relative: the buyer stays on the address they use). */
const orderHref = (orderId: string, token: string, extra = '') => `/orders/${orderId}?token=${encodeURIComponent(token)}${extra}`;

interface OrderPageState { done?: Done; refusal?: Refusal; section?: Done; draft?: { rating?: string; comment?: string } }

/**
 * The order page: status, keys and usage guide; after delivery the invitation to rate the order, "a
 * key did not work" (the invalid-key report) and "send my keys again". Every form posts to this
 * order's own address with its token, and works without JavaScript.
 */
function orderPage(ctx: PageContext, deps: Pick<ApiDeps, 'config'>, o: BuyerOrder, token: string, state: OrderPageState = {}): string {
  const { t, lang } = ctx;
  const action = (what: string) => `/orders/${o.orderId}/${what}?token=${encodeURIComponent(token)}`;
  const pending = PENDING.includes(o.status);
  const problemFor = (section: Done) => (state.refusal && state.section === section ? alert('bad', state.refusal.message) : '');
  const doneFor = (section: Done, text: string) => (state.done === section ? alert('ok', text) : '');

  const fb = o.feedback;
  const editable = accepts('leave_feedback', o) && (!fb || feedbackEditableUntil(deps.config, fb.createdAt).getTime() > Date.now());
  const rating = state.draft?.rating ?? (fb ? String(fb.rating) : '');
  const comment = state.draft?.comment ?? fb?.comment ?? '';
  const feedback = editable ? `<section class="card" id="feedback" aria-labelledby="feedback-title">
<h2 id="feedback-title">${escapeHtml(t.feedbackTitle)}</h2>
${doneFor('feedback', t.feedbackThanks)}${problemFor('feedback')}
${fb ? '' : `<p class="muted">${escapeHtml(t.feedbackInvite)}</p>`}
<form method="post" action="${action('feedback')}">
<fieldset class="field"><legend>${escapeHtml(t.rating)}</legend><div class="stars">
${[5, 4, 3, 2, 1].map((n) => `<label class="choice"><input type="radio" name="rating" value="${n}" required${rating === String(n) ? ' checked' : ''}><span aria-hidden="true">${'★'.repeat(n)}</span> ${escapeHtml(t.stars(n))}</label>`).join('\n')}
</div>${state.refusal?.fields.rating ? `<p class="problem">${escapeHtml(state.refusal.fields.rating)}</p>` : ''}</fieldset>
<div class="field"><label for="f-comment">${escapeHtml(t.comment)}</label><textarea id="f-comment" name="comment" maxlength="1000">${escapeHtml(comment)}</textarea>
${state.refusal?.fields.comment ? `<p class="problem">${escapeHtml(state.refusal.fields.comment)}</p>` : ''}</div>
<button type="submit">${escapeHtml(fb ? t.updateFeedback : t.sendFeedback)}</button>
${fb ? `<p class="hint">${escapeHtml(t.editableUntil(formatTime(lang, feedbackEditableUntil(deps.config, fb.createdAt))))}</p>` : ''}
</form></section>`
    : fb ? `<section class="card" id="feedback"><h2>${escapeHtml(t.yourFeedback)}</h2>${doneFor('feedback', t.feedbackThanks)}
<p><span aria-hidden="true">${'★'.repeat(fb.rating)}</span> ${escapeHtml(t.stars(fb.rating))}</p>${fb.comment ? `<p>${escapeHtml(fb.comment)}</p>` : ''}</section>` : '';

  const report = accepts('report_key', o) && o.keys.length ? `<section class="card" id="report">
${doneFor('report', t.reportSent)}${problemFor('report')}
<details${state.section === 'report' && state.refusal ? ' open' : ''}><summary>${escapeHtml(t.keyDidNotWork)}</summary>
<form method="post" action="${action('report')}">
${o.keys.length > 1
    ? `<div class="field"><label for="f-key">${escapeHtml(t.whichKey)}</label><select id="f-key" name="key">${o.keys.map((k) => `<option value="${escapeHtml(k)}">${escapeHtml(keyText(o.keyFormat, k, { cardNumber: t.cardNumber, password: t.cardPassword }))}</option>`).join('')}</select></div>`
    : `<input type="hidden" name="key" value="${escapeHtml(o.keys[0]!)}">`}
<div class="field"><label for="f-reason">${escapeHtml(t.whatHappened)}</label><textarea id="f-reason" name="reason" required minlength="3" maxlength="500"></textarea>
${state.refusal?.fields.reason ? `<p class="problem">${escapeHtml(state.refusal.fields.reason)}</p>` : ''}</div>
<button class="secondary" type="submit">${escapeHtml(t.sendReport)}</button>
</form></details></section>` : state.done === 'report' ? `<section class="card" id="report">${doneFor('report', t.reportSent)}</section>` : '';

  const resend = accepts('resend', o) ? `<section class="card" id="resend"><h2>${escapeHtml(t.resendTitle)}</h2>
${doneFor('resend', t.resendSent)}${problemFor('resend')}
<form method="post" action="${action('resend')}"><button class="secondary" type="submit">${escapeHtml(t.resend)}</button></form></section>` : '';

  return shopPage(ctx, {
    title: `${t.order} ${o.orderId}`,
    self: orderHref(o.orderId, token),
    refreshSeconds: pending ? 2 : undefined,
    body: `<div class="card">
<h1>${escapeHtml(o.productName)} × ${o.quantity}</h1>
<p class="muted">${escapeHtml(t.order)} <code>${o.orderId}</code></p>
<p>${statusBadge(ctx, o.status)}</p>
<table class="facts-table"><tr><th scope="row">${escapeHtml(t.amount)}</th><td>${o.amountDue} ${o.currency}</td></tr>
<tr><th scope="row">${escapeHtml(t.created)}</th><td>${escapeHtml(formatTime(lang, o.createdAt))}</td></tr>
${o.paidAt ? `<tr><th scope="row">${escapeHtml(t.paidAt)}</th><td>${escapeHtml(formatTime(lang, o.paidAt))}</td></tr>` : ''}
${o.email ? `<tr><th scope="row">${escapeHtml(t.emailStatus)}</th><td>${escapeHtml(t.emailState(o.email.status))}</td></tr>` : ''}</table>
${priceTable(t, o.price)}
${o.keys.length ? `<h2>${escapeHtml(t.yourKeys(o.keys.length))}</h2><ol class="keys">${o.keyFormat === 'pair'
    ? o.cards.map((c) => `<li class="pair"><span class="label">${escapeHtml(t.cardNumber)}:</span> <span class="card-number">${escapeHtml(c.cardNumber)}</span><br><span class="label">${escapeHtml(t.cardPassword)}:</span> <span class="card-password">${escapeHtml(c.password)}</span></li>`).join('')
    : o.keys.map((k) => `<li>${escapeHtml(k)}</li>`).join('')}</ol>` : ''}
${o.buyerInput.length ? `<h2>${escapeHtml(t.yourDetails)}</h2><table class="facts-table buyer-input">${o.buyerInput.map((b) => `<tr><th scope="row">${escapeHtml(b.label)}</th><td>${escapeHtml(b.value)}</td></tr>`).join('')}</table>` : ''}
${o.keys.length && o.guide ? `<h2>${escapeHtml(t.howToUse)}</h2><div class="guide">${renderGuide(o.guide)}</div>` : ''}
${o.status === 'awaiting_payment' ? `<p><a class="button" href="/pay/${o.orderId}?token=${encodeURIComponent(token)}">${escapeHtml(t.goToPayment)}</a></p>` : ''}
${pending ? `<p class="muted">${escapeHtml(t.refreshes)}</p>` : ''}
</div>
${feedback}${report}${resend}`,
  });
}

/** Buyer-facing HTML: the order page and its forms, the payment pages and, when enabled, the sandbox payment. Never cached: they show keys and carry the token. */
export function pagesRouter(deps: ApiDeps, guards: BuyerGuards): Router {
  const router = Router();

  router.get('/orders/:orderId', noStore, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    const o = await readBuyerOrder(deps, orderId, token);
    const done = DONE.parse(req.query.done);
    res.type('html').send(orderPage(await pageContext(deps, req, res), deps, o, token, { done }));
  });

  /**
   * The order page's forms: each runs the public API's own function, then goes back to the order page
   * (303, so a reload does not post again); a refusal shows on the page, in the buyer's language.
   */
  const orderForm = (section: Done, fieldText: (ctx: PageContext) => Record<string, string>,
    act: (req: Request, orderId: string, token: string) => Promise<unknown>, guard?: RequestHandler) => async (req: Request, res: Response) => {
    const { orderId } = OrderParams.parse(req.params);
    const { token } = TokenQuery.parse(req.query);
    try {
      if (guard) await passGuard(guard, req, res);
      await act(req, orderId, token);
      res.redirect(303, orderHref(orderId, token, `&done=${section}#${section}`));
    } catch (err) {
      const ctx = await pageContext(deps, req, res);
      const refusal = refusalOf(ctx.t, err, fieldText(ctx));
      if (!refusal || refusal.status === 401 || refusal.status === 403) throw err;
      const o = await readBuyerOrder(deps, orderId, token);
      const draft = section === 'feedback' ? { rating: formText(req.body, 'rating'), comment: formText(req.body, 'comment') } : undefined;
      res.status(refusal.status).type('html').send(orderPage(ctx, deps, o, token, { refusal, section, draft }));
    }
  };

  router.post('/orders/:orderId/feedback', noStore, orderForm('feedback', ({ t }) => ({ rating: t.badRating, comment: t.badComment }),
    (req, orderId, token) => {
      const rating = formText(req.body, 'rating');
      return leaveFeedback(deps, orderId, token, { rating: rating === undefined || !/^\d$/.test(rating) ? rating : Number(rating), comment: formText(req.body, 'comment') });
    }));
  router.post('/orders/:orderId/report', noStore, orderForm('report', ({ t }) => ({ reason: t.badReason, key: t.badReason }),
    (req, orderId, token) => reportInvalidKey(deps, orderId, token, { key: formText(req.body, 'key'), reason: formText(req.body, 'reason') })));
  router.post('/orders/:orderId/resend', noStore, orderForm('resend', () => ({}),
    async (_req, orderId, token) => {
      await readBuyerOrder(deps, orderId, token);
      return resendKeys(deps, orderId, 'buyer');
    }, guards.resend));

  /** Where a gateway sends the buyer back: it proves nothing (only a verified notification or query does), and carries no token. */
  router.get('/orders/:orderId/return', noStore, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const ctx = await pageContext(deps, req, res);
    res.type('html').send(shopPage(ctx, {
      title: ctx.t.thanksTitle,
      body: `<div class="card"><h1>${escapeHtml(ctx.t.thanksTitle)}</h1><p>${escapeHtml(ctx.t.thanksText(orderId))}</p>
<p class="muted">${escapeHtml(ctx.t.thanksNote)}</p></div>`,
    }));
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
    if (o.status !== 'awaiting_payment') return void res.redirect(303, orderHref(orderId, token));
    const [ctx, enabled, attempts] = await Promise.all([
      pageContext(deps, req, res),
      deps.gateways.enabled(),
      deps.db.paymentAttempt.findMany({ where: { orderId, status: { in: ['open', 'failed'] } }, orderBy: { seq: 'desc' } }),
    ]);
    const { t } = ctx;
    const current = attempts[0] ? attemptView(attempts[0]) : undefined;
    const minutesLeft = Math.max(0, Math.round((Date.parse(o.expiresAt) - Date.now()) / 60_000));
    const qr = current?.qrCode ? await QRCode.toString(current.qrCode, { type: 'svg', margin: 1, width: 220 }) : '';
    const choices = enabled.map((g) => `<form method="post" action="/pay/${orderId}/${g.name}?token=${encodeURIComponent(token)}" style="margin:8px 0">
<button type="submit" class="block${current?.provider === g.name ? '' : ' secondary'}">${escapeHtml(g.displayName)}</button></form>`).join('');
    res.type('html').send(shopPage(ctx, {
      title: t.pay(`${o.amountDue} ${o.currency}`),
      refreshSeconds: 3,
      body: `<div class="card">
<h1>${escapeHtml(t.pay(`${o.amountDue} ${o.currency}`))}</h1>
<p class="muted">${escapeHtml(o.productName)} × ${o.quantity} · ${escapeHtml(t.order)} <code>${o.orderId}</code> · ${escapeHtml(t.heldFor(minutesLeft))}</p>
${priceTable(t, o.price)}
${current?.status === 'failed' ? alert('bad', `${current.error ?? 'the payment service did not open the payment'}; ${t.attemptFailed}`) : ''}
${current?.status === 'open' ? `<div data-provider="${current.provider}">
${current.amount ? `<p>${escapeHtml(t.payExactly)} <b data-amount>${current.amount} ${current.currency}</b></p>` : ''}
${qr ? `<div class="qr" role="img" aria-label="${escapeHtml(t.qrLabel)}">${qr}</div><p class="muted">${escapeHtml(t.scan)}</p>` : ''}
${current.qrCode && !LINK.test(current.qrCode) ? `<p>${escapeHtml(t.orSendTo)} <code data-address style="user-select:all;word-break:break-all">${escapeHtml(current.qrCode)}</code></p>` : ''}
${current.url && current.provider !== 'sandbox' ? `<p><a class="button" href="${escapeHtml(current.url)}" rel="noreferrer">${escapeHtml(t.continueToPay)}</a></p>` : ''}
${current.provider === 'sandbox' ? `<p><a class="button" href="/sandbox/pay/${orderId}?token=${encodeURIComponent(token)}">${escapeHtml(t.continueSandbox)}</a></p>` : ''}
</div>` : ''}
<h2>${escapeHtml(current ? t.payAnotherWay : t.chooseHowToPay)}</h2>${choices}
<p class="muted">${escapeHtml(t.payRefreshes)}</p></div>`,
    }));
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
    const ctx = await pageContext(deps, req, res);
    const { t } = ctx;
    res.type('html').send(shopPage(ctx, {
      title: t.sandboxTitle,
      body: `<div class="card"><div class="sandbox">${escapeHtml(t.sandboxNote)}</div>
<h1>${escapeHtml(t.pay(`${o.amountDue} ${o.currency}`))}</h1>
<p class="muted">${escapeHtml(o.productName)} × ${o.quantity} · ${escapeHtml(t.order)} <code>${o.orderId}</code></p>
${o.status === 'awaiting_payment'
    ? `<div class="wide"><form method="post" action="/sandbox/pay/${o.orderId}?token=${encodeURIComponent(token)}"><button type="submit">${escapeHtml(t.pay(`${o.amountDue} ${o.currency}`))}</button></form></div>`
    : `<p>${escapeHtml(t.orderIs(t.status(o.status)))} ${statusBadge(ctx, o.status)} <a href="${orderHref(o.orderId, token)}">${escapeHtml(t.openOrder)}</a></p>`}</div>`,
    }));
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
    if (!callback.ok) {
      const ctx = await pageContext(deps, req, res);
      return void res.status(callback.status).type('html').send(shopPage(ctx, {
        title: ctx.t.paymentRefused, self: `/sandbox/pay/${orderId}?token=${encodeURIComponent(token)}`,
        body: `<div class="card"><h1>${escapeHtml(ctx.t.paymentRefused)}</h1><p>${escapeHtml(answer?.error?.message ?? 'unknown error')}</p></div>`,
      }));
    }
    res.redirect(303, orderHref(orderId, token));
  });

  return router;
}
