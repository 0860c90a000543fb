import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { withPanel } from '../../../api/panel.js';
import { ADMIN_DIST as DIST, ensurePanelBuilt } from '../../../scripts/lib/admin-build.js';
import { startKami, type Kami, type KamiOptions } from '../../helpers/kami.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/**
 * Serves admin/dist at /admin with api/main.ts's own code (api/panel.ts: SPA fallback and security
 * headers, CSP included), and passes everything else, the admin API included, to the test's Kami. One
 * origin, so the session cookie (Path=/admin) behaves as in production.
 */
export async function servePanel(kami: Pick<Kami, 'baseUrl'>) {
  const toKami = Router();
  const app = withPanel(toKami, DIST);
  toKami.use((req, res) => {
    const upstream = http.request(new URL(req.originalUrl, kami.baseUrl), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Debian's Chromium with the flags that work here as root (see shared notes); Playwright gives it a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Signs in through the panel's login page and waits for the landing page (the inbox). */
export async function signIn(page: Page, panelUrl: string, email: string, password: string) {
  await page.goto(`${panelUrl}/admin/`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('inbox-badge').waitFor();
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** What every open page showed when a test failed, in test-results/failures/. */
export async function failureShots(browser: Browser, testName: string) {
  const dir = join(ROOT, 'test-results', 'failures');
  mkdirSync(dir, { recursive: true });
  const pages = browser.contexts().flatMap((c) => c.pages());
  const slug = testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
  await Promise.all(pages.map((p, i) => p.screenshot({ path: join(dir, `${slug}-${i}.png`), fullPage: true }).catch(() => undefined)));
}

/**
 * One real Kami, the built panel and one Chromium for a test file (set up before its tests, torn
 * down after), with screenshots of every open page when a test fails. Fields are set once beforeAll ran.
 */
export function panelStack(options: () => KamiOptions | Promise<KamiOptions> = () => ({})) {
  const stack = {} as { kami: Kami; panel: Awaited<ReturnType<typeof servePanel>>; browser: Browser };
  beforeAll(async () => {
    [stack.kami] = await Promise.all([(async () => startKami(await options()))(), ensurePanelBuilt()]);
    stack.panel = await servePanel(stack.kami);
    stack.browser = await launchBrowser();
  });
  afterAll(async () => {
    await stack.browser?.close();
    await stack.panel?.close();
    await stack.kami?.stop();
  });
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await failureShots(stack.browser, task.name);
    // the panel must work under its Content-Security-Policy (api/panel.ts): anything it refused fails the test
    const refused = cspViolations.splice(0);
    expect(refused, 'Content-Security-Policy violations').toEqual([]);
  });
  return stack;
}

/** What Chromium reported refusing under a Content-Security-Policy, from every page signedInPage opened. */
const cspViolations: string[] = [];

/** A fresh browser context signed in to the panel as `who`. */
export async function signedInPage(stack: ReturnType<typeof panelStack>, who: { email: string; password: string }, locale = 'en-US'): Promise<Page> {
  const context = await stack.browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  // the panel's own errors belong in the test output, not only in a browser nobody watches
  page.on('pageerror', (err) => console.error('[panel]', err));
  context.on('console', (msg) => { if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text()); });
  await signIn(page, stack.panel.url, who.email, who.password);
  return page;
}
