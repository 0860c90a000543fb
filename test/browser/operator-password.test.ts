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
  owner = await createOperator(kami.db, { role: 'owner', name: 'Pat Owner' });
});

describe('operator form: password strength before submit', () => {
  it('shows the server\'s verdict on a weak password without sending it, loading the estimator only then', async () => {
    const page = await signedInPage(stack, owner);
    const estimator: string[] = [];
    const posts: string[] = [];
    page.on('request', (r) => {
      if (/password-strength-[^/]*\.js$/.test(r.url())) estimator.push(r.url());
      if (r.method() === 'POST' && r.url().endsWith('/admin/api/operators')) posts.push(r.url());
    });
    const email = `weak.${Date.now()}@test.kami`;
    await page.goto(`${panel.url}/admin/operators/create`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="name"]').fill('Weak Password');
    expect(estimator, 'the estimator is not part of the panel\'s main bundle').toEqual([]);

    await page.locator('input[name="password"]').fill('aaaaaaaaaa');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/too easy to guess \(strength 0 of 4, at least 3 needed\)/).waitFor();
    await screenshot(page, 'operator-weak-password');
    expect(estimator).toHaveLength(1);
    expect(posts).toEqual([]);

    await page.locator('input[name="password"]').fill(email);
    await page.getByText(/personal or page related data/).waitFor();
    expect(posts).toEqual([]);

    await page.locator('input[name="password"]').fill('violet kettle orbit lantern');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => kami.db.operator.count({ where: { email } }), { timeout: 10_000 }).toBe(1);
    expect(posts).toHaveLength(1);
    await page.context().close();
  });
});
