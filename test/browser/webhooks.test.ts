import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTelegramWebhook } from '../../api/telegram.js';
import { issueCredential } from '../../infra/channels/credentials.js';
import { telegramOf } from '../../infra/telegram/bot.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { createOperator } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * Events out in the panel: an owner adds a channel's webhook endpoint (the form refuses what the
 * server would), sends it a test event, follows an order's events to their deliveries and tries; an
 * operator links Telegram from their profile. Screenshots in test-results/screenshots/webhooks-*.png
 * and profile-telegram-*.png, in English and Chinese.
 */
const TOKEN = '987654321:AAH-browser_test_token_for_fake_api';
const fakes = {} as { tg: FakeTelegram; db: Awaited<ReturnType<typeof freshDatabase>>; receiver: WebhookReceiver };
// registered before the stack's: after-hooks run last-registered first, so this one runs after Kami stopped
afterAll(async () => {
  await fakes.receiver?.close();
  await fakes.tg?.close();
  await fakes.db?.drop();
});
const stack = panelStack(async () => {
  fakes.db = await freshDatabase('panel_webhooks');
  fakes.tg = await startFakeTelegram(TOKEN);
  return { events: true, env: { DATABASE_URL: fakes.db.url, KAMI_TELEGRAM_BOT_TOKEN: TOKEN, KAMI_TELEGRAM_API_BASE: fakes.tg.apiBase } };
});
let owner: Awaited<ReturnType<typeof createOperator>>;
let operator: Awaited<ReturnType<typeof createOperator>>;

beforeAll(async () => {
  const { kami } = stack;
  owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
  operator = await createOperator(kami.db, { role: 'operator', name: 'Lin Operator' });
  const key = await issueCredential(kami.db, kami.vault, 'retail', owner.email);
  // the partner's endpoint is busy the first time each event comes, then takes it
  fakes.receiver = await startWebhookReceiver({ secrets: { [key.keyId]: key.secret }, plan: (_id, n) => (n === 1 ? 503 : 200) });
  await registerTelegramWebhook(telegramOf(kami.config), kami.baseUrl, kami.log);
});

async function settle(page: Page) {
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(200);
}

describe('webhooks in the panel', () => {
  it('an owner adds an endpoint, sends a test event, and reads each delivery and its tries', async () => {
    const { kami, panel } = stack;
    const page = await signedInPage(stack, owner);
    await page.goto(`${panel.url}/admin/webhook-endpoints`);
    await page.getByTestId('empty-state').waitFor();
    await page.getByRole('link', { name: 'Create' }).first().click();
    await page.locator('input[name="channelId"]').fill('retail');
    await page.locator('input[name="url"]').fill('http://partner.example/kami');
    await page.getByLabel('Order paid').check();
    await page.getByRole('button', { name: 'Save' }).click();
    // refused before a round trip, with the server's own message
    await expect.poll(() => page.locator('.MuiFormHelperText-root.Mui-error').allTextContents(), { timeout: 5000 })
      .toContainEqual(expect.stringContaining('https://'));
    await page.locator('input[name="url"]').fill(`${fakes.receiver.url}/kami/events`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId(/^send-test-/).first().waitFor();
    const endpoint = await kami.db.webhookEndpoint.findFirstOrThrow({ where: { url: `${fakes.receiver.url}/kami/events` } });
    expect(endpoint.events.sort()).toEqual(['order.delivered', 'order.paid']);
    await settle(page);
    await screenshot(page, 'webhooks-endpoints-en');

    await page.getByTestId(`send-test-${endpoint.id}`).click();
    await page.locator('.MuiSnackbarContent-message').filter({ hasText: 'Test event queued' }).waitFor();
    // and an order's own events
    const product = await kami.product(3, { name: 'Partner gift card', priceCents: 2500 });
    const order = await kami.checkout({ sku: product.sku, quantity: 1, email: 'partner.buyer@example.com' });
    await kami.pay(order.body.orderId, order.body.accessToken);
    await fakes.receiver.until(() => fakes.receiver.accepted.size === 3);
    await expect.poll(() => kami.db.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'delivered' } }), { timeout: 15_000 }).toBe(3);

    await page.goto(`${panel.url}/admin/webhook-deliveries`);
    await page.locator('[data-status="delivered"]').nth(2).waitFor();
    expect(await page.locator('[data-status="delivered"]').count()).toBe(3);
    await settle(page);
    await screenshot(page, 'webhooks-deliveries-en');

    const delivery = await kami.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id, event: { type: 'order.delivered' } } });
    await page.goto(`${panel.url}/admin/webhook-deliveries/${delivery.id}/show`);
    const tries = page.getByTestId('webhook-tries');
    await tries.locator('tbody tr').nth(1).waitFor();
    expect(await tries.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(['503', '200']);
    await page.getByTestId('redeliver').click();
    await fakes.receiver.until(() => fakes.receiver.received.filter((r) => r.eventId === fakes.receiver.received.find((x) => x.type === 'order.delivered')!.eventId).length === 3);
    await settle(page);
    await screenshot(page, 'webhooks-delivery-en');
    await page.context().close();

    const zh = await signedInPage(stack, owner, 'zh-CN');
    await zh.goto(`${panel.url}/admin/webhook-deliveries`);
    await zh.locator('[data-status="delivered"]').first().waitFor();
    await zh.getByText('订单已发货').first().waitFor();
    await settle(zh);
    await screenshot(zh, 'webhooks-deliveries-zh');
    await zh.context().close();
  });

  it('an operator links Telegram from their profile with a one-time code', async () => {
    const { panel } = stack;
    const page = await signedInPage(stack, operator, 'zh-CN');
    await page.goto(`${panel.url}/admin/profile`);
    await page.getByTestId('telegram-make-code').click();
    const shown = await page.getByTestId('telegram-code').innerText();
    const command = /\/start [A-Za-z0-9_-]+/.exec(shown)![0];
    expect(shown).toContain('https://t.me/kami_test_bot?start=');
    await settle(page);
    await screenshot(page, 'profile-telegram-code-zh');
    expect(await fakes.tg.userSays({ id: 31337, is_bot: false, first_name: 'Lin', username: 'lin_ops' }, command)).toBe(200);
    await page.getByRole('button', { name: '我已发送' }).click();
    await page.getByText('已绑定 @lin_ops').waitFor();
    await settle(page);
    await screenshot(page, 'profile-telegram-linked-zh');
    await page.getByRole('button', { name: '解除 Telegram 绑定' }).click();
    await page.getByTestId('telegram-make-code').waitFor();
    expect(await stack.kami.db.telegramLink.count({ where: { operatorId: operator.id } })).toBe(0);
    await page.context().close();
  });
});
