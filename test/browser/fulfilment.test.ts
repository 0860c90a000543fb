import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceField } from '../../domain/device-binding.js';
import { orderWorkflowId } from '../../domain/ids.js';
import { createOperator } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { startMerchant, type FakeMerchant } from '../fakes/merchant.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * Merchant fulfilment in the panel: an owner sets a manual product's fulfilment endpoint on its form,
 * the signing secret is shown once (and is the one Kami signs with: the merchant verifies an order's
 * call with what the dialog showed), never again; the order page shows the merchant's answer.
 * Screenshots in test-results/screenshots/fulfilment-*.png.
 */
const stack = panelStack(() => ({ env: { KAMI_PAYMENT_HOLD: '10m' } }));
let kami: Kami;
let owner: Awaited<ReturnType<typeof createOperator>>;
let merchant: FakeMerchant;
beforeAll(async () => {
  kami = stack.kami;
  owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
  merchant = await startMerchant();
});
afterAll(() => merchant?.close());

describe('operator panel: merchant fulfilment', () => {
  it('an owner sets the endpoint, copies the secret shown once, and the order page shows the merchant\'s answer', async () => {
    const product = await kami.product(0, { name: `Top-up ${randomInt(1e4)}` });
    await kami.db.product.update({ where: { id: product.id }, data: { deliveryMode: 'manual' } });
    const page = await signedInPage(stack, owner);
    await page.goto(`${stack.panel.url}/admin/products/${product.id}`);
    const url = page.getByTestId('fulfilment-url');
    await url.waitFor();
    await url.fill(merchant.url);
    await page.getByTestId('fulfilment-save').click();
    const secret = page.getByTestId('channel-secret');
    await secret.waitFor();
    const shown = { keyId: (await page.getByTestId('channel-key-id').textContent())!.trim(), secret: (await secret.textContent())!.trim() };
    expect(shown.secret).toMatch(/^ps_/);
    expect(await page.getByTestId('channel-secret-dialog').textContent()).toContain("The endpoint's signing secret");
    await screenshot(page, 'fulfilment-secret');
    await page.getByTestId('channel-secret-done').click();
    const current = page.getByTestId('fulfilment-current');
    await current.waitFor();
    expect(await current.textContent()).toContain(merchant.url);
    await page.reload();
    await page.getByTestId('fulfilment-current').waitFor();
    expect(await page.textContent('body')).not.toContain(shown.secret);
    await page.context().close();

    // the merchant keeps what the dialog showed: Kami's call verifies under it
    merchant.useSecret(shown);
    const created = await kami.checkout({ sku: product.sku, quantity: 1, email: `mf-${randomInt(1e9)}@example.com` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await kami.pay(created.body.orderId, created.body.accessToken);
    expect((await kami.temporal.workflow.getHandle(orderWorkflowId(created.body.orderId)).result()).status).toBe('delivered');
    expect(merchant.calls.find((c) => c.orderId === created.body.orderId)?.signatureValid).toBe(true);

    const order = await signedInPage(stack, owner);
    await order.goto(`${stack.panel.url}/admin/orders/${created.body.orderId}/show`);
    const answer = order.getByTestId('order-fulfilment');
    await answer.waitFor();
    const text = await answer.textContent();
    expect(text).toContain('Fulfilled');
    expect(text).toContain(`M-${created.body.orderId}`);
    await screenshot(order, 'fulfilment-order');
    await order.context().close();
  });

  it('a second order for a bound device shows the device and the order whose code it got', async () => {
    const product = await kami.product(2, { name: `Licence ${randomInt(1e4)}` });
    await kami.db.product.update({ where: { id: product.id }, data: { deviceBound: true, buyerFields: [deviceField()] } });
    const deviceId = `SN-${randomInt(1e9)}`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await kami.checkout({ sku: product.sku, quantity: 1, email: `dv-${randomInt(1e9)}@example.com`, buyerInput: { device_id: deviceId } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await kami.pay(created.body.orderId, created.body.accessToken);
      expect((await kami.temporal.workflow.getHandle(orderWorkflowId(created.body.orderId)).result()).status).toBe('delivered');
      ids.push(created.body.orderId);
    }
    const page = await signedInPage(stack, owner);
    await page.goto(`${stack.panel.url}/admin/orders/${ids[1]}/show`);
    const device = page.getByTestId('order-device');
    await device.waitFor();
    expect(await device.textContent()).toBe(`${deviceId}same code as order ${ids[0]}`);
    await screenshot(page, 'fulfilment-device');
    await page.context().close();
  });
});
