import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * Promotions in the panel: an operator creates a coupon and a sale price through their forms, sees a
 * coupon's uses (counted with their orders), an owner edits the stacking policy with its live example
 * and saves it, the order page shows a discounted order's breakdown, and a viewer reads without the
 * commands. Screenshots in test-results/screenshots/promotions-*.png, in English and Chinese.
 */
// a database of its own: the coupon list starts empty and the stacking policy at its default, whatever other files do
const stack = panelStack(() => ({ env: { KAMI_PAYMENT_HOLD: '10m' }, freshDatabase: 'promo_panel' }));
let kami: Kami;
let owner: Awaited<ReturnType<typeof createOperator>>;
let operator: Awaited<ReturnType<typeof createOperator>>;
let viewer: Awaited<ReturnType<typeof createOperator>>;
let product: Awaited<ReturnType<Kami['product']>>;
const code = `SPRING${randomUUID().slice(0, 4).toUpperCase()}`;

beforeAll(async () => {
  kami = stack.kami;
  [owner, operator, viewer] = await Promise.all([
    createOperator(kami.db, { role: 'owner', name: 'Olga Owner' }),
    createOperator(kami.db, { role: 'operator', name: 'Oscar Operator' }),
    createOperator(kami.db, { role: 'viewer', name: 'Vic Viewer' }),
  ]);
  product = await kami.product(20, { name: `Steam ¥100 ${randomUUID().slice(0, 4)}`, priceCents: 10000, currency: 'CNY' });
});

const pageAs = (who: { email: string; password: string }, locale = 'en-US') => signedInPage(stack, who, locale);
async function settle(page: Page) {
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
}

describe('operator panel: promotions', () => {
  it('an operator creates a coupon; its uses show with their orders, counted', async () => {
    const page = await pageAs(operator);
    await page.goto(`${stack.panel.url}/admin/coupons`);
    await page.getByTestId('empty-state').waitFor();
    await page.getByRole('link', { name: 'Create' }).first().click();
    await page.locator('input[name="code"]').fill(code);
    await page.locator('input[name="description"]').fill('Spring flyer');
    await page.locator('input[name="percentOff"]').fill('10');
    await page.locator('input[name="maxUses"]').fill('5');
    await page.locator('input[name="maxUsesPerBuyer"]').fill('1');
    await screenshot(page, 'promotions-coupon-create');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tbody tr', { hasText: code });
    await row.waitFor();
    const stored = await kami.db.coupon.findFirstOrThrow({ where: { code } });
    expect(stored).toMatchObject({ percentOff: 10, amountOffMinor: null, currency: null, maxUses: 5, maxUsesPerBuyer: 1, channels: ['retail'], active: true });

    // a fixed-amount coupon in the product's currency, typed in yuan
    await page.getByRole('link', { name: 'Create' }).first().click();
    await page.locator('input[name="code"]').fill(`${code}-FIX`);
    await page.locator('input[name="discountKind"][value="fixed"]').check();
    // react-admin gives inputs generated ids: the select is found by its label, as a person finds it
    await page.getByRole('combobox', { name: 'Currency' }).click();
    await page.getByRole('option', { name: 'CNY' }).click();
    await page.locator('input[name="amountOffMinor"]').fill('5.50');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('tbody tr', { hasText: `${code}-FIX` }).waitFor();
    expect(await kami.db.coupon.findFirstOrThrow({ where: { code: `${code}-FIX` } })).toMatchObject({ percentOff: null, amountOffMinor: 550n, currency: 'CNY' });

    // a buyer uses the first one
    const placed = await kami.checkout({ sku: product.sku, quantity: 2, email: 'spring-buyer@example.com', coupon: code.toLowerCase() });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    await page.reload();
    await expect.poll(async () => page.getByTestId(`coupon-uses-${code}`).textContent()).toBe('1 / 5');
    await settle(page);
    await screenshot(page, 'promotions-coupons-list');
    await page.locator('tbody tr', { hasText: 'Spring flyer' }).click();
    const uses = page.getByTestId('coupon-uses');
    await uses.locator('tbody tr', { hasText: placed.body.orderId }).waitFor();
    expect(await uses.textContent()).toContain('Counted');
    expect(await page.getByTestId('coupon-uses-summary').textContent()).toMatch(/1 counted \(¥20\.00 off\), 0 released/);
    await settle(page);
    await screenshot(page, 'promotions-coupon-uses');

    // the order page shows how its price was reached
    await page.goto(`${stack.panel.url}/admin/orders/${placed.body.orderId}/show`);
    const breakdown = page.getByTestId('price-breakdown');
    await breakdown.waitFor();
    expect(await breakdown.textContent()).toContain('List price: ¥100.00 × 2 = ¥200.00');
    expect(await breakdown.textContent()).toContain(`Coupon ${code}: 10% off (-¥20.00)`);
    expect(await breakdown.textContent()).toContain('Charged: ¥180.00');
    await settle(page);
    await screenshot(page, 'promotions-order-breakdown');
    await page.context().close();
  });

  it('an operator schedules a sale price in the product\'s currency; a price at or above the list price is refused on its field', async () => {
    const page = await pageAs(operator);
    await page.goto(`${stack.panel.url}/admin/sale-prices/create`);
    await page.locator('input[name="productId"]').fill(product.name.slice(0, 8));
    await page.getByRole('option', { name: new RegExp(product.sku) }).click();
    await page.locator('input[name="label"]').fill('Flash');
    await page.locator('input[name="priceMinor"]').fill('120');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('a sale price must be below the list price (100.00 CNY)').first().waitFor();
    expect(await kami.db.salePrice.count()).toBe(0);
    await page.locator('input[name="priceMinor"]').fill('85');
    await screenshot(page, 'promotions-sale-create');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tbody tr', { hasText: 'Flash' });
    await row.waitFor();
    expect(await row.textContent()).toContain('On now');
    expect(await kami.db.salePrice.findFirstOrThrow({ where: { productId: product.id } })).toMatchObject({ priceMinor: 8500n, percentOff: null, channels: ['retail'] });
    await settle(page);
    await screenshot(page, 'promotions-sales-list');
    await page.context().close();
  });

  it('an owner edits the stacking policy with its live example and saves it; checkout follows it', async () => {
    const page = await pageAs(owner);
    await page.goto(`${stack.panel.url}/admin/promotion-policy`);
    const example = page.getByTestId('policy-example');
    await example.waitFor();
    // the default: nothing combines; sale 85 vs tier 90 vs 10% coupon on 100 × 10 → the sale alone, 850
    expect(await example.textContent()).toContain('Charged: ¥850.00');
    await page.getByTestId('combine-sale+coupon').check();
    await expect.poll(() => example.textContent()).toContain('Charged: ¥765.00');
    // the floor at cost (60 a key) takes back what goes below it
    await page.getByTestId('example-couponValue').fill('50');
    await expect.poll(() => example.textContent()).toContain('Floor: not below cost, ¥600.00');
    await page.getByTestId('example-couponValue').fill('10');
    // the default order is sale, tier, coupon: one step up puts the coupon before the tier
    await page.getByTestId('order-up-coupon').click();
    const kinds = () => page.getByTestId('policy-order').locator('li[data-kind]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')));
    await expect.poll(kinds).toEqual(['sale', 'coupon', 'tier']);
    await settle(page);
    await screenshot(page, 'promotions-policy');
    await page.getByTestId('policy-save').click();
    await expect.poll(async () => (await kami.db.promotionPolicy.findUnique({ where: { id: 'shop' } }))?.version).toBe(1);
    const saved = await kami.db.promotionPolicy.findUniqueOrThrow({ where: { id: 'shop' } });
    expect(saved.policy).toMatchObject({ order: ['sale', 'coupon', 'tier'], combine: { 'sale+coupon': true, 'sale+tier': false, 'tier+coupon': false } });
    await page.getByTestId('policy-version').getByText(/Version 1 · saved by/).waitFor();

    // the next checkout stacks the sale (85) and the coupon (10% of it): 76.50
    const placed = await kami.checkout({ sku: product.sku, quantity: 1, email: 'stacked@example.com', coupon: code });
    expect(placed.body.amountDueCents, JSON.stringify(placed.body)).toBe(7650);
    await page.context().close();
  });

  it('in Chinese, and read-only for a viewer', async () => {
    const zh = await pageAs(owner, 'zh-CN');
    await zh.goto(`${stack.panel.url}/admin/promotion-policy`);
    await zh.getByTestId('policy-example').waitFor();
    expect(await zh.textContent('body')).toContain('优惠叠加规则');
    await settle(zh);
    await screenshot(zh, 'promotions-policy-zh');
    await zh.goto(`${stack.panel.url}/admin/coupons`);
    await zh.locator('tbody tr', { hasText: code }).first().waitFor();
    await settle(zh);
    await screenshot(zh, 'promotions-coupons-zh');
    await zh.context().close();

    const page = await pageAs(viewer);
    await page.goto(`${stack.panel.url}/admin/promotion-policy`);
    await page.getByTestId('policy-example').waitFor();
    await page.getByText('Only an owner changes the stacking policy.').waitFor();
    expect(await page.getByTestId('policy-save').count()).toBe(0);
    expect(await page.getByTestId('combine-sale+tier').isDisabled()).toBe(true);
    await page.goto(`${stack.panel.url}/admin/coupons`);
    await page.locator('tbody tr', { hasText: code }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Create' }).count()).toBe(0);
    await settle(page);
    await screenshot(page, 'promotions-coupons-viewer');
    // a viewer opens a coupon read-only: its terms and uses, no form
    await page.locator('tbody tr', { hasText: 'Spring flyer' }).click();
    await page.getByTestId('coupon-uses-summary').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.locator('input[name="code"]').count()).toBe(0);
    await settle(page);
    await screenshot(page, 'promotions-coupon-viewer');
    await page.context().close();
  });
});
