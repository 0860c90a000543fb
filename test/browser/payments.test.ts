import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GATEWAYS } from '../../infra/payments/definitions.js';
import { startFakeEpay, type FakeEpay } from '../fakes/epay.js';
import { createOperator } from '../helpers/admin.js';
import { notify, paymentFor } from '../helpers/http.js';
import type { Kami } from '../helpers/kami.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * The money trail in the panel: an owner configures a gateway (validation per field, secrets write-only),
 * an order's payment section (attempts, payments, every notification as received, refunds), "Confirm
 * paid" (ask the gateway, then by reference), refunds a person pays back, and payments that named no
 * order. Screenshots in test-results/screenshots/payments-*.png, in English and Chinese.
 */
const stack = panelStack();
let kami: Kami;
let panel: typeof stack.panel;
let owner: Awaited<ReturnType<typeof createOperator>>;
let operator: Awaited<ReturnType<typeof createOperator>>;
const fakes: { epay?: FakeEpay } = {};
/** Placed first, so its 30 s payment hold (test/helpers/kami.ts) has run out when "Confirm paid" needs it expired. */
let expiring: { orderId: string; productId: string };

const epay = GATEWAYS.find((g) => g.name === 'epay');

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const email = (who: string) => `${who}-${randomUUID().slice(0, 8)}@example.com`;

async function checkout(product: { sku: string }, opts: { quantity?: number; provider?: string } = {}) {
  const res = await kami.checkout({ sku: product.sku, quantity: opts.quantity ?? 1, email: email('buyer'), provider: opts.provider ?? 'sandbox' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { orderId: string; accessToken: string; amountDueCents: number; currency: string; payment?: { url?: string } };
}

beforeAll(async () => {
  ({ kami, panel } = stack);
  owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
  operator = await createOperator(kami.db, { role: 'operator', name: 'Lin Operator' });
  const product = await kami.product(3, { name: 'Late payer card', priceCents: 4500, currency: 'CNY' });
  expiring = { orderId: (await checkout(product)).orderId, productId: product.id };
  if (epay) fakes.epay = await startFakeEpay();
  return async () => {
    await fakes.epay?.close();
    // the database is the whole run's: leave no gateway switched on under this Kami's master key
    await kami.db.paymentProviderConfig.deleteMany({ where: { provider: 'epay' } });
  };
});

const pageAs = (who: { email: string; password: string }, locale = 'en-US') => signedInPage(stack, who, locale);
const orderPage = (orderId: string) => `${panel.url}/admin/orders/${orderId}/show`;
/** The helper text under a form input, where react-admin shows the server's message for that field. */
const fieldError = (page: Page, name: string) => page.locator(`.MuiFormControl-root:has([name="${name}"]) .MuiFormHelperText-root.Mui-error`);
const notification = (page: Page) => page.locator('.MuiSnackbarContent-message');
/** Before a full-page screenshot: let an unfolding row finish, and scroll back up so the app bar shows where it belongs. */
async function settle(page: Page) {
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
}

describe('operator panel: payments', () => {
  it.runIf(GATEWAYS.length === 0)('shows an empty gateways screen while no gateway module is registered', async () => {
    const page = await pageAs(owner);
    await page.goto(`${panel.url}/admin/payment-providers`);
    await page.getByTestId('empty-state').waitFor();
    await screenshot(page, 'payments-gateways-empty');
    await page.context().close();
  });

  it.runIf(epay)('an owner configures Epay: each problem on its field, the key write-only, then it takes an order Kami asks it about', async () => {
    const fake = fakes.epay!;
    const page = await pageAs(owner);
    await page.goto(`${panel.url}/admin/payment-providers`);
    const row = page.locator('tbody tr', { hasText: 'epay' });
    await row.locator('[data-enabled="false"]').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(GATEWAYS.length);
    await screenshot(page, 'payments-gateways');

    await row.click();
    const url = page.locator('input[name="settings.url"]');
    await url.waitFor();
    // nothing stored yet; the key is a password field that starts empty
    expect(await page.locator('input[name="newSecrets.key"]').getAttribute('type')).toBe('password');
    expect(await page.getByTestId('secret-state-key').getAttribute('data-set')).toBe('false');

    // switched on with a bad URL and no merchant id or key: the server names each problem, on its field
    await url.fill('pay.example.com');
    await page.locator('input[name="enabled"]').check();
    await page.getByTestId('gateway-save').click();
    await fieldError(page, 'settings.url').waitFor();
    await fieldError(page, 'settings.pid').waitFor();
    await fieldError(page, 'newSecrets.key').waitFor();
    // what was left empty is said plainly; what was typed wrong, in the gateway module's own words
    expect(await fieldError(page, 'settings.pid').textContent()).toBe('Required to turn the gateway on');
    expect(await fieldError(page, 'settings.url').textContent()).not.toBe('Required to turn the gateway on');
    await screenshot(page, 'payments-gateway-invalid');
    expect((await kami.db.paymentProviderConfig.findUnique({ where: { provider: 'epay' } }))).toBeNull();

    await url.fill(fake.baseUrl);
    await page.locator('input[name="settings.pid"]').fill(fake.pid);
    await page.locator('input[name="newSecrets.key"]').fill(fake.key);
    await page.locator('input[name="displayName"]').fill('支付宝 / 微信 (Epay)');
    await page.getByTestId('gateway-save').click();
    await notification(page).filter({ hasText: 'Gateway saved' }).waitFor();
    // the key is stored, never shown back: its field is empty again and says it is set, by its last four characters
    const state = page.getByTestId('secret-state-key');
    await expect.poll(() => state.getAttribute('data-set')).toBe('true');
    expect(await state.textContent()).toContain(`…${fake.key.slice(-4)}`);
    expect(await page.locator('input[name="newSecrets.key"]').inputValue()).toBe('');
    expect(await page.content()).not.toContain(fake.key);
    await screenshot(page, 'payments-gateway-saved');
    const stored = await kami.db.paymentProviderConfig.findUniqueOrThrow({ where: { provider: 'epay' } });
    expect(stored).toMatchObject({ enabled: true, displayName: '支付宝 / 微信 (Epay)', settings: { url: fake.baseUrl, pid: fake.pid } });
    expect(JSON.stringify(stored.settings)).not.toContain(fake.key);

    // a buyer pays with it, but the callback is lost: "Confirm paid" asks Epay, which says not yet, then paid
    const product = await kami.product(2, { name: 'Epay top-up', priceCents: 1234, currency: 'CNY' });
    const order = await checkout(product, { provider: 'epay' });
    expect(order.payment?.url).toContain(fake.baseUrl);
    await fake.openPayUrl(order.payment!.url!);
    const staff = await pageAs(operator);
    await staff.goto(orderPage(order.orderId));
    await staff.getByTestId('payment-attempts').locator('[data-provider="epay"]').waitFor();
    expect(await staff.getByTestId('attempt-amount').textContent()).toContain('¥12.34');
    await staff.getByTestId('command-confirm_payment').click();
    const dialog = staff.getByTestId('command-confirm_payment-dialog');
    await dialog.getByTestId('confirm-payment-ask').click();
    const asked = dialog.getByTestId('confirm-payment-asked');
    await asked.waitFor();
    expect(await asked.textContent()).toContain('epay: pending');
    // the pay link shows where it leads; the signed query string stays in the link itself
    expect(await staff.getByTestId('attempt-link').textContent()).toBe(`${new URL(fake.baseUrl).host}/submit.php?…`);
    await screenshot(staff, 'payments-confirm-asked-epay');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await fake.pay(order.orderId, { notify: false });
    await staff.getByTestId('command-confirm_payment').click();
    await dialog.getByTestId('confirm-payment-ask').click();
    // the order's own poll may find it at the end of its hold first: then it is simply paid already
    const done = notification(staff).filter({ hasText: 'The gateway reports it paid' });
    const paidFirst = dialog.locator('[data-error-code="already_paid"]');
    await done.or(paidFirst).waitFor();
    // (or, on a slow machine, its hold ran out before the buyer paid: the payment then came late and waits for a person)
    await expect.poll(() => statusOf(order.orderId), { timeout: 30_000 }).toMatch(/^(delivered|in_review)$/);
    await staff.goto(orderPage(order.orderId));
    await staff.locator('[data-verified-by="query"]').waitFor();
    await staff.locator('[data-outcome="paid"]').first().waitFor();
    await screenshot(staff, 'payments-order-paid-by-query');
    await staff.context().close();

    // the same screens in Chinese
    const zh = await pageAs(owner, 'zh-CN');
    await zh.goto(`${panel.url}/admin/payment-providers/epay`);
    await zh.locator('input[name="settings.url"]').waitFor();
    await zh.getByText('商户密钥').first().waitFor();
    await screenshot(zh, 'payments-gateway-zh-CN');
    await zh.context().close();
    await page.context().close();
  });

  it('shows an order\'s money trail: the attempt, a refused and a verified notification exactly as received, the payment', async () => {
    const product = await kami.product(2, { name: 'Steam ¥100', priceCents: 10000, currency: 'CNY' });
    const order = await checkout(product);
    // a forgery (wrong secret), its body carrying markup that must show as text
    const forged = { ...paymentFor(order, `forged-${order.orderId}`), note: '<img src=x onerror="window.pwned=1"><b>paid!</b>' };
    expect((await notify(kami, forged, { secret: 'f'.repeat(64) })).status).toBe(401);
    expect((await notify(kami, paymentFor(order))).status).toBe(200);
    await expect.poll(() => statusOf(order.orderId), { timeout: 30_000 }).toBe('delivered');

    const page = await pageAs(operator);
    await page.goto(orderPage(order.orderId));
    const rows = page.getByTestId('payment-notifications').locator('tr[data-notification]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const refused = page.locator('tr[data-outcome="refused:invalid_signature"]');
    const verified = page.locator('tr[data-outcome="paid"]');
    expect(await refused.locator('[data-refusal="invalid_signature"]').count()).toBe(1);
    expect(await verified.locator('[data-verified="true"]').count()).toBe(1);
    expect(await page.locator('[data-verified-by="signature"]').count()).toBe(1);
    expect(await page.getByTestId('payment-attempts').textContent()).toContain('¥100.00');

    // the raw request, exactly as received: markup shown as typed, never rendered
    await refused.getByTestId('toggle-raw').click();
    const raw = page.getByTestId('raw-notification');
    await raw.waitFor();
    expect(await raw.getByTestId('raw-body').textContent()).toBe(JSON.stringify(forged));
    expect(await raw.getByTestId('raw-headers').textContent()).toContain('kami-signature: t=');
    expect(await raw.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await settle(page);
    await screenshot(page, 'payments-order-trail');
    await page.context().close();

    const zh = await pageAs(operator, 'zh-CN');
    await zh.goto(orderPage(order.orderId));
    await zh.locator('tr[data-outcome="refused:invalid_signature"]').getByTestId('toggle-raw').click();
    await zh.getByTestId('raw-notification').waitFor();
    await zh.getByText('签名无效').first().waitFor();
    await settle(zh);
    await screenshot(zh, 'payments-order-trail-zh-CN');
    await zh.context().close();
  });

  it('"Confirm paid" by reference on an expired order: no gateway can say, the operator confirms, the late payment is approved in the inbox', async () => {
    await expect.poll(() => statusOf(expiring.orderId), { timeout: 60_000 }).toBe('expired');
    const page = await pageAs(operator);
    await page.goto(orderPage(expiring.orderId));
    await page.getByTestId('command-confirm_payment').click();
    const dialog = page.getByTestId('command-confirm_payment-dialog');
    await dialog.getByTestId('confirm-payment-ask').waitFor();
    await screenshot(page, 'payments-confirm-ask');
    await dialog.getByTestId('confirm-payment-ask').click();
    // the sandbox cannot be asked: the dialog says so and asks for the reference
    const asked = dialog.getByTestId('confirm-payment-asked');
    await asked.waitFor();
    expect(await asked.textContent()).toContain('None of its gateways can be asked');
    const confirm = dialog.getByTestId('confirm-payment-confirm');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-payment-reference').fill('ICBC-20261129-0042');
    await dialog.getByTestId('confirm-payment-note').fill('on the bank statement, 45.00 from the buyer');
    await screenshot(page, 'payments-confirm-by-reference');
    await confirm.click();
    await dialog.waitFor({ state: 'hidden' });
    await notification(page).filter({ hasText: 'Payment recorded on your confirmation' }).waitFor();
    await expect.poll(() => statusOf(expiring.orderId), { timeout: 30_000 }).toBe('in_review');

    // the late payment waits in the inbox; approving it delivers the keys
    await page.goto(`${panel.url}/admin/reviews?filter=${encodeURIComponent(JSON.stringify({ productId: expiring.productId }))}`);
    const row = page.locator('tr', { hasText: expiring.orderId });
    await row.locator('[data-reason="payment_late"]').waitFor();
    await row.getByTestId('approve').click();
    await page.getByTestId('decision-dialog').getByTestId('decision-confirm').click();
    await expect.poll(() => statusOf(expiring.orderId), { timeout: 30_000 }).toBe('delivered');

    await page.goto(orderPage(expiring.orderId));
    const payment = page.locator('[data-verified-by="operator"]');
    await payment.waitFor();
    expect(await payment.textContent()).toContain(`Confirmed by ${operator.email}`);
    expect(await payment.textContent()).toContain('manual:ICBC-20261129-0042');
    expect(await page.getByTestId('command-confirm_payment').count()).toBe(0);
    await screenshot(page, 'payments-order-confirmed-by-hand');
    await page.context().close();
  });

  it('a rejected order\'s refund waits for a person, who marks it refunded with a reference', async () => {
    const product = await kami.product(25, { name: 'Netflix 1 month', priceCents: 6800, currency: 'CNY' });
    const order = await checkout(product, { quantity: 21 });
    await kami.pay(order.orderId, order.accessToken);
    await expect.poll(() => statusOf(order.orderId), { timeout: 30_000 }).toBe('in_review');

    const page = await pageAs(operator);
    await page.goto(`${panel.url}/admin/reviews?filter=${encodeURIComponent(JSON.stringify({ productId: product.id }))}`);
    const row = page.locator('tr', { hasText: order.orderId });
    await row.getByTestId('reject').click();
    const decision = page.getByTestId('decision-dialog');
    await decision.locator('textarea[name="note"]').fill('card testing pattern');
    await decision.getByTestId('decision-confirm').click();
    // the sandbox has no refund API: the refund becomes a task for a person
    await expect.poll(async () => (await kami.db.refund.findFirst({ where: { orderId: order.orderId } }))?.status, { timeout: 30_000 }).toBe('manual');

    await page.reload();
    const task = page.getByTestId('payment-task-refunds');
    await task.waitFor();
    await screenshot(page, 'payments-inbox-refund-task');
    await page.goto(`${panel.url}/admin/dashboard`);
    await page.getByTestId('payment-task-refunds').waitFor();
    await page.getByTestId('orders-chart').waitFor();
    await screenshot(page, 'payments-dashboard-refund-task');
    await page.getByTestId('payment-task-refunds').getByRole('link').click();
    await page.waitForURL(/\/admin\/refunds/);

    const refundRow = page.locator('tbody tr', { hasText: order.orderId });
    await refundRow.waitFor();
    expect(await refundRow.textContent()).toContain('¥1,428.00');
    await screenshot(page, 'payments-refunds-todo');
    const refund = await kami.db.refund.findFirstOrThrow({ where: { orderId: order.orderId } });
    await refundRow.getByTestId(`close-refund-${refund.id}`).click();
    const dialog = page.getByTestId('close-refund-dialog');
    await dialog.getByTestId('close-refund-reference').fill('ALIPAY-TRANSFER-88812');
    await screenshot(page, 'payments-refund-close');
    await dialog.getByTestId('close-refund-confirm').click();
    await notification(page).filter({ hasText: 'Refund closed' }).waitFor();
    await refundRow.waitFor({ state: 'detached' });
    expect(await kami.db.refund.findUniqueOrThrow({ where: { id: refund.id } })).toMatchObject({
      status: 'done', reference: 'ALIPAY-TRANSFER-88812', closedBy: operator.email,
    });

    // the order's own page tells the same story
    await page.goto(orderPage(order.orderId));
    await page.locator(`[data-refund="${refund.id}"] [data-refund-status="done"]`).waitFor();
    expect(await page.getByTestId('payment-refunds').textContent()).toContain('ALIPAY-TRANSFER-88812');
    await page.context().close();

    const zh = await pageAs(operator, 'zh-CN');
    await zh.goto(`${panel.url}/admin/refunds`);
    await zh.getByTestId('refund-tab-closed').click();
    await zh.locator('tbody tr', { hasText: order.orderId }).waitFor();
    await screenshot(zh, 'payments-refunds-zh-CN');
    await zh.context().close();
  });

  it('lists a verified payment that named no order, with its raw body, for a person to match', async () => {
    const stray = paymentFor({ orderId: `ord_${randomUUID().replace(/-/g, '').slice(0, 12)}`, amountDueCents: 4500, currency: 'CNY' }, `stray-${randomUUID()}`);
    expect((await notify(kami, { ...stray, account: 'buyer@alipay.example' })).status).toBe(200);

    const page = await pageAs(operator);
    await page.goto(`${panel.url}/admin/reviews`);
    await page.getByTestId('payment-task-unmatched').getByRole('link').click();
    await page.waitForURL(/\/admin\/payment-notifications/);
    const row = page.locator('tbody tr', { hasText: stray.txnId });
    await row.waitFor();
    await row.click();
    const raw = page.getByTestId('raw-body');
    await raw.waitFor();
    expect(JSON.parse((await raw.textContent())!)).toMatchObject({ txnId: stray.txnId, account: 'buyer@alipay.example' });
    await settle(page);
    await screenshot(page, 'payments-unmatched');
    await page.context().close();

    const zh = await pageAs(operator, 'zh-CN');
    await zh.goto(`${panel.url}/admin/payment-notifications`);
    await zh.locator('tbody tr', { hasText: stray.txnId }).click();
    await zh.getByTestId('raw-body').waitFor();
    await settle(zh);
    await screenshot(zh, 'payments-unmatched-zh-CN');
    await zh.context().close();
  });
});
