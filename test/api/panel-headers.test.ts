import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runApi } from '../../api/main.js';
import { loadConfig } from '../../infra/config.js';
import { ADMIN_DIST, ensurePanelBuilt } from '../../scripts/lib/admin-build.js';

// The server as `npm run api` runs it (api/main.ts): the built panel at /admin in front of the app.
let api: Awaited<ReturnType<typeof runApi>>;
let base: string;
beforeAll(async () => {
  await ensurePanelBuilt();
  api = await runApi(loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    KAMI_MASTER_KEY: randomBytes(32).toString('hex'),
    KAMI_ADMIN_EMAIL: 'panel-headers@test.kami',
    KAMI_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
    LOG_LEVEL: 'silent',
    PORT: '0',
  }));
  base = `http://127.0.0.1:${api.port}`;
});
afterAll(() => api?.stop());

const get = (path: string) => fetch(`${base}${path}`, { redirect: 'manual' });

function csp(res: Response): Map<string, string[]> {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(header.split(';').map((d) => d.trim()).filter(Boolean).map((d) => d.split(/\s+/)).map(([k, ...v]) => [k!, v]));
}

describe('the operator panel at /admin', () => {
  const asset = () => readFileSync(join(ADMIN_DIST, 'index.html'), 'utf8').match(/src="(\/admin\/assets\/[^"]+\.js)"/)![1]!;

  it('is served with a CSP for the built app, no framing, nosniff, a referrer policy and no X-Powered-By', async () => {
    const paths = ['/admin', '/admin/', '/admin/orders/ord_X', asset()];
    for (const path of paths) {
      const res = await get(path);
      expect([200, 301], path).toContain(res.status);
      const policy = csp(res);
      expect(policy.get('default-src'), path).toEqual(["'self'"]);
      expect(policy.get('script-src'), path).toEqual(["'self'"]); // no inline script, no eval
      expect(policy.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(policy.get('object-src'), path).toEqual(["'none'"]);
      expect(policy.get('base-uri'), path).toEqual(["'self'"]);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
    expect((await get('/admin')).headers.get('location')).toBe('/admin/');
    expect((await get('/admin?x=1')).headers.get('location')).toBe('/admin/?x=1');
    expect(await (await get('/admin/assets')).text()).toContain('<div id="root"></div>'); // a client-side route, not a listing
    const index = await get('/admin/');
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<div id="root"></div>');
    const script = await get(asset());
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
  });

  it('leaves /admin/api to the app (its answers, its headers) and sends X-Powered-By nowhere', async () => {
    const me = await get('/admin/api/auth/me');
    expect(me.status).toBe(401);
    expect(me.headers.get('content-type')).toContain('application/json');
    expect(me.headers.get('x-powered-by')).toBeNull();
    const unknown = await get('/admin/api/no-such-thing');
    expect(unknown.headers.get('content-type')).toContain('application/json');
    for (const path of ['/healthz', '/api/v1/products', '/nowhere']) expect((await get(path)).headers.get('x-powered-by'), path).toBeNull();
  });
});
