import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { loadConfig } from '../../infra/config.js';
import { call, expectError, notify, paymentFor } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { freePort } from '../helpers/ports.js';
import { killSpawnedWorkers, spawnWorker } from '../helpers/processes.js';

const TOKEN = 'metrics-token-for-tests-0123456789';

/** The sum of the samples of `name` whose labels include `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

/** Every JSON line a pino logger wrote, parsed. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

const metrics = (kami: Kami, headers: Record<string, string> = {}) => call(kami, 'GET', '/metrics', { headers });

async function deliveredOrder(kami: Kami, requestId: string) {
  const product = await kami.product(2);
  const created = await kami.checkout({ sku: product.sku, quantity: 1, email: 'metrics@example.com' }, { 'x-request-id': requestId });
  expect(created.status).toBe(201);
  const { orderId, accessToken } = created.body;
  expect((await kami.pay(orderId, accessToken)).status).toBe(200);
  await expect.poll(async () => (await kami.order(orderId, accessToken)).body.status, { timeout: 20_000 }).toBe('delivered');
  return created.body as { orderId: string; accessToken: string; amountDueCents: number; currency: string };
}

describe('observability: /metrics and request ids', () => {
  const captured = capturedLogger();
  let kami: Kami;
  beforeAll(async () => { kami = await startKami({ log: captured.log, env: { KAMI_METRICS_TOKEN: TOKEN } }); });
  afterAll(() => kami?.stop());

  it('after a real order: orders by status, payment → readable, settle, email, HTTP by route and process metrics', async () => {
    const { orderId } = await deliveredOrder(kami, `req-${randomUUID()}`);
    const res = await metrics(kami);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(sample(text, 'kami_orders', { status: 'delivered' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_orders', { status: 'refunded' })).toBeGreaterThanOrEqual(0); // every status has a series
    expect(sample(text, 'kami_inbox_orders')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'kami_inbox_oldest_wait_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'kami_payment_to_readable_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_payment_to_readable_seconds_bucket', { le: '60' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_settle_seconds_count', { outcome: 'deliver' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_delivery_emails_total', { result: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_webhook_notifications_total', { provider: 'sandbox', result: 'recorded' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_http_requests_total', { method: 'POST', route: '/api/v1/orders', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_http_requests_total', { method: 'GET', route: '/api/v1/orders/:orderId', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/payments/:provider/notify' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(orderId); // route patterns, never raw URLs
    // default process metrics, prefixed
    expect(sample(text, 'kami_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'kami_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^# HELP kami_orders \S/m);
  });

  it('counts a forged payment notification as refused, by verification code', async () => {
    const product = await kami.product(1);
    const { body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'forged@example.com' });
    const before = (await metrics(kami)).text;
    const forged = await notify(kami, paymentFor(body), { secret: 'not-the-webhook-secret' });
    expectError(forged, 401, 'invalid_signature', 'forged notification');
    const after = (await metrics(kami)).text;
    const delta = (name: string, labels: Record<string, string>) => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('kami_webhook_verification_failures_total', { provider: 'sandbox', code: 'invalid_signature' })).toBe(1);
    expect(delta('kami_webhook_notifications_total', { provider: 'sandbox', result: 'refused' })).toBe(1);
    expect(delta('kami_webhook_notifications_total', { provider: 'sandbox', result: 'recorded' })).toBe(0);

    // a provider that is not enabled: refused under one label, whatever the path names
    const before2 = (await metrics(kami)).text;
    expectError(await notify(kami, paymentFor(body), { provider: 'no-such-gateway' }), 404, 'unknown_provider', 'unknown provider');
    const after2 = (await metrics(kami)).text;
    expect((sample(after2, 'kami_webhook_notifications_total', { provider: 'unknown', result: 'refused' }) ?? 0)
      - (sample(before2, 'kami_webhook_notifications_total', { provider: 'unknown', result: 'refused' }) ?? 0)).toBe(1);
    expect(after2).not.toContain('no-such-gateway');
  });

  it('serves /metrics to loopback and to the bearer token only', async () => {
    expect((await metrics(kami)).status).toBe(200);
    // a buyer through the (trusted, loopback) proxy is not local
    expectError(await metrics(kami, { 'x-forwarded-for': '203.0.113.7' }), 403, 'metrics_forbidden', 'proxied, no token');
    expectError(await metrics(kami, { 'x-forwarded-for': '203.0.113.7', authorization: 'Bearer wrong-token-wrong-token' }), 403, 'metrics_forbidden', 'wrong token');
    expectError(await metrics(kami, { authorization: 'Bearer wrong-token-wrong-token' }), 403, 'metrics_forbidden', 'wrong token from loopback');
    const withToken = await metrics(kami, { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${TOKEN}` });
    expect(withToken.status).toBe(200);
    expect(withToken.text).toContain('kami_orders');
  });

  it('puts the checkout request id in the run\'s memo and in every activity log line of the order', async () => {
    const requestId = `req-${randomUUID()}`;
    const { orderId } = await deliveredOrder(kami, requestId);
    const described = await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(described.memo).toEqual({ requestId });

    const ofOrder = captured.lines.filter((l) => l.orderId === orderId);
    const types = new Set(ofOrder.map((l) => l.activityType));
    expect([...types]).toEqual(expect.arrayContaining(['settlePayment', 'deliverKeys']));
    for (const line of ofOrder) {
      expect(line).toMatchObject({ requestId, orderId, workflowId: orderWorkflowId(orderId), attempt: expect.any(Number) });
    }
    // a body that arrives after the headers: the parser's callback still runs in the request's context
    const slowId = `req-${randomUUID()}`;
    const product = await kami.product(1);
    const slow = await slowCheckout(kami, { sku: product.sku, quantity: 1, email: 'slow@example.com' }, slowId);
    expect(slow.status).toBe(201);
    expect((await kami.temporal.workflow.getHandle(orderWorkflowId(slow.body.orderId)).describe()).memo).toEqual({ requestId: slowId });

    // nothing secret on the way
    const text = JSON.stringify(captured.lines);
    const order = await kami.db.order.findUniqueOrThrow({ where: { id: orderId }, select: { id: true } });
    expect(text).not.toContain(kami.vault.orderAccessToken(order.id));
  });
});

/** A checkout whose JSON body arrives in pieces after the headers (a slow client), so the body parser resumes from socket events. */
function slowCheckout(kami: Kami, body: object, requestId: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(`${kami.baseUrl}/api/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': requestId } }, (res) => {
      let out = '';
      res.on('data', (c) => { out += c; }).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(out) }));
    });
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.write(text.slice(0, 10)), 100);
    setTimeout(() => req.end(text.slice(10)), 200);
  });
}

describe('the worker\'s own metrics port', () => {
  let kami: Kami;
  beforeAll(async () => { kami = await startKami({ worker: false }); });
  afterAll(async () => { await killSpawnedWorkers(); await kami?.stop(); });

  it('serves Kami\'s worker metrics, process metrics and the Temporal SDK\'s, on loopback; activity lines carry the request id', async () => {
    const port = await freePort();
    const worker = spawnWorker(kami, { KAMI_WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'debug' });
    await expect.poll(() => worker.output(), { timeout: 60_000 }).toContain('worker metrics at /metrics');
    const requestId = `req-${randomUUID()}`;
    const { orderId } = await deliveredOrder(kami, requestId);

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'kami_payment_to_readable_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_settle_seconds_count', { outcome: 'deliver' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_delivery_emails_total', { result: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kami_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).not.toMatch(/^kami_orders/m); // orders by status are the API's
    // the SDK core's own metrics, passed on from its loopback exporter
    expect(text).toMatch(/^temporal_\w+/m);
    expect(sample(text, 'temporal_worker_start')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'temporal_local_activity_total', { activity_type: 'settlePayment', task_queue: kami.config.KAMI_TASK_QUEUE })).toBeGreaterThanOrEqual(1);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

    const lines = worker.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const settle = lines.find((l) => l.orderId === orderId && l.activityType === 'settlePayment');
    expect(settle).toMatchObject({ requestId, orderId, msg: 'activity completed' });
    await worker.kill();
  });
});

describe('metrics configuration', () => {
  it('takes a metrics token of at least 16 characters (empty = unset), and the worker\'s port and host', () => {
    expect(loadConfig({}).KAMI_METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ KAMI_METRICS_TOKEN: '' }).KAMI_METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ KAMI_METRICS_TOKEN: 'too-short' })).toThrow(/KAMI_METRICS_TOKEN/);
    expect(loadConfig({})).toMatchObject({ KAMI_WORKER_METRICS_HOST: '127.0.0.1' });
    expect(loadConfig({ KAMI_WORKER_METRICS_PORT: '' }).KAMI_WORKER_METRICS_PORT).toBeUndefined();
    expect(loadConfig({ KAMI_WORKER_METRICS_PORT: '9464', KAMI_WORKER_METRICS_HOST: '0.0.0.0' })).toMatchObject({ KAMI_WORKER_METRICS_PORT: 9464, KAMI_WORKER_METRICS_HOST: '0.0.0.0' });
    expect(() => loadConfig({ KAMI_WORKER_METRICS_PORT: '70000' })).toThrow(/KAMI_WORKER_METRICS_PORT/);
  });
});
