import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { freePort } from '../helpers/ports.js';
import { killSpawnedWorkers, spawnWorker, type ChildWorker } from '../helpers/processes.js';

/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED: waiting for its next attempt. */
const ACTIVITY_SCHEDULED = 1;
const DELIVERED_EVENTS = ['created', 'paid', 'rules_checked', 'delivering', 'email_sent', 'delivered'];

interface Placed { orderId: string; accessToken: string; reservedIds: number[]; runId: string }

/**
 * Checks out `quantity` keys and records which keys the checkout reserved and which workflow run it started.
 * Each order comes from its own buyer address: the whole test run shares one database and 127.0.0.1, and
 * the velocity rule (orders per IP per hour) would otherwise send later orders to review.
 */
async function place(kami: Kami, sku: string, quantity: number, email: string): Promise<Placed> {
  const buyerIp = `198.51.100.${randomInt(1, 255)}`;
  const created = await kami.checkout({ sku, quantity, email }, { 'x-forwarded-for': buyerIp });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const { orderId, accessToken } = created.body as { orderId: string; accessToken: string };
  expect((await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).buyerIp).toBe(buyerIp);
  const reserved = await kami.db.cardKey.findMany({ where: { orderId, status: 'reserved' }, orderBy: { id: 'asc' }, select: { id: true } });
  expect(reserved).toHaveLength(quantity);
  const { runId } = await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
  return { orderId, accessToken, reservedIds: reserved.map((k) => k.id), runId };
}

const mailsFor = (kami: Kami, orderId: string) => kami.mail.messages.filter((m) => m.subject.includes(orderId));

/**
 * The order finished exactly once, as the same workflow run that checkout started: delivered, holding
 * exactly the keys reserved at checkout (none sold twice, none left over), one email with those keys,
 * one audit event per step.
 */
async function expectDeliveredOnce(kami: Kami, o: Placed, product: { id: string; secrets: string[] }, stock: number) {
  const handle = kami.temporal.workflow.getHandle(orderWorkflowId(o.orderId));
  const result = await handle.result();
  expect(result.status).toBe('delivered');
  expect([...result.keyIds].sort((a, b) => a - b)).toEqual(o.reservedIds);
  const described = await handle.describe();
  expect(described.runId).toBe(o.runId);
  expect(described.status.name).toBe('COMPLETED');

  const sold = await kami.db.cardKey.findMany({ where: { productId: product.id, status: 'sold' }, orderBy: { id: 'asc' } });
  expect(sold.map((k) => k.id)).toEqual(o.reservedIds);
  expect(sold.every((k) => k.orderId === o.orderId)).toBe(true);
  expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(stock - o.reservedIds.length);
  expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'reserved' } })).toBe(0);

  const secrets = (await readOrderSecrets(kami.db, kami.vault, o.orderId)).map((k) => k.secret);
  for (const s of secrets) expect(product.secrets).toContain(s);
  const page = (await kami.order(o.orderId, o.accessToken)).body;
  expect(page.status).toBe('delivered');
  expect(page.keys).toEqual(secrets);

  const mails = mailsFor(kami, o.orderId);
  expect(mails).toHaveLength(1);
  for (const s of secrets) expect(mails[0]!.text).toContain(s);

  const delivery = await kami.db.delivery.findUniqueOrThrow({ where: { orderId_channel: { orderId: o.orderId, channel: 'email' } } });
  const events = await kami.db.orderEvent.findMany({ where: { orderId: o.orderId }, orderBy: { id: 'asc' } });
  // an email that failed on its way says so once (the merchant hears of it), and only if it was tried again
  const failing = events.filter((e) => e.type === 'delivery_failing');
  expect(failing.length).toBeLessThanOrEqual(delivery.attempts > 1 ? 1 : 0);
  expect(events.map((e) => e.type).filter((t) => t !== 'delivery_failing')).toEqual(DELIVERED_EVENTS);
  expect(new Set(events.map((e) => `${e.type}/${e.step}`)).size).toBe(events.length);

  expect(delivery.status).toBe('sent');
  return { delivery, secrets };
}

/** Waits until the delivery email has failed `attempts` times and the activity sits in its retry backoff. */
async function awaitEmailRetrying(kami: Kami, orderId: string, attempts: number) {
  await expect.poll(async () => {
    const d = await kami.db.delivery.findUnique({ where: { orderId_channel: { orderId, channel: 'email' } } });
    return d?.status === 'retrying' ? d.attempts : 0;
  }, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(attempts);
  // reported to the server and not yet retried: a kill now cannot land inside an attempt (which would only
  // be noticed after the activity's 1-minute start-to-close timeout)
  const handle = kami.temporal.workflow.getHandle(orderWorkflowId(orderId));
  await expect.poll(async () => {
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    const next = optionalTsToMs(pending?.nextAttemptScheduleTime);
    return pending?.state === ACTIVITY_SCHEDULED && next !== undefined && next - Date.now() > 300;
  }, { timeout: 30_000, interval: 50 }).toBe(true);
}

describe('a worker process killed with SIGKILL mid-order', () => {
  let kami: Kami;
  beforeAll(async () => { kami = await startKami({ worker: false }); });
  afterAll(async () => { await killSpawnedWorkers(); await kami?.stop(); });

  it('is replaced by a new worker process that finishes the order once, with the keys reserved at checkout', async () => {
    const product = await kami.product(4);
    const first = spawnWorker(kami);
    let second: ChildWorker | undefined;
    // the worker processes' own logs are the first thing to read when this fails
    onTestFailed(() => console.error(`first worker:\n${first.output().slice(-4000)}\nsecond worker:\n${second?.output().slice(-4000)}`));
    kami.mail.state.down = true;
    const o = await place(kami, product.sku, 2, 'sigkill@example.com');
    expect((await kami.pay(o.orderId, o.accessToken)).status).toBe(200);

    // genuinely mid-flight: paid, keys claimed and readable, the email failing and being retried
    await awaitEmailRetrying(kami, o.orderId, 2);
    const atKill = await kami.db.delivery.findUniqueOrThrow({ where: { orderId_channel: { orderId: o.orderId, channel: 'email' } } });
    expect((await kami.order(o.orderId, o.accessToken)).body.status).toBe('delivering');
    expect(mailsFor(kami, o.orderId)).toHaveLength(0);

    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    kami.mail.state.down = false;
    second = spawnWorker(kami);

    const { delivery, secrets } = await expectDeliveredOnce(kami, o, product, 4);
    // the attempt that got through was made by the second process
    expect(delivery.attempts).toBeGreaterThan(atKill.attempts);
    for (const s of secrets) expect(first.output() + second.output()).not.toContain(s);
    await second.kill('SIGTERM');
  }, 180_000);
});

describe('the Temporal server stopped and restarted on the same data file mid-order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kami-restart-'));
  let server: DevServer | undefined;
  let kami: Kami | undefined;
  afterAll(async () => {
    await kami?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing: the in-process worker and client reconnect and the order completes once', async () => {
    const opts = { cli: inject('temporalCli'), dbFile: join(dir, 'temporal.db'), port: await freePort() };
    server = await startDevServer(opts);
    kami = await startKami({ env: { TEMPORAL_ADDRESS: server.address } });
    const k = kami;
    const restart = async () => {
      await server!.stop('SIGTERM');
      server = await startDevServer(opts);
    };

    const product = await k.product(3);
    const o = await place(k, product.sku, 1, 'restart@example.com');
    const handle = k.temporal.workflow.getHandle(orderWorkflowId(o.orderId));
    // the run exists, asleep until its payment hold ends
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // 1. restart while the order awaits payment; the payment then reaches the same run
    await restart();
    k.mail.state.down = true;
    expect((await k.pay(o.orderId, o.accessToken)).status).toBe(200);

    // 2. restart while the email is in its retry loop; the retry timer lives in the server's data file
    await awaitEmailRetrying(k, o.orderId, 2);
    await restart();
    k.mail.state.down = false;

    await expectDeliveredOnce(k, o, product, 3);
  }, 180_000);
});

describe('the mail server', () => {
  let kami: Kami;
  beforeAll(async () => { kami = await startKami(); });
  afterAll(() => kami?.stop());
  afterEach(() => { kami.mail.state.down = false; });

  it('down for a while: keys are on the order page at once, the email retries and arrives once', async () => {
    const product = await kami.product(3);
    kami.mail.state.down = true;
    const o = await place(kami, product.sku, 2, 'smtp-down@example.com');
    expect((await kami.pay(o.orderId, o.accessToken)).status).toBe(200);

    await expect.poll(async () => (await kami.order(o.orderId, o.accessToken)).body.status, { timeout: 15_000 }).toBe('delivering');
    const page = (await kami.order(o.orderId, o.accessToken)).body;
    expect(page.keys).toHaveLength(2);
    for (const key of page.keys) expect(product.secrets).toContain(key);

    await expect.poll(async () => {
      const d = await kami.db.delivery.findUnique({ where: { orderId_channel: { orderId: o.orderId, channel: 'email' } } });
      return { status: d?.status, retried: (d?.attempts ?? 0) > 1 };
    }, { timeout: 30_000, interval: 100 }).toEqual({ status: 'retrying', retried: true });
    const retrying = (await kami.order(o.orderId, o.accessToken)).body;
    expect(retrying).toMatchObject({ status: 'delivering', keys: page.keys, email: { status: 'retrying' } });
    expect(mailsFor(kami, o.orderId)).toHaveLength(0);

    kami.mail.state.down = false;
    const { delivery } = await expectDeliveredOnce(kami, o, product, 3);
    expect(delivery.attempts).toBeGreaterThan(1);
    expect(delivery.lastError).toBeNull();
    expect((await kami.order(o.orderId, o.accessToken)).body.email).toMatchObject({ status: 'sent', attempts: delivery.attempts });
  }, 60_000);

  it('down beyond the give-up period: the order ends needs_attention and the keys stay readable', async () => {
    const local = await startKami({ env: { KAMI_EMAIL_GIVE_UP_AFTER: '3s' } });
    try {
      const product = await local.product(2);
      local.mail.state.down = true;
      const o = await place(local, product.sku, 1, 'smtp-gone@example.com');
      expect((await local.pay(o.orderId, o.accessToken)).status).toBe(200);

      const result = await local.temporal.workflow.getHandle(orderWorkflowId(o.orderId)).result();
      expect(result.status).toBe('needs_attention');

      const page = (await local.order(o.orderId, o.accessToken)).body;
      expect(page.status).toBe('needs_attention');
      expect(page.keys).toHaveLength(1);
      expect(product.secrets).toContain(page.keys[0]);
      expect(page.email).toMatchObject({ status: 'retrying' });
      expect(page.email.attempts).toBeGreaterThan(1);

      const order = await local.db.order.findUniqueOrThrow({ where: { id: o.orderId } });
      expect(order.attention).toBe('delivery email kept failing');
      const sold = await local.db.cardKey.findMany({ where: { orderId: o.orderId, status: 'sold' }, select: { id: true } });
      expect(sold.map((k) => k.id)).toEqual(o.reservedIds);
      const events = await local.db.orderEvent.findMany({ where: { orderId: o.orderId }, orderBy: { id: 'asc' } });
      expect(events.map((e) => e.type)).toEqual(['created', 'paid', 'rules_checked', 'delivering', 'delivery_failing', 'needs_attention']);
      expect(mailsFor(local, o.orderId)).toHaveLength(0);
    } finally {
      await local.stop();
    }
  }, 60_000);
});
