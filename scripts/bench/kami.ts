import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { createDb } from '../../infra/db.js';
import { createMailer } from '../../infra/mailer.js';
import { createTemporalClient } from '../../infra/temporal.js';
import { activityTimer } from './activity-timing.js';
import { historyBreakdown } from './history.js';
import { startMerchant } from './merchant.js';
import type { BenchOptions } from './options.js';
import type { Stack } from './stack.js';
import type { Target } from './target.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/**
 * The real Kami in this process: createApp on a free port (its own pool, as api/main.ts) and a Worker
 * over createActivities (its own pool, as worker/main.ts), with the tuning flags applied.
 */
export async function startKamiTarget(stack: Stack, o: BenchOptions): Promise<Target> {
  const { config, vault, log } = stack;
  const apiDb = createDb(config.DATABASE_URL, o.apiPool);
  const workerDb = createDb(config.DATABASE_URL, o.workerPool);
  const temporal = await createTemporalClient(config.temporalAddress, config.TEMPORAL_NAMESPACE);
  let baseUrl = '';
  const server = createApp({ config, db: apiDb, temporal, vault, log, selfUrl: () => baseUrl }).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mailer = createMailer(config.smtpUrl, config.MAIL_FROM);
  const timer = activityTimer();
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.KAMI_TASK_QUEUE,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundler }),
    activities: createActivities({ db: workerDb, vault, mailer, log, publicUrl: baseUrl }),
    maxConcurrentWorkflowTaskExecutions: o.workflowTaskSlots,
    workflowTaskPollerBehavior: o.workflowTaskPollers ? { type: 'simple-maximum', maximum: o.workflowTaskPollers } : undefined,
    maxCachedWorkflows: o.maxCachedWorkflows,
    maxConcurrentLocalActivityExecutions: o.localActivitySlots,
    interceptors: { activity: [timer.interceptor] },
  });
  const running = worker.run();

  return {
    name: 'Kami (workflow)',
    baseUrl,
    db: apiDb,
    history: (orderIds) => historyBreakdown(temporal, orderIds),
    takeActivityTimings: timer.take,
    startMerchant: (productId, signal) => startMerchant(baseUrl, apiDb, productId, signal),
    async stop() {
      // on Ctrl-C the SDK has already begun shutting the worker down by itself
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      mailer.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await temporal.connection.close();
      await Promise.all([apiDb.$disconnect(), workerDb.$disconnect()]);
    },
  };
}
