import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, createOperator, login } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

const stack = panelStack();
let kami: Kami;
let panel: typeof stack.panel;
let operator: Awaited<ReturnType<typeof createOperator>>;
let viewer: Awaited<ReturnType<typeof createOperator>>;

beforeAll(async () => {
  ({ kami, panel } = stack);
  operator = await createOperator(kami.db, { role: 'operator', name: 'Lin Operator' });
  viewer = await createOperator(kami.db, { role: 'viewer', name: 'Vic Viewer' });
});

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;

/** A paid order above the bulk threshold (quantity > 20 by default): the rules send it to review. */
async function flaggedOrder(product: { sku: string }, quantity = 21) {
  const email = `buyer-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const { status, body } = await kami.checkout({ sku: product.sku, quantity, email });
  expect(status, JSON.stringify(body)).toBe(201);
  await kami.pay(body.orderId, body.accessToken);
  await expect.poll(() => statusOf(body.orderId), { timeout: 30_000 }).toBe('in_review');
  return body as { orderId: string; accessToken: string };
}

const inboxFor = (productId: string) => `${panel.url}/admin/reviews?filter=${encodeURIComponent(JSON.stringify({ productId }))}`;

const pageAs = (who: { email: string; password: string }, locale = 'en-US') => signedInPage(stack, who, locale);

describe('operator panel: the inbox', () => {
  it('shows a flagged order with its reasons; approving it delivers the keys to the buyer', async () => {
    const product = await kami.product(25, { name: 'Steam Wallet ¥100' });
    const order = await flaggedOrder(product);
    const page = await pageAs(operator);
    await page.goto(inboxFor(product.id));
    const row = page.locator('tr', { hasText: order.orderId });
    await row.locator('[data-reason="bulk_quantity"]').waitFor();
    await screenshot(page, 'inbox');

    // a click unfolds what the rules saw, without leaving the list
    await row.click();
    const panelBox = page.getByTestId('review-panel');
    await panelBox.waitFor();
    await page.waitForTimeout(400); // the row's unfold animation
    expect(await panelBox.getByTestId('review-stock').textContent()).toContain('4');
    expect(await panelBox.getByTestId('review-facts').textContent()).toContain('21');
    await screenshot(page, 'inbox-expanded');

    await row.getByTestId('approve').click();
    const dialog = page.getByTestId('decision-dialog');
    await dialog.locator('textarea[name="note"]').fill('known reseller');
    await dialog.getByTestId('decision-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('tr', { hasText: order.orderId }).waitFor({ state: 'detached' });
    await expect.poll(() => statusOf(order.orderId), { timeout: 30_000 }).toBe('delivered');

    // the buyer's own order page now lists the keys
    const buyer = await stack.browser.newPage();
    await buyer.goto(`${panel.url}/orders/${order.orderId}?token=${order.accessToken}`);
    expect(await buyer.locator('ol.keys li').count()).toBe(21);
    await buyer.close();

    // the order page tells the story, decision included, and links to Temporal
    await page.goto(`${panel.url}/admin/orders/${order.orderId}/show`);
    await page.getByTestId('order-timeline').waitFor();
    expect(await page.getByTestId('order-timeline').textContent()).toContain(operator.email);
    expect(decodeURIComponent(await page.getByTestId('temporal-link').getAttribute('href') ?? '')).toContain(`/workflows/order:${order.orderId}`);
    expect(await page.getByTestId('order-keys').locator('[data-key-id]').count()).toBe(21);
    await screenshot(page, 'order-show');
    await page.context().close();
  });

  it('rejects three orders in one bulk decision and reports each outcome', async () => {
    const product = await kami.product(70, { name: 'Netflix 1 month' });
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await flaggedOrder(product));
    const page = await pageAs(operator);
    await page.goto(inboxFor(product.id));
    // expandable rows come with a hidden detail row each: count the rows that can be selected
    const rows = page.locator('tbody tr:has(input[type="checkbox"])');
    await rows.nth(2).waitFor();
    expect(await rows.count()).toBe(3);
    await page.locator('thead input[type="checkbox"]').check();
    await page.getByTestId('bulk-reject').click();
    const dialog = page.getByTestId('bulk-decision-dialog');
    await dialog.locator('textarea[name="note"]').fill('card testing pattern');
    await screenshot(page, 'inbox-bulk-reject');
    await dialog.getByTestId('bulk-confirm').click();
    await dialog.getByTestId('bulk-results').waitFor();
    expect(await dialog.locator('[data-ok="true"]').count()).toBe(3);
    await dialog.getByTestId('bulk-close').click();
    for (const o of orders) await expect.poll(() => statusOf(o.orderId), { timeout: 30_000 }).toBe('rejected');
    await page.locator('tbody tr', { hasText: orders[0]!.orderId }).waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('shows why the server refused a decision and leaves the row as it was', async () => {
    const product = await kami.product(25);
    const order = await flaggedOrder(product);
    const page = await pageAs(operator);
    await page.goto(inboxFor(product.id));
    const row = page.locator('tr', { hasText: order.orderId });
    await row.getByTestId('approve').waitFor();

    // someone else decides first, behind this operator's back
    const other = await login(kami.baseUrl, operator.email, operator.password);
    expect((await adminCall(kami, other, 'POST', `/orders/${order.orderId}/reject`, { body: {} })).status).toBe(200);

    await row.getByTestId('approve').click();
    const dialog = page.getByTestId('decision-dialog');
    await dialog.getByTestId('decision-confirm').click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(['not_awaiting_review', 'stale_decision']).toContain(await alert.getAttribute('data-error-code'));
    await screenshot(page, 'inbox-refused');
    expect(await row.count()).toBe(1);
    await page.context().close();
  });

  it('delivers a manual-delivery order from the inbox once the operator enters the goods', async () => {
    const product = await kami.product(0, { name: 'Hand-made avatar' });
    await kami.db.product.update({ where: { id: product.id }, data: { deliveryMode: 'manual' } });
    const { status, body } = await kami.checkout({ sku: product.sku, quantity: 2, email: `fan-${Date.now()}@example.com` });
    expect(status, JSON.stringify(body)).toBe(201);
    await kami.pay(body.orderId, body.accessToken);
    await expect.poll(() => statusOf(body.orderId), { timeout: 30_000 }).toBe('backorder');

    const page = await pageAs(operator);
    await page.goto(inboxFor(product.id));
    const row = page.locator('tr', { hasText: body.orderId });
    await row.locator('[data-reason="manual_delivery"]').waitFor();
    await row.getByTestId('command-mark_delivered').click();
    const dialog = page.getByTestId('command-mark_delivered-dialog');
    await dialog.getByTestId('command-mark_delivered-text').fill('https://example.com/avatar/1\nhttps://example.com/avatar/2');
    await screenshot(page, 'inbox-manual-delivery');
    await dialog.getByTestId('command-mark_delivered-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => statusOf(body.orderId), { timeout: 30_000 }).toBe('delivered');
    expect((await kami.order(body.orderId, body.accessToken)).body.keys).toEqual(['https://example.com/avatar/1', 'https://example.com/avatar/2']);
    await page.context().close();
  });

  it('a viewer sees the inbox but cannot decide: no buttons, and the API answers 403', async () => {
    const product = await kami.product(25);
    const order = await flaggedOrder(product);
    const page = await pageAs(viewer);
    await page.goto(inboxFor(product.id));
    const row = page.locator('tr', { hasText: order.orderId });
    await row.waitFor();
    expect(await row.getByTestId('approve').count()).toBe(0);
    expect(await row.getByTestId('reject').count()).toBe(0);
    expect(await page.locator('tbody input[type="checkbox"]').count()).toBe(0);

    const answer = await page.evaluate(async (id) => {
      const me = await (await fetch('/admin/api/auth/me')).json() as { csrfToken: string };
      const res = await fetch(`/admin/api/orders/${id}/approve`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: '{}',
      });
      return { status: res.status, body: await res.json() as { error: { code: string } } };
    }, order.orderId);
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await statusOf(order.orderId)).toBe('in_review');
    await page.context().close();
  });

  it('switches to Chinese, and every main screen renders', async () => {
    const page = await pageAs(operator);
    await page.goto(`${panel.url}/admin/dashboard`);
    await page.getByTestId('orders-chart').waitFor();
    await page.getByTestId('card-inbox').waitFor();
    await screenshot(page, 'dashboard');
    await page.getByTestId('card-inbox').click();
    await page.waitForURL(/\/admin\/reviews/);

    await page.goto(`${panel.url}/admin/orders`);
    await page.getByTestId('tab-in_review').waitFor();
    await page.locator('tbody tr').first().waitFor();
    await screenshot(page, 'orders-list');

    await page.goto(`${panel.url}/admin/reviews`);
    await page.getByRole('button', { name: /language|english/i }).first().click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('待处理').first().waitFor();
    await page.locator('tbody tr:has(input[type="checkbox"])').first().waitFor();
    await screenshot(page, 'inbox-zh-CN');
    await page.context().close();
  });
});
