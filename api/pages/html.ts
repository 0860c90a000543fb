import type { Request, Response } from 'express';
import { escapeHtml } from '../../domain/html.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { readShop, type Shop } from '../../infra/shop-settings.js';
import type { ApiDeps } from '../deps.js';
import { MESSAGES, negotiateLang, type Lang, type Messages } from './i18n.js';
import { STOREFRONT_CSS } from './theme.js';

export { escapeHtml };

/** What every buyer page is rendered with: the language, its messages and the shop's settings. */
export interface PageContext { lang: Lang; t: Messages; shop: Shop; req: Request }

export async function pageContext(deps: Pick<ApiDeps, 'db'>, req: Request, res: Response): Promise<PageContext> {
  const lang = negotiateLang(req, res);
  return { lang, t: MESSAGES[lang], shop: await readShop(deps.db), req };
}

/** `path` with `?lang=` set (other query parameters, an order's token among them, kept). */
function withLang(path: string, lang: Lang): string {
  const url = new URL(path, 'http://page.invalid');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

const TONE: Record<OrderStatus, 'ok' | 'wait' | 'bad'> = {
  awaiting_payment: 'wait', paid: 'wait', in_review: 'wait', backorder: 'wait', rejected: 'bad', refunded: 'bad',
  delivering: 'ok', delivered: 'ok', needs_attention: 'ok', expired: 'bad', cancelled: 'bad', failed: 'bad',
};

/** An order's status as a coloured badge (its machine value in data-status, for scripts and tests). */
export const statusBadge = (ctx: PageContext, status: OrderStatus) =>
  `<span class="badge ${TONE[status]}" data-status="${status}">${escapeHtml(ctx.t.status(status))}</span>`;

export interface PageOptions {
  title: string;
  body: string;
  /** Reload the page after this many seconds (orders on their way, the payment page). */
  refreshSeconds?: number;
  /** Which navigation entry this page is. */
  current?: 'products' | 'lookup';
  /** The GET address of what is shown, for the language switch (default: the request's own). */
  self?: string;
}

/** The storefront's frame around every buyer page: the shop's logo and name, navigation, notice banner and footer. */
export function shopPage(ctx: PageContext, o: PageOptions): string {
  const { t, shop, lang } = ctx;
  const self = o.self ?? (ctx.req.method === 'GET' ? ctx.req.originalUrl : ctx.req.path);
  const other = t.otherLang;
  const nav = (href: string, label: string, name: PageOptions['current']) =>
    `<a href="${href}"${o.current === name ? ' aria-current="page"' : ''}>${escapeHtml(label)}</a>`;
  return `<!doctype html><html lang="${t.htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(o.title)} · ${escapeHtml(shop.title)}</title>
${o.refreshSeconds ? `<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
<style>${STOREFRONT_CSS}</style></head><body>
<a class="skip" href="#main">${escapeHtml(t.skip)}</a>
<header class="top"><div class="bar">
<a class="brand" href="/">${shop.hasLogo ? `<img src="/shop/logo?v=${shop.version}" alt="">` : ''}<span>${escapeHtml(shop.title)}</span></a>
<nav aria-label="${escapeHtml(shop.title)}">${nav('/', t.navProducts, 'products')}${nav('/lookup', t.navLookup, 'lookup')}
<a href="${escapeHtml(withLang(self, other.lang))}" lang="${other.lang}" hreflang="${other.lang}" data-lang-switch>${other.label}</a></nav>
</div></header>
${shop.notice ? `<div class="notice" role="note">${escapeHtml(shop.notice)}</div>` : ''}
<main id="main" data-lang="${lang}">${o.body}</main>
<footer>${shop.footer ? `${escapeHtml(shop.footer)}\n` : ''}${escapeHtml(t.poweredBy)}</footer>
</body></html>`;
}
