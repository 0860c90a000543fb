import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { createLogger } from '../../infra/logger.js';
import { startDevServer } from '../../scripts/lib/dev-server.js';
import { adminCall, createOperator, login, type AdminSession } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { freePort } from '../helpers/ports.js';

/**
 * Secrets never reach a log, the database in clear, or Temporal's store. Kami runs here on a
 * Temporal dev server and a database of its own, so every byte they hold afterwards came from this
 * file's orders: the routine path, a reviewed bulk order, an invalid-key report with a replacement,
 * goods typed in by an operator, a reveal by the owner, an operator's sign-in. Then the whole
 * database dump, the dev server's SQLite files and every log line Kami wrote are searched for each
 * secret in clear. Positive controls (order ids, SKUs) prove each scan reads the data it claims to.
 */
let kami: Kami;
let temporal: Awaited<ReturnType<typeof startDevServer>>;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let dir: string;
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kami-secret-scan-'));
  temporal = await startDevServer({ cli: inject('temporalCli'), dbFile: join(dir, 'temporal.db'), port: await freePort() });
  db = await freshDatabase('secrets');
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
  kami = await startKami({
    env: { DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address, LOG_LEVEL: 'trace' },
    log: createLogger('trace', 'secret-scan', sink),
  });
}, 120_000);
afterAll(async () => {
  await kami?.stop();
  await temporal?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const closed = (orderId: string) => kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();

describe('secrets at rest and in transit through Kami', () => {
  const secrets = new Map<string, string>();
  const controls = { orderIds: [] as string[], skus: [] as string[] };

  it('runs the orders whose secrets are then looked for', async () => {
    secrets.set('master key', kami.config.KAMI_MASTER_KEY!);
    const owner = await createOperator(kami.db, { role: 'owner' });
    const session: AdminSession = await login(kami.baseUrl, owner.email, owner.password);
    secrets.set('operator password', owner.password);
    secrets.set('session cookie', session.cookie.slice('kami_session='.length));
    secrets.set('csrf token', session.csrfToken);
    // a mistyped password is a secret too (often one character off the real one)
    const typo = `${owner.password}!`;
    secrets.set('mistyped password', typo);
    expect((await fetch(`${kami.baseUrl}/admin/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: typo }),
    })).status).toBe(401);

    // keys imported through the panel's endpoint, as a merchant would
    const product = await kami.product(0, { rules: { bulkQuantity: 2 } });
    controls.skus.push(product.sku);
    const lines = Array.from({ length: 8 }, (_, i) => `SCAN-${product.sku}-${i}-${crypto.randomUUID()}`);
    lines.forEach((l, i) => secrets.set(`imported key ${i}`, l));
    const imported = await adminCall(kami, session, 'POST', '/keys/import', { body: { productId: product.id, label: 'scan batch', lines } });
    expect(imported.status, imported.text).toBe(201);

    // routine: paid, delivered, read by the buyer
    const idem = `scan-${crypto.randomUUID()}`;
    secrets.set('idempotency key', idem);
    const routine = await kami.checkout({ sku: product.sku, quantity: 1, email: 'scan-routine@example.com' }, { 'idempotency-key': idem });
    expect(routine.status).toBe(201);
    secrets.set('routine access token', routine.body.accessToken);
    controls.orderIds.push(routine.body.orderId);
    expect((await kami.pay(routine.body.orderId, routine.body.accessToken)).status).toBe(200);
    await closed(routine.body.orderId);
    const read = await kami.order(routine.body.orderId, routine.body.accessToken);
    expect(read.body.keys).toHaveLength(1);
    expect(lines).toContain(read.body.keys[0]);

    // after-sales: the key is reported invalid and replaced
    const report = await fetch(`${kami.baseUrl}/api/v1/orders/${routine.body.orderId}/reports`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${routine.body.accessToken}` },
      body: JSON.stringify({ key: read.body.keys[0], reason: 'says already redeemed' }),
    });
    expect(report.status).toBe(202);
    await expect.poll(() => statusOf(routine.body.orderId), { timeout: 15_000 }).toBe('in_review');
    expect((await adminCall(kami, session, 'POST', `/orders/${routine.body.orderId}/approve`, { body: { note: 'replace' } })).status).toBe(200);
    await expect.poll(async () => (await kami.order(routine.body.orderId, routine.body.accessToken)).body.keys?.[0], { timeout: 15_000 })
      .not.toBe(read.body.keys[0]);

    // a bulk order waits for a person, who approves it
    const bulk = await kami.checkout({ sku: product.sku, quantity: 3, email: 'scan-bulk@example.com' });
    secrets.set('bulk access token', bulk.body.accessToken);
    controls.orderIds.push(bulk.body.orderId);
    await kami.pay(bulk.body.orderId, bulk.body.accessToken);
    await expect.poll(() => statusOf(bulk.body.orderId), { timeout: 15_000 }).toBe('in_review');
    expect((await adminCall(kami, session, 'POST', `/orders/${bulk.body.orderId}/approve`, { body: { note: 'known buyer' } })).status).toBe(200);
    await expect.poll(() => statusOf(bulk.body.orderId), { timeout: 15_000 }).toBe('delivered');
    expect(await kami.order(bulk.body.orderId, bulk.body.accessToken).then((r) => r.body.keys)).toHaveLength(3);

    // the owner reveals an unsold key
    const unsold = await kami.db.cardKey.findFirstOrThrow({ where: { productId: product.id, status: 'available' } });
    const revealed = await adminCall(kami, session, 'POST', '/keys/reveal', { body: { ids: [unsold.id] } });
    expect(revealed.status, revealed.text).toBe(200);
    expect(lines).toContain(revealed.body[0].secret);

    // goods an operator types in for a manual-delivery product
    const manual = await kami.product(0);
    controls.skus.push(manual.sku);
    await kami.db.product.update({ where: { id: manual.id }, data: { deliveryMode: 'manual' } });
    const m = await kami.checkout({ sku: manual.sku, quantity: 1, email: 'scan-manual@example.com' });
    secrets.set('manual access token', m.body.accessToken);
    controls.orderIds.push(m.body.orderId);
    await kami.pay(m.body.orderId, m.body.accessToken);
    await expect.poll(() => statusOf(m.body.orderId), { timeout: 15_000 }).toBe('backorder');
    const goods = `user: scan-${crypto.randomUUID()} / pass: ${crypto.randomUUID()}`;
    secrets.set('manual goods', goods);
    expect((await adminCall(kami, session, 'POST', `/orders/${m.body.orderId}/mark-delivered`, { body: { goods: [goods] } })).status).toBe(202);
    await expect.poll(() => statusOf(m.body.orderId), { timeout: 15_000 }).toBe('delivered');
    expect((await kami.order(m.body.orderId, m.body.accessToken)).body.keys).toEqual([goods]);

    // the buyers' emails carry their keys: that is delivery, not a leak
    await expect.poll(() => kami.mail.messages.filter((mail) => mail.text.includes(goods)).length, { timeout: 15_000 }).toBe(1);
  }, 120_000);

  const leaks = (haystack: string) => [...secrets].filter(([, value]) => haystack.includes(value)).map(([what]) => what);

  it('the database holds none of them in clear', () => {
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', db.url], { encoding: 'utf8', maxBuffer: 256 << 20 });
    for (const id of controls.orderIds) expect(dump).toContain(id);
    for (const sku of controls.skus) expect(dump).toContain(sku);
    expect(leaks(dump)).toEqual([]);
  });

  it('Temporal\'s store (histories, memos, search attributes) holds none of them', async () => {
    // the dev server's own files, WAL included: what an operator's Temporal UI and backups would see
    const store = ['temporal.db', 'temporal.db-wal'].map((f) => join(dir, f)).filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1')).join('\n');
    for (const id of controls.orderIds) expect(store).toContain(id);
    expect(leaks(store)).toEqual([]);

    // and the histories as the client decodes them, payloads included
    for (const id of controls.orderIds) {
      const history = await kami.temporal.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
      const text = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
      expect(text).toContain(id);
      expect(leaks(text)).toEqual([]);
    }
  });

  it('no log line holds any of them', () => {
    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    for (const id of controls.orderIds) expect(log).toContain(id);
    expect(leaks(log)).toEqual([]);
  });
});
