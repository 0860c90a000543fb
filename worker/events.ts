import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerInterceptors, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db.js';
import { startEventRelay } from '../infra/events/relay.js';
import { outboundRuns } from '../infra/events/runs.js';
import type { Logger } from '../infra/logger.js';
import { durationMs } from '../infra/config.js';
import { WORKFLOW_INTERCEPTOR_MODULES } from './bundle-path.js';

export interface EventsWorkerOptions {
  connection: NativeConnection;
  config: Config;
  db: Db;
  log: Logger;
  temporal: Client;
  activities: Activities;
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  interceptors?: WorkerInterceptors;
  /** Where merchant notices go by email (KAMI_MERCHANT_EMAIL_NOTICES picks which). */
  merchantEmail?: string;
}

/**
 * The events side of a worker process: a second Temporal worker on the events task queue (webhook
 * deliveries and merchant notices, with activity slots of their own, so a slow endpoint never takes
 * one an order needs) and the relay that turns queued order facts into them.
 */
export async function createEventsWorker(o: EventsWorkerOptions) {
  const { config } = o;
  const worker = await Worker.create({
    connection: o.connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.eventsTaskQueue,
    workflowBundle: o.workflowBundle, activities: o.activities, ...(o.interceptors ? { interceptors: o.interceptors } : {}),
    stickyQueueScheduleToStartTimeout: '2s',
  });
  const relay = startEventRelay({
    db: o.db, databaseUrl: config.DATABASE_URL, log: o.log, stockCheckMs: durationMs(config.KAMI_STOCK_CHECK_EVERY),
    runs: outboundRuns(o.temporal, config.eventsTaskQueue, { initialInterval: config.outbound.initialInterval, maximumInterval: config.outbound.maximumInterval, giveUpAfter: config.outbound.giveUpAfter }),
    audience: { merchantEmail: o.merchantEmail, emailNotices: config.KAMI_MERCHANT_EMAIL_NOTICES, telegram: Boolean(config.KAMI_TELEGRAM_BOT_TOKEN) },
  });
  return {
    worker,
    relay,
    /** Runs until the worker shuts down (a signal, or shutdown()), then stops the relay. */
    run: () => worker.run().finally(() => relay.close()),
  };
}

/** Development: both workers of the process run one bundle, built once (the order worker's own options would bundle it again). */
export async function bundleOnce(workflowsPath: string) {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES });
  return { code };
}
