import { randomInt, randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { importKeys } from '../../infra/key-import.js';
import { createOperator } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

/**
 * Product types in the panel: an owner declares a buyer field and the pair format on the product
 * form (a bad pattern is refused on its field, nothing saved); once the product has keys its format
 * cannot be chosen any more; the order page shows what the buyer filled in. Screenshots in
 * test-results/screenshots/product-types-*.png.
 */
const stack = panelStack(() => ({ env: { KAMI_PAYMENT_HOLD: '10m' } }));
let kami: Kami;
let owner: Awaited<ReturnType<typeof createOperator>>;
beforeAll(async () => {
  kami = stack.kami;
  owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
});

const fieldError = (page: Page, name: string) => page.locator(`.MuiFormControl-root:has([name="${name}"]) .MuiFormHelperText-root.Mui-error`);

describe('operator panel: product types', () => {
  it('an owner sets the pair format and a buyer field; a bad pattern is refused on its field; the format locks once keys exist', async () => {
    const product = await kami.product(0, { name: `Game top-up ${randomInt(1e4)}` });
    const page = await signedInPage(stack, owner);
    await page.goto(`${stack.panel.url}/admin/products/${product.id}`);
    const format = page.getByRole('combobox', { name: 'Key format' });
    await format.waitFor();
    await format.click();
    await page.getByRole('option', { name: 'Card number + password' }).click();
    await page.locator('.button-add').first().click();
    await page.locator('input[name="buyerFields.0.name"]').fill('account');
    await page.locator('input[name="buyerFields.0.label"]').fill('Game account');
    await page.locator('input[name="buyerFields.0.pattern"]').fill('([a-z');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = fieldError(page, 'buyerFields.0.pattern');
    await error.waitFor();
    expect(await error.textContent()).toContain('not a valid regular expression');
    expect(await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ keyFormat: 'plain', buyerFields: [] });

    await page.locator('input[name="buyerFields.0.pattern"]').fill('[a-z0-9_]{4,16}');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).keyFormat).toBe('pair');
    expect((await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).buyerFields).toEqual([
      { name: 'account', label: 'Game account', type: 'text', required: true, pattern: '[a-z0-9_]{4,16}', maxLength: 100, options: null },
    ]);
    await page.context().close();

    // keys arrive: the format is fixed
    await importKeys(kami.db, kami.vault, product.id, [`NO-${randomUUID()}\tPW-1`], 'test', undefined, { format: 'pair' });
    const again = await signedInPage(stack, owner);
    await again.goto(`${stack.panel.url}/admin/products/${product.id}`);
    const locked = again.getByRole('combobox', { name: 'Key format' });
    await locked.waitFor();
    await expect.poll(() => locked.getAttribute('aria-disabled')).toBe('true');
    expect(await again.textContent('body')).toContain('Fixed: this product has keys');
    expect(await again.locator('input[name="keyUses"]').isDisabled()).toBe(true);
    await screenshot(again, 'product-types-form');
    await again.context().close();
  });

  it('the order page shows the buyer\'s input with the product\'s labels', async () => {
    const product = await kami.product(2, { name: `Account top-up ${randomInt(1e4)}` });
    await kami.db.product.update({ where: { id: product.id }, data: { buyerFields: [
      { name: 'account', label: 'Game account', type: 'text', required: true, maxLength: 20 },
      { name: 'server', label: 'Server', type: 'select', required: true, options: ['asia', 'europe'], maxLength: 100 },
    ] } });
    const created = await kami.checkout({ sku: product.sku, quantity: 1, email: `pt-${randomInt(1e9)}@example.com`, buyerInput: { account: 'player_one', server: 'asia' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await kami.pay(created.body.orderId, created.body.accessToken);
    expect((await kami.temporal.workflow.getHandle(orderWorkflowId(created.body.orderId)).result()).status).toBe('delivered');

    const page = await signedInPage(stack, owner);
    await page.goto(`${stack.panel.url}/admin/orders/${created.body.orderId}/show`);
    const input = page.getByTestId('buyer-input');
    await input.waitFor();
    expect(await input.textContent()).toBe('Game accountplayer_oneServerasia');
    await screenshot(page, 'product-types-order');
    await page.context().close();
  });
});
