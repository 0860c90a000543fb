import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sha256Hex } from '../../infra/crypto.js';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server.js';
import { call } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { freePort } from '../helpers/ports.js';
import { killSpawnedWorkers, spawnWorker } from '../helpers/processes.js';

// While Temporal or PostgreSQL is away Kami answers 503 with Retry-After (never 500), says which on
// /readyz, and its worker waits instead of exiting; when they come back, it carries on by itself.

describe('Temporal is away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kami-away-'));
  let kami: Kami | undefined;
  let server: DevServer | undefined;
  afterAll(async () => {
    await killSpawnedWorkers();
    await kami?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the API answers 503 and the worker waits; once Temporal is up, the order placed meanwhile is delivered', async () => {
    const port = await freePort();
    kami = await startKami({ worker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
    const worker = spawnWorker(kami);
    const product = await kami.product(2);

    const ready = await call(kami, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: 'ok', temporal: expect.stringMatching(/^unavailable/) });

    const key = `away-${port}-abcdefghijklmnop`;
    const body = { sku: product.sku, quantity: 1, email: 'away@example.com' };
    const refused = await call(kami, 'POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key } });
    expect(refused.status, refused.text).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.error.code).toBe('service_unavailable');

    // the worker is still there, waiting
    await new Promise((r) => setTimeout(r, 3000));
    expect(worker.output()).toMatch(/Temporal is not reachable/);
    expect(await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('running'), 100))])).toBe('running');

    server = await startDevServer({ cli: inject('temporalCli'), dbFile: join(dir, 'temporal.db'), port });
    await expect.poll(async () => (await call(kami!, 'GET', '/readyz')).status, { timeout: 30_000 }).toBe(200);
    // the retried checkout finds the order the refused one committed, and starts its run
    const placed = await call(kami, 'POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key } });
    expect(placed.status, placed.text).toBe(201);
    expect(await kami.db.order.count({ where: { idempotencyKey: sha256Hex(key) } })).toBe(1);
    expect((await kami.pay(placed.body.orderId, placed.body.accessToken)).status).toBe(200);
    await expect.poll(async () => (await kami!.order(placed.body.orderId, placed.body.accessToken)).body.status, { timeout: 30_000 }).toBe('delivered');
  }, 120_000);
});

describe('PostgreSQL is away', () => {
  let kami: Kami | undefined;
  afterAll(() => kami?.stop());

  it('the API answers 503 with Retry-After, not 500, and /readyz names PostgreSQL', async () => {
    kami = await startKami({ worker: false });
    const product = await kami.product(1);
    // point a second Kami at a port where no PostgreSQL listens
    const url = new URL(kami.config.DATABASE_URL);
    url.port = String(await freePort());
    const away = await startKami({ worker: false, env: { DATABASE_URL: url.toString() } });
    try {
      const res = await call(away, 'POST', '/api/v1/orders', { body: { sku: product.sku, quantity: 1, email: 'pg-away@example.com' } });
      expect(res.status, res.text).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const ready = await call(away, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toMatch(/^unavailable/);
    } finally {
      await away.stop();
    }
  }, 60_000);
});
