import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../infra/crypto.js';
import { ensureFirstOwner } from '../../infra/operators.js';
import { adminCall, createOperator, login, loginAs, type AdminSession } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let owner: AdminSession;
beforeAll(async () => {
  kami = await startKami({ worker: false, env: { KAMI_LOGIN_RATE_LIMIT: '3' } });
  owner = await loginAs(kami, 'owner');
});
afterAll(() => kami?.stop());

describe('signing in', () => {
  it('opens a session with an httpOnly, SameSite=Strict cookie and a CSRF token; me and logout work', async () => {
    const op = await createOperator(kami.db, { role: 'viewer', email: 'Mixed.Case@Test.Kami' });
    const res = await fetch(`${kami.baseUrl}/admin/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'mixed.case@test.kami', password: op.password }),
    });
    expect(res.status).toBe(200);
    const body = await res.json() as any;
    expect(body).toEqual({ operator: { id: op.id, email: 'mixed.case@test.kami', name: op.name, role: 'viewer' }, csrfToken: expect.any(String) });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('kami_session='))!;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\/admin(;|$)/i);
    expect(cookie).not.toMatch(/; Secure/i); // PUBLIC_URL is http here

    const token = cookie.split(';')[0]!.split('=')[1]!;
    const row = await kami.db.operatorSession.findFirst({ where: { operatorId: op.id } });
    expect(row?.id).toBe(sha256Hex(token)); // only the hash is stored
    expect(JSON.stringify(row)).not.toContain(token);

    const session = { cookie: cookie.split(';')[0]!, csrfToken: body.csrfToken, operator: body.operator };
    const me = await adminCall(kami, session, 'GET', '/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ operator: body.operator, csrfToken: body.csrfToken });
    expect(me.headers.get('cache-control')).toBe('no-store');

    expect((await adminCall(kami, session, 'POST', '/auth/logout')).status).toBe(200);
    const after = await adminCall(kami, session, 'GET', '/auth/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
  });

  it('answers 401 invalid_credentials for a wrong password, an unknown email or a disabled account', async () => {
    const op = await createOperator(kami.db, { role: 'operator' });
    for (const [email, password] of [[op.email, 'wrong-password'], ['nobody@test.kami', op.password]]) {
      const res = await adminCall(kami, null, 'POST', '/auth/login', { body: { email, password } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    await kami.db.operator.update({ where: { id: op.id }, data: { disabled: true } });
    expect((await adminCall(kami, null, 'POST', '/auth/login', { body: { email: op.email, password: op.password } })).status).toBe(401);
  });

  it('rate limits failed sign-ins per address and email (429), while others still sign in', async () => {
    const op = await createOperator(kami.db, { role: 'viewer' });
    const attempt = (password: string) => adminCall(kami, null, 'POST', '/auth/login', { body: { email: op.email, password } });
    for (let i = 0; i < 3; i++) expect((await attempt(`wrong-${i}-password`)).status).toBe(401);
    const limited = await attempt(op.password);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    await expect(loginAs(kami, 'viewer')).resolves.toMatchObject({ csrfToken: expect.any(String) });
  });

  it('rejects missing, unknown and expired sessions with 401', async () => {
    expect((await adminCall(kami, null, 'GET', '/orders')).body.error.code).toBe('unauthenticated');
    const forged = { ...owner, cookie: 'kami_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    expect((await adminCall(kami, forged, 'GET', '/orders')).status).toBe(401);

    const viewer = await loginAs(kami, 'viewer');
    expect((await adminCall(kami, viewer, 'GET', '/products')).status).toBe(200);
    await kami.db.operatorSession.updateMany({ where: { operatorId: viewer.operator.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await adminCall(kami, viewer, 'GET', '/products')).status).toBe(401);
  });
});

describe('CSRF and roles', () => {
  const product = (sku: string) => ({ sku, name: `Product ${sku}`, priceCents: 990, currency: 'usd' });

  it('refuses a change without the X-CSRF-Token header (403) and changes nothing', async () => {
    const op = await loginAs(kami, 'operator');
    const res = await adminCall(kami, op, 'POST', '/products', { body: product('CSRF-1'), csrf: false });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_failed');
    const wrong = await adminCall(kami, op, 'POST', '/products', { body: product('CSRF-1'), headers: { 'x-csrf-token': owner.csrfToken }, csrf: false });
    expect(wrong.status).toBe(403);
    expect(await kami.db.product.count({ where: { sku: 'CSRF-1' } })).toBe(0);
  });

  it('lets a viewer read but not create products or import keys (403, nothing changed); an operator can', async () => {
    const viewer = await loginAs(kami, 'viewer');
    const operator = await loginAs(kami, 'operator');
    expect((await adminCall(kami, viewer, 'GET', '/products')).status).toBe(200);
    const denied = await adminCall(kami, viewer, 'POST', '/products', { body: product('ROLE-1') });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect(await kami.db.product.count({ where: { sku: 'ROLE-1' } })).toBe(0);

    const created = await adminCall(kami, operator, 'POST', '/products', { body: product('ROLE-1') });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'ROLE-1', currency: 'USD', active: true, stock: { available: 0, reserved: 0, sold: 0, void: 0 } });

    const lines = ['VIEWER-KEY-1', 'VIEWER-KEY-2'];
    const importDenied = await adminCall(kami, viewer, 'POST', '/keys/import', { body: { productId: created.body.id, label: 'x', lines } });
    expect(importDenied.status).toBe(403);
    expect(await kami.db.cardKey.count({ where: { productId: created.body.id } })).toBe(0);
    const imported = await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: created.body.id, label: 'x', lines } });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ imported: 2, duplicates: 0 });

    const audit = await kami.db.auditLog.findMany({ where: { actorId: operator.operator.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['auth.login', 'product.create', 'keys.import']);
  });

  it('keeps the audit log, key reveal and operator management for owners', async () => {
    const operator = await loginAs(kami, 'operator');
    for (const [method, path, body] of [['GET', '/audit', undefined], ['POST', '/keys/reveal', { ids: [1] }], ['GET', '/operators', undefined]] as const) {
      const res = await adminCall(kami, operator, method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const audit = await adminCall(kami, owner, 'GET', '/audit');
    expect(audit.status).toBe(200);
    expect(audit.headers.get('content-range')).toMatch(/^audit /);
  });
});

describe('operators', () => {
  it('creates operators without ever returning the hash, and signs out a disabled one', async () => {
    const res = await adminCall(kami, owner, 'POST', '/operators', { body: { email: 'New.Op@test.kami', name: 'New Op', role: 'operator', password: 'long-enough-pw' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), email: 'new.op@test.kami', name: 'New Op', role: 'operator', disabled: false, createdAt: expect.any(String) });
    expect(res.text).not.toMatch(/hash|argon/i);

    const short = await adminCall(kami, owner, 'POST', '/operators', { body: { email: 'short@test.kami', name: 'S', role: 'viewer', password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.error.details).toHaveProperty('password');
    const dup = await adminCall(kami, owner, 'POST', '/operators', { body: { email: 'new.op@test.kami', name: 'Again', role: 'viewer', password: 'long-enough-pw' } });
    expect(dup.status).toBe(409);

    const session = await login(kami.baseUrl, 'new.op@test.kami', 'long-enough-pw');
    const disabled = await adminCall(kami, owner, 'PUT', `/operators/${res.body.id}`, { body: { ...res.body, disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    expect((await adminCall(kami, session, 'GET', '/orders')).status).toBe(401);
    const entry = await kami.db.auditLog.findFirst({ where: { action: 'operator.update', targetId: res.body.id } });
    expect(entry?.data).toMatchObject({ changes: { disabled: { from: false, to: true } }, passwordChanged: false });
  });

  it('ensureFirstOwner leaves a database that has an owner alone', async () => {
    // owners exist in the shared test database already: nothing is created, no password is touched
    const again = await ensureFirstOwner(kami.db, { KAMI_ADMIN_EMAIL: 'other@test.kami', KAMI_ADMIN_PASSWORD: 'another-password', production: false });
    expect(again).toEqual({ email: expect.any(String), created: false });
    expect(await kami.db.operator.count({ where: { email: 'other@test.kami' } })).toBe(0);
  });
});

describe('the first owner, on an empty database', () => {
  let fresh: Kami;
  let dropDb: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabase('owner');
    dropDb = db.drop;
    fresh = await startKami({ worker: false, env: { DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await fresh?.stop();
    await dropDb?.();
  });

  it('is generated once, signs in, and can be neither demoted, disabled nor deleted while it is the only owner', async () => {
    const config = { KAMI_ADMIN_EMAIL: undefined, KAMI_ADMIN_PASSWORD: undefined, production: true };
    await expect(ensureFirstOwner(fresh.db, config)).rejects.toThrow(/KAMI_ADMIN_PASSWORD/);
    const first = await ensureFirstOwner(fresh.db, { ...config, production: false });
    expect(first).toEqual({ email: 'admin@kami.local', created: true, generatedPassword: expect.stringMatching(/^.{16}$/) });
    expect(await ensureFirstOwner(fresh.db, { ...config, production: false })).toEqual({ email: 'admin@kami.local', created: false });
    const bootstrap = await fresh.db.auditLog.findFirstOrThrow({ where: { action: 'operator.bootstrap' } });
    expect(JSON.stringify(bootstrap.data)).not.toContain(first.generatedPassword);

    const session = await login(fresh.baseUrl, first.email, first.generatedPassword!);
    const id = session.operator.id;
    for (const body of [{ role: 'operator' }, { disabled: true }]) {
      const res = await adminCall(fresh, session, 'PUT', `/operators/${id}`, { body });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_owner');
    }
    expect((await adminCall(fresh, session, 'DELETE', `/operators/${id}`)).status).toBe(409);
    expect(await fresh.db.operator.findUnique({ where: { id } })).toMatchObject({ role: 'owner', disabled: false });

    const second = await adminCall(fresh, session, 'POST', '/operators', { body: { email: 'second@test.kami', name: 'Second', role: 'owner', password: 'second-owner-pw' } });
    expect(second.status).toBe(201);
    const demoted = await adminCall(fresh, session, 'PUT', `/operators/${id}`, { body: { role: 'viewer', password: 'a-new-password' } });
    expect(demoted.status).toBe(200);
    // the demotion applies at the next request; the owner's own session survives the password change
    expect((await adminCall(fresh, session, 'GET', '/operators')).status).toBe(403);
    expect((await adminCall(fresh, session, 'GET', '/orders')).status).toBe(200);
  });
});
