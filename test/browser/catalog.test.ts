import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../helpers/admin.js';
import type { Kami } from '../helpers/kami.js';
import { panelStack, screenshot, signedInPage } from './helpers/panel.js';

const stack = panelStack();
let kami: Kami;
let panel: typeof stack.panel;
let owner: Awaited<ReturnType<typeof createOperator>>;

beforeAll(async () => {
  ({ kami, panel } = stack);
  owner = await createOperator(kami.db, { role: 'owner', name: 'Olga Owner' });
});

const ownerPage = () => signedInPage(stack, owner);

describe('operator panel: products and keys', () => {
  it('imports a key file, naming duplicates and invalid lines by line number before committing', async () => {
    const product = await kami.product(3, { name: 'Xbox Game Pass 1 month' });
    const fresh = Array.from({ length: 6 }, (_, i) => `XGP-${Date.now()}-${i}`);
    const lines = [
      fresh[0], fresh[1], '', fresh[2],
      fresh[1], // line 5 repeats line 2
      product.secrets[0], // line 6 is already in stock
      'x'.repeat(501), // line 7 is too long to be a key
      fresh[3], fresh[4], fresh[5],
    ];
    const page = await ownerPage();
    await page.goto(`${panel.url}/admin/keys/import?productId=${product.id}`);
    await page.getByTestId('import-label').fill('Supplier A · November');
    await page.getByTestId('key-file').setInputFiles({ name: 'keys.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
    await page.getByTestId('import-check').click();
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    expect(await preview.getByTestId('stat-total').textContent()).toBe('9');
    expect(await preview.getByTestId('stat-valid').textContent()).toBe('6');
    const issue = (line: number) => preview.locator(`[data-line="${line}"]`).getAttribute('data-kind');
    expect(await issue(5)).toBe('duplicate_in_file');
    expect(await issue(6)).toBe('duplicate_in_stock');
    expect(await issue(7)).toBe('invalid');
    await screenshot(page, 'keys-import-preview');

    await page.getByTestId('import-run').click();
    await page.getByTestId('import-done').waitFor();
    await screenshot(page, 'keys-import-done');
    const batch = await kami.db.keyBatch.findFirstOrThrow({ where: { productId: product.id, label: 'Supplier A · November' } });
    expect(await kami.db.cardKey.count({ where: { batchId: batch.id } })).toBe(6);
    expect(await kami.db.cardKey.count({ where: { productId: product.id } })).toBe(9);
    await page.context().close();
  });

  it('imports a large file in chunks into one batch, with a progress bar', async () => {
    const count = Number(process.env.KAMI_BROWSER_IMPORT_KEYS ?? 12_000);
    const product = await kami.product(0, { name: 'Bulk import target' });
    const text = Array.from({ length: count }, (_, i) => `BULK-${product.sku}-${i}-${(i * 7919) % 100_003}`).join('\n');
    const page = await ownerPage();
    await page.goto(`${panel.url}/admin/keys/import?productId=${product.id}`);
    await page.getByTestId('import-label').fill('Big file');
    await page.getByTestId('key-file').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    const started = Date.now();
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-preview').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('stat-valid').textContent()).toBe(count.toLocaleString('en-US'));
    await page.getByTestId('import-run').click();
    await page.getByTestId('import-progress').waitFor();
    await screenshot(page, 'keys-import-progress');
    // the page keeps painting while chunks go out: the progress text moves on between them
    const seen = new Set<string>();
    while (!(await page.getByTestId('import-done').isVisible())) {
      const progress = await page.getByTestId('import-progress').textContent().catch(() => null);
      if (progress) seen.add(progress);
      await page.waitForTimeout(100);
      if (Date.now() - started > 300_000) throw new Error('import did not finish in 5 minutes');
    }
    if (count > 2 * 5000) expect(seen.size).toBeGreaterThan(1);
    console.log(`[panel] checked and imported ${count} keys in ${Date.now() - started} ms`);
    const batches = await kami.db.keyBatch.findMany({ where: { productId: product.id } });
    expect(batches).toHaveLength(1);
    expect(await kami.db.cardKey.count({ where: { batchId: batches[0]!.id } })).toBe(count);
    await page.context().close();
  });

  it('edits a product: price in currency units, Markdown guide preview, live stock', async () => {
    const product = await kami.product(4, { name: 'Spotify Premium', priceCents: 1500 });
    const page = await ownerPage();
    // other files' products share the run's database: search, so this one is on the first page
    await page.goto(`${panel.url}/admin/products?filter=${encodeURIComponent(JSON.stringify({ q: product.sku }))}`);
    await page.locator('tr', { hasText: 'Spotify Premium' }).waitFor();
    await screenshot(page, 'products');

    await page.locator('tr', { hasText: 'Spotify Premium' }).click();
    const price = page.locator('input[name="priceCents"]');
    await price.waitFor();
    expect(await price.inputValue()).toBe('15');
    await price.fill('12.34');
    await page.locator('textarea[name="guide"]').fill('## Redeem\n1. Open **Spotify**\n2. Paste the code `<KEY>`\n\n'
      + '[Help](https://support.spotify.example/redeem) · [not this](javascript:alert(1)) · <b>raw</b>');
    const preview = page.getByTestId('guide-preview');
    await preview.locator('h2').waitFor();
    // the preview is what buyers get (domain/guide.ts): code as typed, only http(s)/mailto links, raw HTML as text
    expect(await preview.locator('code').textContent()).toBe('<KEY>');
    expect(await preview.locator('a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')])))
      .toEqual([['Help', 'https://support.spotify.example/redeem']]);
    expect(await preview.textContent()).toContain('not this · <b>raw</b>');
    expect(await preview.locator('b').count()).toBe(0);
    await screenshot(page, 'product-edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/products$/);
    const saved = await kami.db.product.findUniqueOrThrow({ where: { id: product.id } });
    expect(saved.priceCents).toBe(1234n);
    expect(saved.guide).toContain('**Spotify**');
    await page.context().close();
  });

  it('keeps what was typed when the session expires mid-form, and saves it after signing in again', async () => {
    const product = await kami.product(1, { name: 'Before expiry' });
    const page = await ownerPage();
    await page.goto(`${panel.url}/admin/products/${product.id}`);
    const name = page.locator('input[name="name"]');
    await name.waitFor();
    await name.fill('After expiry');
    await page.context().clearCookies(); // the server-side session is gone as far as this browser knows
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('session-expired').waitFor();
    await screenshot(page, 'login');
    await page.locator('input[name="email"]').fill(owner.email);
    await page.locator('input[name="password"]').fill(owner.password);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(new RegExp(`/admin/products/${product.id}$`));
    await expect.poll(() => name.inputValue(), { timeout: 10_000 }).toBe('After expiry');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/products$/);
    expect((await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).name).toBe('After expiry');
    await page.context().close();
  });

  it('owner screens: keys, batches, buyers, product rules, audit log and operators', async () => {
    const product = await kami.product(5, { name: 'Apple Gift Card $10' });
    const page = await ownerPage();

    await page.goto(`${panel.url}/admin/keys?filter=${encodeURIComponent(JSON.stringify({ productId: product.id }))}`);
    const keyRows = page.locator('tbody tr:has(input[type="checkbox"])');
    await keyRows.nth(4).waitFor();
    await screenshot(page, 'keys-list');

    // reveal (audited) shows the text of exactly the selected key: the newest, listed first
    await keyRows.first().locator('input[type="checkbox"]').check();
    await page.getByRole('button', { name: 'Reveal' }).click();
    const secrets = page.getByRole('dialog');
    await secrets.getByText(product.secrets[4]!).waitFor();
    expect(await kami.db.auditLog.count({ where: { action: { startsWith: 'keys.reveal' } } })).toBeGreaterThan(0);
    await secrets.getByRole('button', { name: 'Close' }).click();

    // void with a reason; the list shows it
    await keyRows.nth(1).locator('input[type="checkbox"]').check();
    await page.getByRole('button', { name: 'Void' }).click();
    await page.getByRole('dialog').locator('input').fill('leaked by supplier');
    await page.getByRole('dialog').getByRole('button', { name: 'Void' }).click();
    await page.locator('tbody tr', { hasText: 'leaked by supplier' }).nth(1).waitFor();
    expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'void', voidReason: 'leaked by supplier' } })).toBe(2);

    // export: the unsold, unvoided keys of the filtered product, one per line
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export' }).click();
    const file = await (await download).path();
    const exported = (await import('node:fs')).readFileSync(file, 'utf8').trim().split('\n');
    expect(exported.sort()).toEqual(product.secrets.slice(0, 3).sort());

    await page.goto(`${panel.url}/admin/batches`);
    await page.locator('tbody tr').first().waitFor();
    await screenshot(page, 'batches');

    // an owner sets this product's own purchase limit; everything left empty follows the global rules
    await page.goto(`${panel.url}/admin/rules/${product.id}`);
    const limit = page.locator('input[name="settings.purchaseLimit"]');
    await limit.waitFor();
    await limit.fill('3');
    await screenshot(page, 'rules-product');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await kami.db.product.findUniqueOrThrow({ where: { id: product.id } })).rules, { timeout: 10_000 })
      .toEqual({ purchaseLimit: 3 });

    await page.goto(`${panel.url}/admin/audit`);
    await page.locator('tbody tr', { hasText: 'rules.update' }).first().waitFor();
    await screenshot(page, 'audit');

    const newOperator = `new.operator.${Date.now()}@test.kami`;
    await page.goto(`${panel.url}/admin/operators/create`);
    await page.locator('input[name="email"]').fill(newOperator);
    await page.locator('input[name="name"]').fill('New Viewer');
    await page.locator('input[name="password"]').fill('correct horse battery');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => kami.db.operator.count({ where: { email: newOperator } }), { timeout: 10_000 }).toBe(1);
    // other files' operators share the run's database: search, so this one is on the first page
    await page.goto(`${panel.url}/admin/operators?filter=${encodeURIComponent(JSON.stringify({ q: newOperator }))}`);
    await page.locator('tbody tr', { hasText: newOperator }).waitFor();
    await screenshot(page, 'operators');
    await page.context().close();
  });

  it('an operator blacklists a buyer identity from the buyers list', async () => {
    const product = await kami.product(2);
    const email = `shady-${Date.now()}@example.com`;
    expect((await kami.checkout({ sku: product.sku, quantity: 1, email })).status).toBe(201);
    const operator = await createOperator(kami.db, { role: 'operator' });
    const page = await signedInPage(stack, operator);
    await page.goto(`${panel.url}/admin/buyers?filter=${encodeURIComponent(JSON.stringify({ q: email }))}`);
    const row = page.locator('tr', { hasText: email });
    await row.getByRole('button', { name: 'Blacklist' }).click();
    await row.getByRole('button', { name: 'Remove from blacklist' }).waitFor();
    expect(await kami.db.blacklistEntry.count({ where: { kind: 'email', value: email } })).toBe(1);
    await screenshot(page, 'buyers');
    await page.context().close();
  });
});
