import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, createOperator, login } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import type { Kami } from '../helpers/kami.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * The storefront in Chromium: phone (390×844) and desktop (1280×800), English and Chinese; a purchase
 * from the catalogue to the delivered keys through the sandbox with JavaScript off; finding the order
 * again both ways; feedback left on the order page and then read in the panel, with the dashboard's
 * flag on a bad key batch. axe-core checks WCAG 2 A/AA (contrast included) on every storefront page.
 * Screenshots in test-results/screenshots/storefront-*.png.
 */
// a database of its own: this file sets the shop's one name, notice and logo, which every other file's pages would show
const stack = panelStack(() => ({ env: { KAMI_PAYMENT_HOLD: '10m', KAMI_EMAIL_GIVE_UP_AFTER: '10m' }, freshDatabase: 'storefront_panel' }));
let kami: Kami;
let panel: typeof stack.panel;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const LOCALES = { en: 'en-US', zh: 'zh-CN' } as const;

let giftCard: { sku: string; id: string };
let gameCard: { sku: string; id: string };

beforeAll(async () => {
  ({ kami, panel } = stack);
  const tag = randomUUID().slice(0, 4);
  giftCard = await kami.product(40, { name: `App Store 礼品卡 ¥100 ${tag}`, priceCents: 10000, currency: 'CNY', rules: { purchaseLimit: 5, purchaseLimitWindow: '24h' } });
  gameCard = await kami.product(12, { name: `Steam Wallet Code $20 ${tag}`, priceCents: 2000, currency: 'USD' });
  const soldOut = await kami.product(0, { name: `Netflix 1-month ${tag}`, priceCents: 1500, currency: 'USD' });
  await kami.db.product.update({ where: { id: giftCard.id }, data: {
    description: '适用于中国区 Apple ID。充值后余额可用于 App Store、Apple Music 和 iCloud。 For a China-region Apple ID.',
    guide: '1. 打开 **App Store**，点击头像。\n2. 选择“兑换充值卡或代码”，输入卡密。\n\nOpen the App Store, tap your photo, choose *Redeem Gift Card or Code* and enter the key.',
  } });
  await kami.db.product.update({ where: { id: gameCard.id }, data: { description: 'Adds $20 to a Steam wallet (US region). Delivered at once by email.' } });
  await kami.db.product.update({ where: { id: soldOut.id }, data: { description: 'One month of Netflix Standard.' } });
});

/** A buyer's browser: a fresh context at one size and language (JavaScript on unless said otherwise). */
async function buyerPage(size: keyof typeof VIEWPORTS, lang: keyof typeof LOCALES, opts: { javaScript?: boolean } = {}): Promise<Page> {
  const context: BrowserContext = await stack.browser.newContext({
    viewport: VIEWPORTS[size], locale: LOCALES[lang], javaScriptEnabled: opts.javaScript ?? true,
    // axe-core is injected as a script: the storefront's CSP (scripts from itself only) would refuse it
    bypassCSP: true, isMobile: size === 'phone', hasTouch: size === 'phone',
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[storefront]', err));
  return page;
}

/** axe-core's WCAG 2 A and AA rules over the page as rendered; violations are returned, summarised. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`));
}

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0)).catch(() => undefined);
  await screenshot(page, `storefront-${name}`);
}

describe('the storefront in the browser', () => {
  it('an owner sets the shop\'s name, notice, footer and logo in the panel', async () => {
    const owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
    // a logo drawn by Chromium itself: a PNG like any a merchant would upload
    const drawing = await stack.browser.newPage({ viewport: { width: 96, height: 96 } });
    await drawing.setContent('<div style="width:96px;height:96px;border-radius:20px;background:#c62828;color:#fff;font:700 44px/96px sans-serif;text-align:center">福</div>');
    const logo = await drawing.screenshot({ omitBackground: true });
    await drawing.close();
    const page = await signedInPage(stack, owner);
    await page.goto(`${panel.url}/admin/shop-settings/shop`);
    await page.locator('input[name="name"]').fill('幸运卡铺 Lucky Cards');
    await page.locator('textarea[name="notice"]').fill('春节期间正常自动发货 · Orders deliver automatically through the holidays.');
    await page.locator('textarea[name="footer"]').fill('客服 support@lucky.example · 工作日 9:00–18:00');
    await page.getByTestId('logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo });
    await page.getByTestId('shop-logo').waitFor();
    // a file that is not an image is refused, and the server says why
    await page.getByTestId('logo-file').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') });
    await expect.poll(async () => page.getByTestId('logo-error').textContent()).toMatch(/upload a PNG, JPEG, WebP or GIF/);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await kami.db.shopSettings.findUnique({ where: { id: 'shop' } }))?.name).toBe('幸运卡铺 Lucky Cards');
    await shot(page, 'panel-settings');
    await page.context().close();
  });

  for (const size of ['phone', 'desktop'] as const) {
    for (const lang of ['en', 'zh'] as const) {
      it(`browses the catalogue, a product and the lookup page (${size}, ${lang}), meeting WCAG AA`, async () => {
        const page = await buyerPage(size, lang);
        await page.goto(`${panel.url}/`);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang === 'en' ? 'en' : 'zh-CN');
        await expect.poll(() => page.locator('.brand').textContent()).toContain('Lucky Cards');
        expect(await page.locator('.brand img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96);
        expect(await page.locator('.notice').textContent()).toContain('春节期间');
        const card = page.locator(`[data-sku="${giftCard.sku}"]`);
        expect(await card.textContent()).toContain(lang === 'en' ? 'Limit 5 per buyer per 24 hours' : '每人每 24 小时限购 5 件');
        expect(await page.locator('.product', { hasText: 'Netflix' }).textContent()).toContain(lang === 'en' ? 'Sold out' : '已售罄');
        // nothing overflows the phone's width
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS[size].width);
        expect(await accessibilityViolations(page)).toEqual([]);
        await shot(page, `${size}-${lang}-catalogue`);

        await card.locator('a.buy').click();
        await page.waitForURL(`**/p/${giftCard.sku}`);
        expect(await page.locator('h2', { hasText: lang === 'en' ? 'How to use' : '使用说明' }).count()).toBe(1);
        expect(await page.locator('.guide strong').first().textContent()).toBe('App Store');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS[size].width);
        expect(await accessibilityViolations(page)).toEqual([]);
        await shot(page, `${size}-${lang}-product`);

        await page.locator('nav a[href="/lookup"]').click();
        await page.waitForURL('**/lookup');
        expect(await accessibilityViolations(page)).toEqual([]);
        await shot(page, `${size}-${lang}-lookup`);
        await page.context().close();
      });
    }
  }

  it('buys with JavaScript off: catalogue → form → payment → sandbox → delivered keys; then finds the order again both ways, and rates it', async () => {
    const email = `buyer-${randomUUID().slice(0, 8)}@example.com`;
    const page = await buyerPage('phone', 'zh', { javaScript: false });
    await page.goto(`${panel.url}/`);
    await page.locator(`[data-sku="${gameCard.sku}"] a.buy`).click();
    // a mistake first: the form comes back with the problem on its field, in Chinese
    await page.locator('#f-quantity').fill('2');
    await page.locator('#f-email').fill('not an email');
    await page.getByRole('button', { name: '去支付' }).click();
    await page.locator('#f-email-problem').waitFor();
    expect(await page.locator('#f-email-problem').textContent()).toBe('请输入有效的邮箱地址。');
    expect(await page.locator('#f-quantity').inputValue()).toBe('2');
    await shot(page, 'phone-zh-checkout-refused');

    await page.locator('#f-email').fill(email);
    await page.locator('#f-queryPassword').fill('my query pw 8');
    await shot(page, 'phone-zh-checkout');
    await page.getByRole('button', { name: '去支付' }).click();
    await page.waitForURL('**/pay/ord_*');
    expect(await page.locator('h1').textContent()).toBe('支付 40.00 USD');
    await shot(page, 'phone-zh-pay');
    await page.getByRole('link', { name: '前往沙箱支付' }).click();
    await page.waitForURL('**/sandbox/pay/**');
    await shot(page, 'phone-zh-sandbox');
    await page.getByRole('button', { name: '支付 40.00 USD' }).click();
    await page.waitForURL('**/orders/ord_*');
    // the order page refreshes by itself (meta refresh: no script needed) until the keys are there
    await page.locator('[data-status="delivered"]').waitFor({ timeout: 60_000 });
    const orderId = /\/orders\/(ord_[0-9A-Z]{22})/.exec(page.url())![1]!;
    const keys = await page.locator('ol.keys li').allTextContents();
    expect(keys).toHaveLength(2);
    const sold = await kami.db.cardKey.count({ where: { orderId, status: 'sold' } });
    expect(sold).toBe(2);
    await shot(page, 'phone-zh-order-delivered');

    // rate it: two stars and a comment with markup, shown back as text
    await page.locator('label.choice', { hasText: '2 星' }).click();
    await page.locator('#f-comment').fill('第二个卡密 <b>无效</b>，第一个可以');
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.waitForURL(/done=feedback/);
    expect(await page.locator('#feedback .alert.ok').textContent()).toBe('感谢您的评价。');
    expect(await page.locator('#f-comment').inputValue()).toBe('第二个卡密 <b>无效</b>，第一个可以');
    await shot(page, 'phone-zh-feedback');
    await page.context().close();

    // lookup by order number and email (desktop, English)
    const desk = await buyerPage('desktop', 'en');
    await desk.goto(`${panel.url}/lookup`);
    await desk.locator('#f-orderId').fill(orderId);
    await desk.locator('#f-email-order').fill(email.toUpperCase());
    await desk.locator('section', { hasText: 'With the order number' }).getByRole('button', { name: 'Find' }).click();
    await desk.locator(`[data-order="${orderId}"]`).waitFor();
    expect(await accessibilityViolations(desk)).toEqual([]);
    await shot(desk, 'desktop-en-lookup-found');

    // … and by email and query password; a wrong password finds nothing and says so
    await desk.goto(`${panel.url}/lookup`);
    await desk.locator('#f-email').fill(email);
    await desk.locator('#f-password').fill('not my password');
    await desk.locator('section', { hasText: 'With your query password' }).getByRole('button', { name: 'Find' }).click();
    expect(await desk.locator('.alert.bad').textContent()).toContain('No order of the last 90 days matches');
    await shot(desk, 'desktop-en-lookup-none');
    await desk.locator('#f-password').fill('my query pw 8');
    await desk.locator('section', { hasText: 'With your query password' }).getByRole('button', { name: 'Find' }).click();
    await desk.locator(`[data-order="${orderId}"]`).getByRole('link', { name: 'Open the order' }).click();
    await desk.waitForURL(`**/orders/${orderId}?token=*`);
    expect(await desk.locator('ol.keys li').allTextContents()).toEqual(keys);
    expect(await desk.locator('input[name="rating"][value="2"]').isChecked()).toBe(true);
    expect(await accessibilityViolations(desk)).toEqual([]);
    await shot(desk, 'desktop-en-order');

    // "send my keys again"
    await desk.getByRole('button', { name: 'Send my keys again' }).click();
    await desk.waitForURL(/done=resend/);
    await expect.poll(() => kami.mail.messages.filter((m) => m.subject.includes(orderId)).length, { timeout: 60_000 }).toBe(2);
    await desk.context().close();

    // the merchant reads it in the panel: the comment as text, the product's average
    const operator = await createOperator(kami.db, { role: 'operator', name: 'Lin Operator' });
    for (const [locale, name] of [['en-US', 'en'], ['zh-CN', 'zh']] as const) {
      const admin = await signedInPage(stack, operator, locale);
      await admin.goto(`${panel.url}/admin/feedback?filter=${encodeURIComponent(JSON.stringify({ productId: gameCard.id }))}`);
      const comment = admin.getByTestId('feedback-comment').first();
      await comment.waitFor();
      expect(await comment.textContent()).toBe('第二个卡密 <b>无效</b>，第一个可以');
      await shot(admin, `panel-${name}-feedback-comments`);
      await admin.goto(`${panel.url}/admin/feedback-products`);
      const row = admin.locator('tr', { hasText: gameCard.sku });
      await row.waitFor();
      expect(await row.textContent()).toContain('2.0');
      await shot(admin, `panel-${name}-feedback-products`);
      await admin.context().close();
    }
  });

  it('flags a key batch whose invalid-report rate jumped on the dashboard and in the batch view', async () => {
    const product = await kami.product(5, { name: `Bad batch card ${randomUUID().slice(0, 4)}` });
    for (let i = 0; i < 3; i++) {
      const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: `r${i}-${randomUUID().slice(0, 6)}@example.com` });
      await kami.pay(placed.body.orderId, placed.body.accessToken);
      await expect.poll(async () => (await kami.order(placed.body.orderId, placed.body.accessToken)).body.status, { timeout: 60_000 }).toBe('delivered');
      const key = (await kami.order(placed.body.orderId, placed.body.accessToken)).body.keys[0];
      // the order's run may still be closing as it reads delivered (409 order_busy until then, changing nothing)
      await expect.poll(async () => (await call(kami, 'POST', `/api/v1/orders/${placed.body.orderId}/reports`,
        { body: { key, reason: 'already redeemed' }, headers: { authorization: `Bearer ${placed.body.accessToken}` } })).status, { timeout: 30_000 }).toBe(202);
    }
    const operator = await createOperator(kami.db, { role: 'operator' });
    const session = await login(kami.baseUrl, operator.email, operator.password);
    expect((await adminCall(kami, session, 'GET', '/stats')).body.jumpedBatches.map((b: any) => b.productId)).toContain(product.id);

    for (const [locale, name] of [['en-US', 'en'], ['zh-CN', 'zh']] as const) {
      const admin = await signedInPage(stack, operator, locale);
      await admin.goto(`${panel.url}/admin/dashboard`);
      const flag = admin.getByTestId('jumped-batches');
      await flag.waitFor();
      expect(await flag.textContent()).toContain(product.name);
      await shot(admin, `panel-${name}-dashboard-flag`);
      await flag.getByRole('link').click();
      await admin.locator('tr', { hasText: product.name }).getByTestId('jumped').waitFor();
      await shot(admin, `panel-${name}-feedback-batches`);
      await admin.context().close();
    }
  });
});
