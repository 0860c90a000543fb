import { randomInt } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { createOperator } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { TWILIO, twilioEnv, usPhone } from '../helpers/sms.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * Buyers' SMS in the panel, with the fake Twilio as the Kami's provider: an owner turns SMS on for a
 * product (a bad placeholder is refused on its field and nothing is saved), an order with a phone is
 * bought and paid, its page shows the email and SMS deliveries, and an operator texts the buyer again
 * (sms-resend-1 reaches the fake). A viewer, and an order without an SMS, get no "Resend SMS".
 * Screenshots in test-results/screenshots/sms-*.png, in English and Chinese.
 */
let twilio: FakeTwilio;
const stack = panelStack(async () => {
  twilio = await startFakeTwilio(TWILIO);
  return { env: { ...twilioEnv(twilio), KAMI_PAYMENT_HOLD: '10m' } };
});
let kami: Kami;
let owner: Awaited<ReturnType<typeof createOperator>>;
let operator: Awaited<ReturnType<typeof createOperator>>;
let viewer: Awaited<ReturnType<typeof createOperator>>;
let product: Awaited<ReturnType<Kami['product']>>;
const TEXT = 'Your {product} (order {order}) is ready: {link}';

beforeAll(async () => {
  kami = stack.kami;
  [owner, operator, viewer] = await Promise.all([
    createOperator(kami.db, { role: 'owner', name: 'Olga Owner' }),
    createOperator(kami.db, { role: 'operator', name: 'Oscar Operator' }),
    createOperator(kami.db, { role: 'viewer', name: 'Vic Viewer' }),
  ]);
  product = await kami.product(5, { name: `Netflix gift card ${randomInt(1e4)}`, priceCents: 5000, currency: 'CNY' });
});
afterAll(async () => { await twilio?.close(); });

const pageAs = (who: { email: string; password: string }, locale = 'en-US') => signedInPage(stack, who, locale);
const fieldError = (page: Page, name: string) => page.locator(`.MuiFormControl-root:has([name="${name}"]) .MuiFormHelperText-root.Mui-error`);
const notification = (page: Page) => page.locator('.MuiSnackbarContent-message');
const deliveryRow = (page: Page, channel: string) => page.getByTestId('deliveries').locator(`tr[data-channel="${channel}"]`);
async function settle(page: Page) {
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
}

/** Bought and paid through the public API from an address of its own (velocity counts per address), then delivered. */
async function placeAndPay(sku: string, phone?: string) {
  const created = await kami.checkout({ sku, quantity: 1, email: `sms-${randomInt(1e9)}@example.com`, ...(phone ? { phone } : {}) },
    { 'x-forwarded-for': `198.51.100.${randomInt(1, 255)}` });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await kami.pay(created.body.orderId, created.body.accessToken)).status).toBe(200);
  const orderId = created.body.orderId as string;
  expect((await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).result()).status).toBe('delivered');
  return { orderId, accessToken: created.body.accessToken as string };
}

describe('operator panel: SMS to buyers', () => {
  it('an owner turns SMS on for a product: a bad placeholder is refused on its field and saves nothing, then the text is saved', async () => {
    const page = await pageAs(owner);
    await page.goto(`${stack.panel.url}/admin/products/${product.id}`);
    const section = page.getByTestId('sms-section');
    await section.waitFor();
    expect(await section.getAttribute('data-provider')).toBe('twilio');
    // the placeholders Kami fills in are listed; {keys} only once keys may travel in the SMS
    expect(await page.getByTestId('sms-placeholders').textContent()).toMatch(/\{order\}.*\{product\}.*\{keys\}.*\{link\}/);
    expect(await page.getByTestId('sms-keys-warning').textContent()).toContain('SMS is not a secure channel');
    const keysAllowed = page.locator('input[name="smsKeysAllowed"]');
    expect(await keysAllowed.isChecked()).toBe(false);

    await page.locator('input[name="smsEnabled"]').check();
    const text = page.locator('textarea[name="smsText"]');
    await text.fill('Order {order}: {code} at {link}');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = fieldError(page, 'smsText');
    await error.waitFor();
    expect(await error.textContent()).toContain('unknown placeholder {code}');
    await settle(page);
    await screenshot(page, 'sms-product-invalid');
    expect(await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ smsEnabled: false, smsText: null });

    // keys are not allowed in this product's SMS: {keys} is refused too, on the same field
    await text.fill('Your keys: {keys}');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => error.textContent()).toContain('does not allow');
    expect(await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ smsEnabled: false, smsText: null });

    await text.fill(TEXT);
    await page.getByRole('button', { name: 'Save' }).click();
    await notification(page).first().waitFor();
    await expect.poll(async () => (await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).smsEnabled).toBe(true);
    expect(await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ smsEnabled: true, smsKeysAllowed: false, smsText: TEXT });
    await page.context().close();

    // the same form in Chinese, with the keys switch on and its warning
    const zh = await pageAs(owner, 'zh-CN');
    await zh.goto(`${stack.panel.url}/admin/products/${product.id}`);
    await zh.getByTestId('sms-section').waitFor();
    expect(await zh.textContent('body')).toContain('短信通知买家');
    await zh.locator('input[name="smsKeysAllowed"]').check();
    await expect.poll(() => zh.getByTestId('sms-keys-warning').textContent()).toContain('卡密将以明文发送');
    await settle(zh);
    await screenshot(zh, 'sms-product-zh');
    await zh.context().close();
  });

  it('an order\'s page shows its email and SMS deliveries; an operator resends the SMS and the buyer gets a second one', async () => {
    const phone = usPhone();
    const o = await placeAndPay(product.sku, phone);
    expect(twilio.to(phone)).toHaveLength(1);

    const page = await pageAs(operator);
    await page.goto(`${stack.panel.url}/admin/orders/${o.orderId}/show`);
    await deliveryRow(page, 'sms').waitFor();
    expect(await deliveryRow(page, 'email').getAttribute('data-status')).toBe('sent');
    expect(await deliveryRow(page, 'sms').getAttribute('data-status')).toBe('sent');
    const smsRow = await deliveryRow(page, 'sms').textContent();
    expect(smsRow).toContain(twilio.to(phone)[0]!.sid);
    expect(smsRow).toContain('Twilio');
    expect(smsRow).toContain(phone);
    // how it went, never what was sent: neither the text nor the link's token
    const deliveries = await page.getByTestId('deliveries').textContent();
    expect(deliveries).not.toContain('is ready');
    expect(await page.content()).not.toContain(o.accessToken);
    expect(await deliveryRow(page, 'sms-resend-1').count()).toBe(0);
    await settle(page);
    await screenshot(page, 'sms-order-deliveries');

    await page.getByTestId('command-resend_sms').click();
    const dialog = page.getByTestId('command-resend_sms-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('command-resend_sms-confirm').click();
    await notification(page).filter({ hasText: 'SMS queued' }).waitFor();
    await expect.poll(() => twilio.to(phone).length, { timeout: 30_000 }).toBe(2);
    const second = twilio.to(phone)[1]!;
    expect(second.body).toBe(`Your ${product.name} (order ${o.orderId}) is ready: ${kami.baseUrl}/orders/${o.orderId}?token=${o.accessToken}`);
    // the page shows the resend once its run has recorded it
    await expect.poll(async () => {
      await page.reload();
      await page.getByTestId('deliveries').waitFor();
      return deliveryRow(page, 'sms-resend-1').getAttribute('data-status', { timeout: 2_000 }).catch(() => null);
    }, { timeout: 30_000 }).toBe('sent');
    expect(await deliveryRow(page, 'sms-resend-1').textContent()).toContain(second.sid);
    expect(await kami.db.auditLog.count({ where: { action: 'order.resend_sms', targetId: o.orderId } })).toBe(1);
    await settle(page);
    await screenshot(page, 'sms-order-resent');
    await page.context().close();

    const zh = await pageAs(operator, 'zh-CN');
    await zh.goto(`${stack.panel.url}/admin/orders/${o.orderId}/show`);
    await deliveryRow(zh, 'sms-resend-1').waitFor();
    expect(await zh.getByTestId('deliveries').textContent()).toContain('短信重发（1）');
    expect(await zh.getByTestId('command-resend_sms').textContent()).toBe('重发短信');
    await settle(zh);
    await screenshot(zh, 'sms-order-zh');
    await zh.context().close();

    // a viewer reads the deliveries but is offered no resend
    const read = await pageAs(viewer);
    await read.goto(`${stack.panel.url}/admin/orders/${o.orderId}/show`);
    await deliveryRow(read, 'sms').waitFor();
    expect(await read.getByTestId('command-resend_sms').count()).toBe(0);
    await read.context().close();
  });

  it('an order delivered by email only offers no "Resend SMS"', async () => {
    const plain = await kami.product(2, { name: 'Email-only card', priceCents: 1000, currency: 'CNY' });
    const o = await placeAndPay(plain.sku);
    const page = await pageAs(operator);
    await page.goto(`${stack.panel.url}/admin/orders/${o.orderId}/show`);
    await deliveryRow(page, 'email').waitFor();
    // the email's resend is there, so the buttons have rendered; the SMS's is not
    await page.getByTestId('command-resend').waitFor();
    expect(await page.getByTestId('command-resend_sms').count()).toBe(0);
    expect(await deliveryRow(page, 'sms').count()).toBe(0);
    await page.context().close();
  });
});
