import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { renderGuide } from '../../domain/guide.js';
import type { BuyerField } from '../../domain/product-types.js';
import { LookupInput } from '../../domain/order-lookup.js';
import { readLogo } from '../../infra/shop-settings.js';
import { noStore } from '../admin/session.js';
import { listProducts, productBySku, SkuParams, type CatalogueProduct } from '../checkout/catalogue.js';
import type { BuyerGuards } from '../checkout/guards.js';
import { lookupOrders, type FoundOrder } from '../checkout/lookup.js';
import { checkout } from '../checkout/place-order.js';
import { CreateOrderBody, IdempotencyKey } from '../checkout/schemas.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, toApiError } from '../errors.js';
import { alert, field, formText, passGuard, refusalOf, type Refusal } from './forms.js';
import { escapeHtml, pageContext, shopPage, statusBadge, type PageContext } from './html.js';
import { formatTime } from './i18n.js';

/** Product cards and pages may be cached briefly by the browser: stock moves, but not by the second. */
const BROWSE_CACHE = 'private, max-age=10';

/** A product's facts as the catalogue and its page show them: stock, and the purchase limit if any. */
function productFacts(ctx: PageContext, p: CatalogueProduct): string {
  const { t } = ctx;
  return `<p class="facts">${p.available > 0 ? `<span class="badge ok">${escapeHtml(t.inStock(p.available))}</span>` : `<span class="badge bad">${escapeHtml(t.soldOut)}</span>`}
${p.purchaseLimit ? `<span class="badge">${escapeHtml(t.limit(p.purchaseLimit.quantity, p.purchaseLimit.window))}</span>` : ''}</p>`;
}

/** Form values as typed (never the query password) and what the last attempt said about them. */
interface CheckoutState { values: Record<string, string | undefined>; refusal?: Refusal }

/** One checkout field: how it is drawn, and how its typed text becomes part of POST /api/v1/orders's body. */
interface CheckoutField {
  name: string;
  render(ctx: PageContext, p: CatalogueProduct & { maxQuantity: number }, state: CheckoutState): string;
  body(text: string | undefined): Record<string, unknown>;
}

const optional = (name: string) => (text: string | undefined) => (text === undefined || text.trim() === '' ? {} : { [name]: text });

/**
 * The checkout form's fields, in order, each mapped onto CreateOrderBody. A product's own input fields
 * (a game account, a server) join this list; the form, its checks and its errors follow by themselves.
 */
const CHECKOUT_FIELDS: CheckoutField[] = [
  {
    name: 'quantity',
    render: ({ t }, p, s) => field({
      name: 'quantity', label: t.quantity, type: 'number', value: s.values.quantity ?? '1', hint: t.quantityHint(p.maxQuantity), problem: s.refusal?.fields.quantity,
      attrs: `min="1" max="${p.maxQuantity}" step="1" required inputmode="numeric"`,
    }),
    body: (text) => ({ quantity: text !== undefined && /^\d{1,9}$/.test(text.trim()) ? Number(text) : text }),
  },
  {
    name: 'email',
    render: ({ t }, _p, s) => field({
      name: 'email', label: t.email, type: 'email', value: s.values.email, hint: t.emailHint, problem: s.refusal?.fields.email,
      attrs: 'required maxlength="254" autocomplete="email"',
    }),
    body: (text) => ({ email: text?.trim() }),
  },
  {
    name: 'queryPassword',
    render: ({ t }, _p, s) => field({
      name: 'queryPassword', label: t.queryPassword, type: 'password', hint: t.queryPasswordHint, problem: s.refusal?.fields.queryPassword,
      attrs: 'minlength="6" maxlength="64" autocomplete="new-password"',
    }),
    body: optional('queryPassword'),
  },
];

/** A product's own checkout field's form name (prefixed: it never collides with the form's fixed fields). */
const BUYER_FIELD_PREFIX = 'bi_';

/** One of the product's own fields (domain/product-types.ts), drawn with its problem as checkout reported it. */
function buyerFieldHtml(f: BuyerField, s: CheckoutState): string {
  const name = `${BUYER_FIELD_PREFIX}${f.name}`;
  const value = s.values[name];
  const problem = s.refusal?.fields[`buyerInput.${f.name}`];
  if (f.type === 'select') {
    const id = `f-${name}`;
    return `<div class="field"><label for="${id}">${escapeHtml(f.label)}</label>
<select id="${id}" name="${name}"${f.required ? ' required' : ''}${problem ? ` aria-invalid="true" aria-describedby="${id}-problem"` : ''}>
${f.required ? '' : '<option value=""></option>'}${f.options!.map((o) => `<option${o === value ? ' selected' : ''}>${escapeHtml(o)}</option>`).join('')}
</select>${problem ? `<p class="problem" id="${id}-problem">${escapeHtml(problem)}</p>` : ''}</div>`;
  }
  return field({
    name, label: f.label, type: f.type === 'number' ? 'number' : 'text', value, problem,
    attrs: [f.required ? 'required' : '', `maxlength="${f.maxLength}"`, f.pattern ? `pattern="${escapeHtml(f.pattern)}"` : ''].filter(Boolean).join(' '),
  });
}

/** The values a posted form gives for the product's own fields (the API's checkout checks them against the product). */
function buyerInputOf(body: unknown): Record<string, string> | undefined {
  const entries = Object.entries((body ?? {}) as Record<string, unknown>)
    .filter(([k, v]) => k.startsWith(BUYER_FIELD_PREFIX) && typeof v === 'string' && v.trim() !== '')
    .map(([k, v]) => [k.slice(BUYER_FIELD_PREFIX.length), v as string]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Each field's problem in the buyer's words. */
const checkoutFieldText = ({ t }: PageContext, maxQuantity: number): Record<string, string> => ({
  quantity: t.badQuantity(maxQuantity), email: t.badEmail, queryPassword: t.badQueryPassword, provider: t.badProvider,
});

/**
 * The storefront (`/`, `/p/<sku>`, `/lookup`): server-rendered pages over the public API's own
 * functions (listProducts, productBySku, checkout, lookupOrders), in the buyer's language, usable
 * without JavaScript — browsing, buying with a plain form post, finding orders again.
 */
export function storefrontRouter(deps: ApiDeps, guards: BuyerGuards): Router {
  const router = Router();
  const { config } = deps;

  router.get('/', async (req, res) => {
    const [ctx, products] = await Promise.all([pageContext(deps, req, res), listProducts(deps)]);
    const { t } = ctx;
    const cards = products.map((p) => `<li class="card product" data-sku="${escapeHtml(p.sku)}">
<h2><a href="/p/${encodeURIComponent(p.sku)}">${escapeHtml(p.name)}</a></h2>
${p.description ? `<p class="desc">${escapeHtml(p.description.length > 160 ? `${p.description.slice(0, 157)}…` : p.description)}</p>` : '<p class="desc"></p>'}
<p class="price">${p.price} ${p.currency}</p>
${productFacts(ctx, p)}
<a class="button block buy${p.available > 0 ? '' : ' secondary'}" href="/p/${encodeURIComponent(p.sku)}" aria-label="${escapeHtml(`${p.available > 0 ? t.buy : t.details}: ${p.name}`)}">${escapeHtml(p.available > 0 ? t.buy : t.details)}</a>
</li>`).join('\n');
    res.setHeader('Cache-Control', BROWSE_CACHE);
    res.type('html').send(shopPage(ctx, {
      title: t.productsTitle, current: 'products',
      body: `<h1>${escapeHtml(t.productsTitle)}</h1><p class="muted">${escapeHtml(t.productsIntro)}</p>
${products.length ? `<ul class="grid">${cards}</ul>` : `<div class="card"><p>${escapeHtml(t.nothingOnSale)}</p></div>`}`,
    }));
  });

  /** The product page: what it is, the usage guide, and the checkout form (re-drawn with the problems when refused). */
  async function productPage(req: Request, res: Response, sku: string, state: CheckoutState, status = 200) {
    const [ctx, product, gateways] = await Promise.all([pageContext(deps, req, res), productBySku(deps, sku), deps.gateways.enabled()]);
    const { t } = ctx;
    const maxQuantity = Math.max(1, Math.min(config.KAMI_MAX_QUANTITY, product.available, product.purchaseLimit?.quantity ?? Infinity));
    const p = { ...product, maxQuantity };
    const chosen = state.values.provider ?? gateways[0]?.name;
    const payment = gateways.length > 1
      ? `<fieldset class="field"><legend>${escapeHtml(t.paymentMethod)}</legend>${gateways.map((g) => `<label class="choice"><input type="radio" name="provider" value="${g.name}"${g.name === chosen ? ' checked' : ''}> ${escapeHtml(g.displayName)}</label>`).join('')}
${state.refusal?.fields.provider ? `<p class="problem">${escapeHtml(state.refusal.fields.provider)}</p>` : ''}</fieldset>`
      : '';
    const form = product.available > 0
      ? `<form method="post" action="/p/${encodeURIComponent(product.sku)}#checkout" novalidate>
<input type="hidden" name="idempotencyKey" value="${randomUUID()}">
${CHECKOUT_FIELDS.map((f) => f.render(ctx, p, state)).join('\n')}
${product.buyerFields.map((f) => buyerFieldHtml(f, state)).join('\n')}
${payment}
<button type="submit" class="block">${escapeHtml(t.placeOrder)}</button>
</form>`
      : `<p>${escapeHtml(t.soldOutForm)}</p>`;
    if (status === 200) res.setHeader('Cache-Control', BROWSE_CACHE);
    res.status(status).type('html').send(shopPage(ctx, {
      title: product.name, self: `/p/${encodeURIComponent(product.sku)}`,
      // on a phone the form follows what the product is; the usage guide comes last (beside them on a wide screen)
      body: `<div class="split"><div class="card" id="info">
<h1>${escapeHtml(product.name)}</h1>
<p class="price">${product.price} ${product.currency}</p>
${productFacts(ctx, product)}
${product.description ? `<p>${escapeHtml(product.description)}</p>` : ''}
</div>
<div class="card" id="checkout">${state.refusal ? alert('bad', state.refusal.message, t.checkoutFailed) : ''}${form}</div>
${product.guide ? `<div class="card" id="guide"><h2>${escapeHtml(t.howToUse)}</h2><div class="guide">${renderGuide(product.guide)}</div></div>` : ''}</div>`,
    }));
  }

  router.get('/p/:sku', async (req, res) => {
    try {
      await productPage(req, res, SkuParams.parse(req.params).sku, { values: {} });
    } catch (err) {
      if (toApiError(err)?.code !== 'product_not_found') throw err;
      const ctx = await pageContext(deps, req, res);
      res.status(404).type('html').send(shopPage(ctx, {
        title: ctx.t.notFoundTitle,
        body: `<div class="card"><h1>${escapeHtml(ctx.t.notFoundTitle)}</h1><p>${escapeHtml(ctx.t.refusal.product_not_found!({}))}</p><p><a href="/">${escapeHtml(ctx.t.backToShop)}</a></p></div>`,
      }));
    }
  });

  /** Checkout by a plain form post: the public API's checkout, then 303 to the payment page. */
  router.post('/p/:sku', noStore, async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    const text = (name: string) => formText(req.body, name);
    const buyerInput = buyerInputOf(req.body);
    const values = { quantity: text('quantity'), email: text('email'), provider: text('provider'),
      ...Object.fromEntries(Object.entries(buyerInput ?? {}).map(([k, v]) => [`${BUYER_FIELD_PREFIX}${k}`, v])) };
    try {
      await passGuard(guards.checkout, req, res);
      const body = CreateOrderBody.parse({ sku, ...Object.assign({}, ...CHECKOUT_FIELDS.map((f) => f.body(text(f.name)))), ...optional('provider')(text('provider')), ...(buyerInput ? { buyerInput } : {}) });
      const key = IdempotencyKey.safeParse(text('idempotencyKey'));
      const answer = await checkout(deps, body, key.success ? key.data : undefined, req.ip);
      // a replay from another address carries no token: its buyer has the links by email
      res.redirect(303, 'replayed' in answer ? `/lookup` : `/pay/${answer.orderId}?token=${encodeURIComponent(answer.accessToken)}`);
    } catch (err) {
      const ctx = await pageContext(deps, req, res);
      const product = await productBySku(deps, sku).catch(() => null);
      const refusal = refusalOf(ctx.t, err, checkoutFieldText(ctx, Math.min(config.KAMI_MAX_QUANTITY, product?.available ?? config.KAMI_MAX_QUANTITY)));
      if (!refusal || !product) throw err;
      await productPage(req, res, sku, { values, refusal }, refusal.status);
    }
  });

  function lookupPage(ctx: PageContext, state: { values?: Record<string, string | undefined>; refusal?: Refusal; by?: 'order' | 'password'; found?: FoundOrder[] }): string {
    const { t, lang } = ctx;
    const v = state.values ?? {};
    const problems = (by: 'order' | 'password') => (state.by === by ? state.refusal?.fields ?? {} : {});
    const results = state.found ? `<section class="card" aria-labelledby="results-title"><h2 id="results-title">${escapeHtml(t.results)}</h2><ul class="orders">
${state.found.map((o) => `<li data-order="${o.orderId}"><div><a href="/orders/${o.orderId}?token=${encodeURIComponent(o.accessToken)}">${escapeHtml(o.productName)} × ${o.quantity}</a>
<div class="muted"><code>${o.orderId}</code> · ${escapeHtml(formatTime(lang, o.createdAt))} · ${o.amountDue} ${o.currency}</div></div>
<div>${statusBadge(ctx, o.status)}</div>
<a class="button secondary" href="/orders/${o.orderId}?token=${encodeURIComponent(o.accessToken)}">${escapeHtml(t.open)}</a></li>`).join('\n')}
</ul></section>` : '';
    return shopPage(ctx, {
      title: t.lookupTitle, current: 'lookup', self: '/lookup',
      body: `<h1>${escapeHtml(t.lookupTitle)}</h1><p class="muted">${escapeHtml(t.lookupIntro)}</p>
${state.refusal && !Object.keys(state.refusal.fields).length ? alert('bad', state.refusal.message) : ''}
${results}
<div class="stack two">
<section class="card" aria-labelledby="by-order"><h2 id="by-order">${escapeHtml(t.byOrder)}</h2>
<form method="post" action="/lookup" novalidate><input type="hidden" name="by" value="order">
${field({ name: 'orderId', label: t.orderNumber, value: v.orderId, problem: problems('order').orderId, attrs: 'required autocomplete="off" spellcheck="false"' })}
${field({ name: 'email', label: t.email, type: 'email', value: state.by === 'order' ? v.email : undefined, problem: problems('order').email, id: 'f-email-order', attrs: 'required autocomplete="email"' })}
<button type="submit" class="block">${escapeHtml(t.find)}</button></form></section>
<section class="card" aria-labelledby="by-password"><h2 id="by-password">${escapeHtml(t.byPassword)}</h2>
<form method="post" action="/lookup" novalidate><input type="hidden" name="by" value="password">
${field({ name: 'email', label: t.email, type: 'email', value: state.by === 'password' ? v.email : undefined, problem: problems('password').email, attrs: 'required autocomplete="email"' })}
${field({ name: 'password', label: t.password, type: 'password', problem: problems('password').password, attrs: 'required autocomplete="current-password"' })}
<button type="submit" class="block">${escapeHtml(t.find)}</button></form></section>
</div>`,
    });
  }

  router.get('/lookup', async (req, res) => {
    res.type('html').send(lookupPage(await pageContext(deps, req, res), {}));
  });

  /** Finding orders again: the public API's lookup (and its rate limits), results linking to each order page with its token. */
  router.post('/lookup', noStore, async (req, res) => {
    const ctx = await pageContext(deps, req, res);
    const by = formText(req.body, 'by') === 'password' ? 'password' : 'order';
    const values = { email: formText(req.body, 'email'), orderId: formText(req.body, 'orderId') };
    try {
      await passGuard(guards.lookup, req, res);
      const input = LookupInput.parse(by === 'order'
        ? { email: values.email?.trim(), orderId: values.orderId?.trim() ?? '' }
        : { email: values.email?.trim(), password: formText(req.body, 'password') ?? '' });
      const found = await lookupOrders(deps, input);
      res.type('html').send(lookupPage(ctx, { by, values, found }));
    } catch (err) {
      const { t } = ctx;
      const refusal = refusalOf(t, err, { email: t.badEmail, orderId: t.badOrderNumber, password: t.badPassword });
      if (!refusal) throw err;
      res.status(refusal.status).type('html').send(lookupPage(ctx, { by, values, refusal }));
    }
  });

  /** The shop's logo as uploaded (type checked then); its URL carries the settings' version, so it is cached for good. */
  router.get('/shop/logo', async (req, res) => {
    const logo = await readLogo(deps.db);
    if (!logo) throw new ApiError(404, 'logo_not_found', 'this shop has no logo');
    res.setHeader('Content-Type', logo.type);
    res.setHeader('Cache-Control', req.query.v === String(logo.version) ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    res.setHeader('ETag', `"logo-${logo.version}"`);
    if (req.fresh) return void res.status(304).end();
    res.send(Buffer.from(logo.bytes));
  });

  return router;
}
