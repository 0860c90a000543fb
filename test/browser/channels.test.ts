import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { balanceOf, partnerCall } from '../helpers/partner.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * Partner channels in the panel: an owner creates one (its secret shown once, with a copy button),
 * tops up its balance (never below zero), sets its price tiers, rotates and revokes its keys; orders
 * show their channel, the partner's order id and the price breakdown; viewers read without the
 * commands. Screenshots in test-results/screenshots/channels-*.png, in English and Chinese.
 */
const stack = panelStack(() => ({ env: { KAMI_PARTNER_WAIT: '20s' } }));
let kami: Kami;
let owner: Awaited<ReturnType<typeof createOperator>>;
let viewer: Awaited<ReturnType<typeof createOperator>>;
let product: Awaited<ReturnType<Kami['product']>>;
const name = `Reseller ${randomUUID().slice(0, 6)}`;
let channelId = '';
let key = { keyId: '', secret: '' };

beforeAll(async () => {
  kami = stack.kami;
  owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
  viewer = await createOperator(kami.db, { role: 'viewer', name: 'Vic Viewer' });
  product = await kami.product(30, { name: `Steam ¥100 ${randomUUID().slice(0, 4)}`, priceCents: 10000, currency: 'CNY' });
});

const pageAs = (who: { email: string; password: string }, locale = 'en-US') => signedInPage(stack, who, locale);
const notification = (page: Page) => page.locator('.MuiSnackbarContent-message');
async function settle(page: Page) {
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
}

describe('operator panel: channels', () => {
  it('an owner creates a channel and sees its secret once, which signs partner requests', async () => {
    const page = await pageAs(owner);
    await page.goto(`${stack.panel.url}/admin/channels`);
    await page.locator('tbody tr', { hasText: 'retail' }).waitFor();
    await page.getByRole('link', { name: 'New partner channel' }).click();
    await page.locator('input[name="name"]').fill(name);
    await page.locator('input[name="settings.allowSplit"]').check();
    await page.locator('input[name="settings.maxQuantity"]').fill('500');
    await screenshot(page, 'channels-create');
    await page.getByRole('button', { name: 'Save' }).click();

    const dialog = page.getByTestId('channel-secret-dialog');
    await dialog.waitFor();
    key = { keyId: (await dialog.getByTestId('channel-key-id').textContent())!, secret: (await dialog.getByTestId('channel-secret').textContent())! };
    expect(key.keyId).toMatch(/^ck_/);
    expect(key.secret).toMatch(/^cs_/);
    await dialog.getByTestId('channel-secret-copy').waitFor();
    await screenshot(page, 'channels-secret-once');
    await dialog.getByTestId('channel-secret-done').click();
    await page.getByTestId('channel-keys').waitFor();
    channelId = page.url().match(/channels\/([^/?#]+)/)![1]!;
    // the secret is not on the page any more, and not anywhere the panel can fetch
    expect(await page.content()).not.toContain(key.secret);
    const stored = await kami.db.channel.findUniqueOrThrow({ where: { id: channelId } });
    expect(stored).toMatchObject({ name, kind: 'reseller', settings: expect.objectContaining({ allowSplit: true, maxQuantity: 500 }) });
    expect((await partnerCall(kami, key, 'GET', '/api/v1/partner/balance')).status).toBe(200);
    await page.context().close();
  });

  it('the ledger: a deposit shows with its running balance; an adjustment below zero is refused and changes nothing', async () => {
    const page = await pageAs(owner);
    await page.goto(`${stack.panel.url}/admin/channels/${channelId}`);
    await page.getByTestId('channel-ledger-add').click();
    const dialog = page.getByTestId('channel-ledger-dialog');
    await dialog.getByTestId('ledger-amount').fill('5000');
    await dialog.getByTestId('ledger-currency').fill('CNY');
    await dialog.getByTestId('ledger-note').fill('wire 2026-11-29');
    await dialog.getByTestId('ledger-submit').click();
    await notification(page).filter({ hasText: 'Recorded in the ledger' }).waitFor();
    await page.getByTestId('channel-balances').locator('[data-currency="CNY"]', { hasText: '5,000.00' }).waitFor();

    await page.getByTestId('channel-ledger-add').click();
    await dialog.locator('[data-testid="ledger-kind"] [role="combobox"]').click();
    await page.getByRole('option', { name: 'Adjustment' }).click();
    await dialog.getByTestId('ledger-amount').fill('-6000');
    await dialog.getByTestId('ledger-currency').fill('CNY');
    await dialog.getByTestId('ledger-note').fill('too much');
    await dialog.getByTestId('ledger-submit').click();
    await dialog.locator('[data-error-code="insufficient_balance"]').waitFor();
    await screenshot(page, 'channels-ledger-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await balanceOf(kami, channelId, 'CNY')).toEqual({ balance: 500_000, ledgerSum: 500_000 });
    expect(await page.getByTestId('channel-ledger').locator('tbody tr').count()).toBe(1);
    await page.context().close();
  });

  it('price tiers per product: typed in the product\'s units, previewed, saved, and charged to the partner', async () => {
    const page = await pageAs(owner);
    await page.goto(`${stack.panel.url}/admin/channels/${channelId}`);
    await page.getByTestId(`prices-edit-${product.sku}`).click();
    const dialog = page.getByTestId('channel-prices-dialog');
    await dialog.getByTestId('tier-0-price').fill('95');
    await dialog.getByTestId('tier-add').click();
    await dialog.getByTestId('tier-1-min').fill('10');
    await dialog.getByTestId('tier-1-price').fill('90.50');
    await dialog.getByTestId('tier-preview').filter({ hasText: '10 keys: ¥90.50 each, ¥905.00 in all' }).waitFor();
    await screenshot(page, 'channels-price-tiers');
    await dialog.getByTestId('tiers-save').click();
    await notification(page).filter({ hasText: 'Price list saved' }).waitFor();
    const row = page.getByTestId('channel-prices').locator(`tr[data-sku="${product.sku}"]`);
    await row.locator('[data-min="10"]', { hasText: '10+: ¥90.50' }).waitFor();
    expect((await kami.db.channelPrice.findMany({ where: { channelId }, orderBy: { minQuantity: 'asc' } })).map((t) => [t.minQuantity, Number(t.unitPriceMinor)]))
      .toEqual([[1, 9500], [10, 9050]]);

    // the channel's rule layer, in the Rules screen: a reseller's large orders need no review
    await page.goto(`${stack.panel.url}/admin/channels/${channelId}`);
    await page.getByRole('link', { name: 'Rule overrides' }).click();
    await page.getByText(`Rules for channel ${name}`).waitFor();
    await page.locator('input[name="settings.bulkAmountCents"]').fill('100000');
    await page.locator('input[name="settings.newBuyerAmountCents"]').fill('100000');
    await screenshot(page, 'channels-rules');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('tbody tr', { hasText: name }).waitFor();
    expect((await kami.db.channel.findUniqueOrThrow({ where: { id: channelId } })).rules).toEqual({ bulkAmountCents: 10_000_000, newBuyerAmountCents: 10_000_000 });

    // a partner order at the tier price, shown with its channel, external id and breakdown
    const placed = await partnerCall(kami, key, 'POST', '/api/v1/partner/orders?wait=true', {
      body: { sku: product.sku, quantity: 12, externalOrderId: 'mall-0012', email: 'end-buyer@example.com' },
    });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.amount).toBe('1086.00');
    await page.goto(`${stack.panel.url}/admin/orders`);
    const orderRow = page.locator('tbody tr', { hasText: 'mall-0012' });
    await orderRow.getByText(name).waitFor();
    await screenshot(page, 'channels-orders-list');
    await orderRow.click();
    const breakdown = page.getByTestId('price-breakdown');
    await breakdown.waitFor();
    expect(await breakdown.textContent()).toContain('List price: ¥100.00 × 12 = ¥1,200.00');
    expect(await breakdown.textContent()).toContain('Channel tier 10+: ¥90.50 each (-¥114.00)');
    expect(await breakdown.textContent()).toContain('Charged: ¥1,086.00');
    await settle(page);
    await screenshot(page, 'channels-order-breakdown');
    await page.context().close();
  });

  it('rotation shows the new secret once and keeps the old key for the overlap; revocation ends it', async () => {
    const page = await pageAs(owner);
    await page.goto(`${stack.panel.url}/admin/channels/${channelId}`);
    await page.getByTestId('channel-rotate').click();
    const rotate = page.getByTestId('channel-rotate-dialog');
    await rotate.locator('[data-testid="channel-overlap"] [role="combobox"]').click();
    await page.getByRole('option', { name: 'For 1 hour' }).click();
    await rotate.getByTestId('channel-rotate-confirm').click();
    const secret = page.getByTestId('channel-secret-dialog');
    await secret.waitFor();
    const fresh = { keyId: (await secret.getByTestId('channel-key-id').textContent())!, secret: (await secret.getByTestId('channel-secret').textContent())! };
    await secret.getByTestId('channel-secret-done').click();
    await page.locator(`tr[data-key-id="${key.keyId}"][data-state="ending"]`).waitFor();
    await page.locator(`tr[data-key-id="${fresh.keyId}"][data-state="live"]`).waitFor();
    expect((await partnerCall(kami, key, 'GET', '/api/v1/partner/balance')).status).toBe(200);
    expect((await partnerCall(kami, fresh, 'GET', '/api/v1/partner/balance')).status).toBe(200);

    await page.getByTestId(`channel-revoke-${key.keyId}`).click();
    await page.getByTestId('channel-revoke-confirm').click();
    await notification(page).filter({ hasText: 'Key revoked' }).waitFor();
    await page.locator(`tr[data-key-id="${key.keyId}"][data-state="revoked"]`).waitFor();
    expect((await partnerCall(kami, key, 'GET', '/api/v1/partner/balance')).status).toBe(401);
    await settle(page);
    await screenshot(page, 'channels-edit');
    await page.context().close();
  });

  it('a viewer reads the channel without its commands; the page in Chinese', async () => {
    const page = await pageAs(viewer);
    await page.goto(`${stack.panel.url}/admin/channels`);
    await page.locator('tbody tr', { hasText: name }).click();
    await page.getByTestId('channel-keys').waitFor();
    expect(await page.getByTestId('channel-rotate').count()).toBe(0);
    expect(await page.getByTestId('channel-ledger-add').count()).toBe(0);
    expect(await page.locator('[data-testid^="prices-edit-"]').count()).toBe(0);
    await page.context().close();

    const zh = await pageAs(owner, 'zh-CN');
    await zh.goto(`${stack.panel.url}/admin/channels/${channelId}`);
    await zh.getByText('余额与流水').waitFor();
    await zh.getByText('价目表').first().waitFor();
    await settle(zh);
    await screenshot(zh, 'channels-edit-zh-CN');
    await zh.goto(`${stack.panel.url}/admin/channels`);
    await zh.locator('tbody tr', { hasText: name }).waitFor();
    await screenshot(zh, 'channels-list-zh-CN');
    await zh.context().close();
  });
});
