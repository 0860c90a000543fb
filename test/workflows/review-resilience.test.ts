import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server.js';
import { getOrderStatus } from '../../workflows/messages.js';
import { adminCall, loginAs } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { freePort } from '../helpers/ports.js';
import { killSpawnedWorkers, spawnWorker, type ChildWorker } from '../helpers/processes.js';

/**
 * An order waiting for a person lives in the workflow's history on the Temporal server, not in a
 * worker's memory: killing the worker and restarting the server (same data file, same port) loses
 * neither the order nor the wait, and the merchant's decision afterwards delivers exactly once.
 */
describe('an order in review across a worker SIGKILL and a Temporal server restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kami-review-restart-'));
  let server: DevServer | undefined;
  let kami: Kami | undefined;
  afterAll(async () => {
    await killSpawnedWorkers();
    await kami?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is still in review afterwards, answers queries, and delivers once when approved', async () => {
    const opts = { cli: inject('temporalCli'), dbFile: join(dir, 'temporal.db'), port: await freePort() };
    server = await startDevServer(opts);
    kami = await startKami({ worker: false, env: { TEMPORAL_ADDRESS: server.address } });
    const k = kami;
    const first = spawnWorker(k);
    let second: ChildWorker | undefined;
    // the worker processes' own logs are the first thing to read when this fails
    onTestFailed(() => console.error(`first worker:\n${first.output().slice(-4000)}\nsecond worker:\n${second?.output().slice(-4000)}`));

    const product = await k.product(25);
    const email = `review-restart-${randomInt(1_000_000)}@example.com`;
    // its own buyer address: the run shares one database, and only the bulk rule should send this to review
    const created = await k.checkout({ sku: product.sku, quantity: 21, email }, { 'x-forwarded-for': `203.0.113.${randomInt(1, 255)}` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { orderId, accessToken } = created.body as { orderId: string; accessToken: string };
    const handle = k.temporal.workflow.getHandle(orderWorkflowId(orderId));
    const { runId } = await handle.describe();

    expect((await k.pay(orderId, accessToken)).status).toBe(200);
    const statusOf = async () => (await k.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;
    await expect.poll(statusOf, { timeout: 20_000, interval: 100 }).toBe('in_review');
    // the workflow itself is parked on the decision (not just the row updated)
    await expect.poll(async () => (await handle.query(getOrderStatus)).status, { timeout: 10_000 }).toBe('in_review');
    const row = await k.db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect((row.reviewReasons as { code: string }[]).map((r) => r.code)).toEqual(['bulk_quantity']);

    // 1. the worker dies without any chance to clean up
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    // 2. the Temporal server stops and comes back on the same data file and port
    await server.stop('SIGTERM');
    server = await startDevServer(opts);
    // 3. a new worker process, which has never seen this order
    second = spawnWorker(k);

    expect(await statusOf()).toBe('in_review');
    expect(await k.db.cardKey.count({ where: { orderId, status: 'sold' } })).toBe(0);
    // the new worker rebuilds the workflow from its history to answer; the client reconnects by itself
    await expect.poll(async () => {
      try { return (await handle.query(getOrderStatus)).status; } catch (err) { return `error: ${(err as Error).message}`; }
    }, { timeout: 30_000, interval: 250 }).toBe('in_review');
    const view = await handle.query(getOrderStatus);
    expect(view).toMatchObject({ orderId, reviewSeq: 1, keyIds: [] });
    expect(view.reviewReasons.map((r) => r.code)).toEqual(['bulk_quantity']);
    expect((await handle.describe()).runId).toBe(runId);

    const operator = await loginAs(k, 'operator');
    const approved = await adminCall(k, operator, 'POST', `/orders/${orderId}/approve`, { body: { note: 'after the restart', reviewSeq: 1 } });
    expect(approved.status, approved.text).toBe(200);
    await expect.poll(statusOf, { timeout: 30_000, interval: 100 }).toBe('delivered');

    const result = await handle.result();
    expect(result.status).toBe('delivered');
    expect((await handle.describe()).runId).toBe(runId);

    const page = (await k.order(orderId, accessToken)).body;
    expect(page.status).toBe('delivered');
    expect(page.keys).toHaveLength(21);
    expect(new Set(page.keys).size).toBe(21);
    for (const s of page.keys) expect(product.secrets).toContain(s);
    const secrets = (await readOrderSecrets(k.db, k.vault, orderId)).map((x) => x.secret);
    expect(page.keys).toEqual(secrets);

    // no key sold twice: 21 distinct sold keys for this order, none of them held by another order
    const sold = await k.db.cardKey.findMany({ where: { orderId, status: 'sold' }, select: { id: true } });
    expect(sold).toHaveLength(21);
    expect(new Set(sold.map((s) => s.id)).size).toBe(21);
    expect([...result.keyIds].sort((a, b) => a - b)).toEqual(sold.map((s) => s.id).sort((a, b) => a - b));
    expect(await k.db.cardKey.count({ where: { productId: product.id, status: 'sold' } })).toBe(21);
    expect(await k.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(4);
    expect(await k.db.cardKey.count({ where: { productId: product.id, status: 'reserved' } })).toBe(0);

    // exactly one delivery email, to the buyer, with every key; give a late duplicate a moment to show up
    await expect.poll(() => k.mail.messages.filter((m) => m.subject.includes(orderId)).length, { timeout: 15_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    const mails = k.mail.messages.filter((m) => m.subject.includes(orderId));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toContain(email);
    for (const s of secrets) expect(mails[0]!.text).toContain(s);

    const events = await k.db.orderEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.actor).toBe(operator.operator.email);
    expect(decisions[0]!.data).toMatchObject({ action: 'approve', note: 'after the restart' });
    expect(new Set(events.map((e) => `${e.type}/${e.step}`)).size).toBe(events.length);
    expect(events.filter((e) => e.type === 'delivered')).toHaveLength(1);

    // keys never reach a worker's logs
    for (const s of secrets) expect(first.output() + second.output()).not.toContain(s);
    expect(await second.kill('SIGTERM')).not.toBeNull();
  }, 90_000);
});
