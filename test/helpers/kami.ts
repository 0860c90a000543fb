import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivityDeps } from '../../activities/deps.js';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { createApiDeps } from '../../api/deps.js';
import { loadConfig, type Config } from '../../infra/config.js';
import { createKeyVault, type KeyVault } from '../../infra/crypto.js';
import { createDb, type Db } from '../../infra/db.js';
import { importKeys } from '../../infra/key-import.js';
import { createLogger, type Logger } from '../../infra/logger.js';
import { createMailer } from '../../infra/mailer.js';
import { createTemporalClient, createWorkerConnection } from '../../infra/temporal.js';
import { startMailCatcher, type MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { createEventsWorker } from '../../worker/events.js';
import { activityLogging } from '../../worker/interceptors.js';
import { freshDatabase } from './fresh-db.js';

/** Where review reminders go in tests. */
export const MERCHANT_EMAIL = 'merchant@test.kami';


/** The workflow bundle the global setup built once for the whole run. */
export const sharedBundle = () => ({ codePath: inject('workflowBundle') });

export interface KamiOptions {
  env?: Record<string, string>;
  /** false: no in-process worker (the test runs its own, e.g. as a child process). */
  worker?: boolean;
  /** The API's and the worker's logger (default: silent). */
  log?: Logger;
  /**
   * Also run the events worker and relay (webhooks, merchant notices). The outbox is shared by every
   * Kami on a database, and each test Kami has its own master key and inbox: give a Kami that relays
   * a database of its own (freshDatabase) unless it is the only one relaying on the shared one.
   */
  events?: boolean;
  /**
   * A migrated database of its own (named with this label), dropped at stop: for files that change
   * the shop's singletons (the stacking policy, the shop's settings) or count "nothing exists yet",
   * which other files running beside them on the shared database would see change under them.
   */
  freshDatabase?: string;
}

/**
 * A whole Kami in this process: the real API listening on a free port, a real worker on its own task
 * queue, a real SMTP server as the buyer's inbox, all against the run's PostgreSQL and Temporal.
 */
export async function startKami(opts: KamiOptions = {}) {
  const mail = await startMailCatcher();
  const own = opts.freshDatabase ? await freshDatabase(opts.freshDatabase) : undefined;
  // a restart test gives the second Kami the first one's key (and task queue) to carry on its work
  const masterKey = opts.env?.KAMI_MASTER_KEY ?? randomBytes(32).toString('hex');
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: own?.url ?? inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    KAMI_TASK_QUEUE: `test-${randomUUID()}`,
    KAMI_MASTER_KEY: masterKey,
    SMTP_URL: mail.url,
    KAMI_CHECKOUT_RATE_LIMIT: '0',
    // tests speak for many buyers through X-Forwarded-For, as a reverse proxy on loopback would
    KAMI_TRUST_PROXY: 'loopback',
    // hold caps and shares are tested where they are the subject (test/api/fair-holds.test.ts)
    KAMI_MAX_UNPAID_PER_ADDRESS: '0',
    KAMI_MAX_UNPAID_PER_BUYER: '0',
    KAMI_MAX_HOLD_SHARE: '100',
    KAMI_PAYMENT_HOLD: '30s',
    KAMI_EMAIL_GIVE_UP_AFTER: '30s',
    KAMI_EMAIL_RETRY_MAX_INTERVAL: '1s',
    KAMI_WEBHOOK_TIMEOUT: '2s',
    KAMI_WEBHOOK_RETRY_INITIAL: '200ms',
    KAMI_WEBHOOK_RETRY_MAX_INTERVAL: '1s',
    KAMI_WEBHOOK_GIVE_UP_AFTER: '30s',
    KAMI_STOCK_CHECK_EVERY: '1s',
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...opts.env,
  });
  const log = opts.log ?? createLogger(config.LOG_LEVEL, 'test');
  const db = createDb(config.DATABASE_URL, 20);
  const vault = createKeyVault(Buffer.from(masterKey, 'hex'));
  const temporal = await createTemporalClient(config.temporalAddress, config.TEMPORAL_NAMESPACE, config.temporalTls);
  // listen first: payment links and emails must point at the real port
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.publicUrl = baseUrl;
  const deps = createApiDeps({ config, db, temporal, vault, log, selfUrl: () => baseUrl });
  server.on('request', createApp(deps));

  const mailer = createMailer(config.smtpUrl, config.MAIL_FROM);
  let worker: Worker | undefined;
  let events: Awaited<ReturnType<typeof createEventsWorker>> | undefined;
  let running: Promise<void> | undefined;
  if (opts.worker !== false) {
    const connection = await createWorkerConnection(config.temporalAddress, undefined, config.temporalTls);
    const activities = createActivities(createActivityDeps({ config, db, vault, mailer, log, temporal, merchantEmail: MERCHANT_EMAIL }));
    const interceptors = { activity: [activityLogging(log)] };
    worker = await Worker.create({ connection, taskQueue: config.KAMI_TASK_QUEUE, workflowBundle: sharedBundle(), interceptors, activities });
    events = opts.events
      ? await createEventsWorker({ connection, config, db, log, temporal, activities, workflowBundle: sharedBundle(), interceptors, merchantEmail: MERCHANT_EMAIL })
      : undefined;
    running = Promise.all([worker.run(), events?.run()]).then(() => undefined).finally(() => connection.close());
  }

  const kami = {
    config, db, vault, temporal, mail, baseUrl, log, runs: deps.runs,
    /** The event relay (with `events: true`). */
    get relay() { return events?.relay; },
    /** Creates a product with `stock` fresh keys; returns it and the key texts. */
    async product(stock: number, over: Partial<{ priceCents: number; currency: string; name: string; rules: Record<string, unknown> }> = {}) {
      const sku = `T-${randomUUID().slice(0, 8)}`;
      const product = await db.product.create({
        data: {
          sku, name: over.name ?? `Test product ${sku}`, priceCents: over.priceCents ?? 500, currency: over.currency ?? 'USD',
          guide: 'Redeem it **anywhere**.', rules: (over.rules ?? {}) as never,
        },
      });
      const secrets = Array.from({ length: stock }, (_, i) => `KEY-${sku}-${i}-${randomBytes(4).toString('hex')}`);
      if (stock) await importKeys(db, vault, product.id, secrets, 'test');
      return { ...product, secrets };
    },
    async checkout(body: Record<string, unknown>, headers: Record<string, string> = {}) {
      const res = await fetch(`${baseUrl}/api/v1/orders`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as any };
    },
    async pay(orderId: string, token: string) {
      const res = await fetch(`${baseUrl}/sandbox/pay/${orderId}?token=${token}`, { method: 'POST', headers: { accept: 'application/json' } });
      return { status: res.status, body: await res.json() as any };
    },
    async order(orderId: string, token: string) {
      const res = await fetch(`${baseUrl}/api/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() as any };
    },
    async stop() {
      events?.worker.shutdown();
      worker?.shutdown();
      await running;
      mailer.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await deps.close();
      await temporal.connection.close();
      await db.$disconnect();
      await mail.close();
      await own?.drop();
    },
  };
  return kami;
}
export type Kami = Awaited<ReturnType<typeof startKami>>;
export type { Db, KeyVault, MailCatcher };
