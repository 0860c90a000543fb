import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AWAITING_PERSON, ORDER_STATUSES } from '../domain/order-status.js';
import type { Db } from './db.js';
import type { Logger } from './logger.js';

/**
 * Kami's Prometheus metrics: one registry per process (the API and the worker each serve theirs).
 * Everything observed on a request or an activity is a counter or histogram in memory; only the
 * order gauges read PostgreSQL, at scrape time, with one GROUP BY cached for a few seconds.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'kami_' });

/** Payment stored → keys readable by the buyer; observed by the worker's settle step when it delivers. */
export const paymentToReadable = new Histogram({
  name: 'kami_payment_to_readable_seconds',
  help: 'Time from a stored payment (received_at) to the settle step making the order\'s keys readable, for orders delivered without a person.',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

/** The settle step (rules and the key claim in one local activity), by what it decided. */
export const settleDuration = new Histogram({
  name: 'kami_settle_seconds',
  help: 'Latency of the settle step (rules and key claim for a payment), by outcome.',
  labelNames: ['outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const deliveryEmails = new Counter({
  name: 'kami_delivery_emails_total',
  help: 'Delivery emails handed to SMTP (sent) or refused by it (failed; the activity retries).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const deliverySms = new Counter({
  name: 'kami_delivery_sms_total',
  help: 'Buyers\' SMS by provider and result: sent, retrying (the provider did not send it), failed (refused for good), unknown (no answer: not sent again).',
  labelNames: ['provider', 'result'] as const,
  registers: [registry],
});

export const webhookNotifications = new Counter({
  name: 'kami_webhook_notifications_total',
  help: 'Payment gateway notifications: recorded, duplicate (changed nothing) or refused.',
  labelNames: ['provider', 'result'] as const,
  registers: [registry],
});

export const webhookVerificationFailures = new Counter({
  name: 'kami_webhook_verification_failures_total',
  help: 'Payment notifications whose signature or body failed verification, by error code.',
  labelNames: ['provider', 'code'] as const,
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'kami_http_requests_total',
  help: 'HTTP requests answered by the API, by method, route pattern and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'kami_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method and route pattern.',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/** How long the order gauges' one query is reused: scrapes cannot hammer PostgreSQL. */
export const STORE_GAUGES_TTL_MS = 5_000;

let store: { db: Db; log: Logger } | undefined;

/**
 * Adds the gauges read from PostgreSQL at scrape time (the API's registry): orders by status and
 * the operator inbox's size and oldest wait. Calling it again only points them at another db.
 */
export function exposeStoreGauges(db: Db, log: Logger): void {
  const first = !store;
  store = { db, log };
  if (!first) return;

  let cached: { at: number; read: Promise<StoreSnapshot | undefined> } | undefined;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > STORE_GAUGES_TTL_MS) {
      const { db: from, log: to } = store!;
      cached = { at: Date.now(), read: readStore(from).catch((err) => { to.warn({ err: (err as Error).message }, 'metrics: reading order counts failed'); return undefined; }) };
    }
    return cached.read;
  };

  new Gauge({
    name: 'kami_orders',
    help: 'Orders by status (PostgreSQL, read at scrape time, cached 5 s).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset(); // an unreadable database leaves the series absent rather than stale
      if (s) for (const status of ORDER_STATUSES) this.set({ status }, s.byStatus.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'kami_inbox_orders',
    help: 'Orders waiting for a person (in_review, backorder, needs_attention).',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) this.set(s.inbox);
    },
  });
  new Gauge({
    name: 'kami_inbox_oldest_wait_seconds',
    help: 'How long the oldest order in the inbox has waited (since review_since, else updated_at); 0 when empty.',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) this.set(s.oldestWaitSeconds);
    },
  });
}

interface StoreSnapshot { byStatus: Map<string, number>; inbox: number; oldestWaitSeconds: number }

async function readStore(db: Db): Promise<StoreSnapshot> {
  // counts come from the (status, created_at) index; the inbox's oldest wait reads only inbox rows, once
  const rows = await db.$queryRaw<{ status: string; n: number; oldest: number | null }[]>`
    SELECT status, count(*)::int AS n,
           (SELECT extract(epoch FROM now() - min(coalesce(review_since, updated_at)))::float8
              FROM "order" WHERE status = ANY(${[...AWAITING_PERSON]}::text[])) AS oldest
    FROM "order" GROUP BY status`;
  const byStatus = new Map(rows.map((r) => [r.status, r.n]));
  return {
    byStatus,
    inbox: AWAITING_PERSON.reduce((sum, status) => sum + (byStatus.get(status) ?? 0), 0),
    oldestWaitSeconds: Math.max(0, rows[0]?.oldest ?? 0),
  };
}

/** The registry in Prometheus text format, plus `extra` exposition text (the Temporal SDK's, in the worker). */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await registry.metrics();
  if (!extra) return own;
  return `${own}\n${await extra()}`;
}

export const METRICS_CONTENT_TYPE = registry.contentType;

/**
 * The worker's scrape target: `GET /metrics` on its own port (the worker has no HTTP server
 * otherwise). Bind it to loopback or an internal network: it has no authentication.
 */
export async function serveMetrics(opts: { host: string; port: number; log: Logger; extra?: () => Promise<string> }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'route_not_found', message: 'only GET /metrics is served here' } }));
      return;
    }
    metricsText(opts.extra).then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      (err) => {
        opts.log.warn({ err: (err as Error).message }, 'metrics: scrape failed');
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal_error', message: 'collecting metrics failed' } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, opts.host, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return { server, port, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/**
 * Fetches another exporter's text (the Temporal SDK core's Prometheus endpoint on loopback) for
 * one scrape; a failure costs that part only, with a comment saying so.
 */
export function scrapeText(url: string): () => Promise<string> {
  return async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) return `# ${url} answered ${res.status}\n`;
      return await res.text();
    } catch (err) {
      return `# ${url} unreachable: ${(err as Error).message.replace(/\n/g, ' ')}\n`;
    }
  };
}

/** A free TCP port on loopback (for the Temporal SDK core's exporter, which cannot report an ephemeral one). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
