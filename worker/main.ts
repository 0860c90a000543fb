import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createActivityDeps } from '../activities/deps.js';
import { createActivities } from '../activities/index.js';
import { loadConfig, warnIfUnsafe } from '../infra/config.js';
import { createKeyVault } from '../infra/crypto.js';
import { createDb } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { createMailer } from '../infra/mailer.js';
import { resolveMasterKey } from '../infra/master-key.js';
import { createTemporalClient, createWorkerConnection } from '../infra/temporal.js';
import { ensurePaymentSweep } from '../infra/payment-sweep.js';
import { reconcileOrphanedOrders } from './reconcile.js';
import { PREBUILT_BUNDLE } from './bundle-path.js';
import { bundleOnce, createEventsWorker } from './events.js';
import { activityLogging } from './interceptors.js';
import { installTemporalRuntime } from '../infra/temporal-runtime.js';
import { freeLoopbackPort, scrapeText, serveMetrics } from '../infra/metrics.js';


/** The order worker: runs workflow tasks from the bundle and activities over real dependencies. */
export async function runWorker(config = loadConfig()) {
  const log = createLogger(config.LOG_LEVEL, 'worker');
  warnIfUnsafe(config, log);
  // with a metrics port, the SDK core exports its metrics on a loopback port of its own, passed on by ours
  const sdkMetrics = config.KAMI_WORKER_METRICS_PORT === undefined ? undefined : `127.0.0.1:${await freeLoopbackPort()}`;
  installTemporalRuntime(log, 'WARN', sdkMetrics);
  const db = createDb(config.DATABASE_URL);
  const mailer = createMailer(config.smtpUrl, config.MAIL_FROM);
  const vault = createKeyVault(resolveMasterKey(config).key);
  const connection = await createWorkerConnection(config.temporalAddress, log, config.temporalTls);
  // production runs a prebuilt bundle (npm run bundle:workflows); development bundles on start
  const bundle = config.KAMI_WORKFLOW_BUNDLE ?? (config.production && existsSync(PREBUILT_BUNDLE) ? PREBUILT_BUNDLE : undefined);
  if (bundle && !existsSync(bundle)) throw new Error(`KAMI_WORKFLOW_BUNDLE=${bundle} does not exist; run npm run bundle:workflows`);
  // the order worker and the events worker run the same bundle, built once
  const workflowBundle = bundle ? { codePath: bundle } : await bundleOnce(fileURLToPath(new URL('../workflows/index.ts', import.meta.url)));
  const temporal = createTemporalClient(config.temporalAddress, config.TEMPORAL_NAMESPACE, config.temporalTls);
  const merchantEmail = config.KAMI_MERCHANT_EMAIL ?? config.KAMI_ADMIN_EMAIL;
  const activityDeps = createActivityDeps({ config, db, vault, mailer, log, temporal, merchantEmail });
  const activities = createActivities(activityDeps);
  // the run's request id (memo) travels to activities as a header and into their log lines; the
  // bundle has the workflow interceptor built in (scripts/bundle-workflows.ts, bundleOnce)
  const interceptors = { activity: [activityLogging(log)] };
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.KAMI_TASK_QUEUE,
    workflowBundle,
    // a workflow cached on a worker that died is handed to another within this, not the SDK's 10 s
    stickyQueueScheduleToStartTimeout: '2s',
    interceptors,
    activities,
  });
  const events = await createEventsWorker({ connection, config, db, log, temporal, activities, workflowBundle, interceptors, merchantEmail });
  log.info({ taskQueue: config.KAMI_TASK_QUEUE, eventsTaskQueue: config.eventsTaskQueue, address: config.temporalAddress }, 'worker started');
  const metrics = config.KAMI_WORKER_METRICS_PORT === undefined ? undefined : await serveMetrics({
    host: config.KAMI_WORKER_METRICS_HOST, port: config.KAMI_WORKER_METRICS_PORT, log, extra: scrapeText(`http://${sdkMetrics}/metrics`),
  });
  if (metrics) log.info({ host: config.KAMI_WORKER_METRICS_HOST, port: metrics.port }, 'worker metrics at /metrics');
  await ensurePaymentSweep(temporal, config).catch((err) => log.warn({ err: (err as Error).message }, 'could not set up the payment reconciliation schedule; retried at the next start'));
  const { runs } = activityDeps;
  const sweep = () => reconcileOrphanedOrders({ db, runs, log }).catch((err) => log.error({ err }, 'order reconciliation failed'));
  const sweeper = setInterval(sweep, 60_000);
  void sweep();
  try {
    await Promise.all([worker.run(), events.run()]);
  } finally {
    clearInterval(sweeper);
    await metrics?.close();
    await temporal.connection.close();
    mailer.close();
    await db.$disconnect();
    await connection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runWorker();
}
