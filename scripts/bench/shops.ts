import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { freePort } from '../../test/helpers/ports.js';
import { createHttpClient } from './http.js';
import { childEnv, spawnNode, waitUntil, type Child } from './procs.js';
import type { BenchDatabase, Stack } from './stack.js';

export type ShopKind = 'kami' | 'baseline';
export const SHOP_NAMES: Record<ShopKind, string> = { kami: 'Kami (workflow)', baseline: 'Baseline (sync callback)' };

/** A shop under load, in processes of its own. Both answer the same buyer and gateway routes. */
export interface Shop {
  kind: ShopKind;
  name: string;
  baseUrl: string;
  /** Its processes, labelled (Kami: api, worker; the baseline: baseline). */
  processes: { label: string; child: Child }[];
  /** Its database (one per shop), and the application_name of its connections (their backends' CPU is charged to it). */
  data: BenchDatabase;
  pgApps: string[];
  /** Kami only: the owner signed in by the --flagged merchant. */
  admin?: { email: string; password: string };
  stop(): Promise<void>;
}

/** Where the shop's processes reach PostgreSQL: directly, or through the counting proxy (one port per process). */
export type PgRoute = (app: string) => { host: string; port: number } | undefined;

const API_MAIN = 'api/main.ts';
const WORKER_MAIN = 'worker/main.ts';
const BASELINE_MAIN = fileURLToPath(new URL('./baseline.ts', import.meta.url));
const TaskQueueType = proto.temporal.api.enums.v1.TaskQueueType;

/** Kami's processes are named `<prefix>api` and `<prefix>worker`; their connections carry the same names. */
export async function startKami(stack: Stack, opts: { prefix?: string; route?: PgRoute; say: (line: string) => void }): Promise<Shop> {
  const prefix = opts.prefix ?? 'kami-';
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const admin = { email: 'bench-owner@bench.example', password: `bench-${randomBytes(12).toString('hex')}` };
  const apiApp = `${prefix}api`, workerApp = `${prefix}worker`;
  const data = await stack.database('kami');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const common = {
      NODE_ENV: 'development',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      KAMI_TASK_QUEUE: taskQueue,
      KAMI_MASTER_KEY: stack.masterKey,
      SMTP_URL: stack.mail.url,
      KAMI_CHECKOUT_RATE_LIMIT: '0',
      // each buyer is a person of its own, at its own address (X-Forwarded-For from the harness on loopback)
      KAMI_TRUST_PROXY: 'loopback',
      KAMI_DEMO: '0',
      KAMI_ADMIN_EMAIL: admin.email,
      KAMI_ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: 'warn',
      KAMI_SANDBOX_PAYMENTS: '1',
      // long enough that no order of the run expires; --unpaid orders stay open to the end
      KAMI_PAYMENT_HOLD: '2h',
      KAMI_DATA_DIR: join(stack.dir, 'kami-data'),
      KAMI_WORKFLOW_BUNDLE: stack.bundlePath,
    };
    const api = spawnNode(apiApp, API_MAIN, childEnv({ ...common, DATABASE_URL: data.url(apiApp, opts.route?.(apiApp)) }), stack.logDir);
    stack.track(api.pid);
    const worker = spawnNode(workerApp, WORKER_MAIN, childEnv({ ...common, DATABASE_URL: data.url(workerApp, opts.route?.(workerApp)) }), stack.logDir);
    stack.track(worker.pid);
    const stop = async () => { await api.stop(); await worker.stop(15_000); };
    try {
      const http = createHttpClient(baseUrl, 5000);
      try {
        await waitUntil(api, 'ready (GET /readyz)', async () => (await http.call('GET', '/readyz', 200), true));
      } finally {
        http.close();
      }
      await waitUntil(worker, `polling task queue ${taskQueue}`, async () => {
        const res = await stack.temporal.workflowService.describeTaskQueue({
          namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return (res.pollers?.length ?? 0) > 0;
      });
    } catch (err) {
      await stop();
      // the port found free was taken meanwhile (shared machine): once more on another
      if (attempt < 3 && /EADDRINUSE/.test(api.tail())) continue;
      throw err;
    }
    opts.say(`  ${SHOP_NAMES.kami}${opts.route ? ' (through the SQL-counting proxy)' : ''}: node --import tsx ${API_MAIN} (pid ${api.pid}) and ${WORKER_MAIN} (pid ${worker.pid}) on ${baseUrl}, task queue ${taskQueue}`);
    return {
      kind: 'kami', name: SHOP_NAMES.kami, baseUrl,
      processes: [{ label: 'api', child: api }, { label: 'worker', child: worker }],
      data, pgApps: [apiApp, workerApp], admin, stop,
    };
  }
}

/** baseline.ts in a process of its own, on a database of its own (same migrations), the same SMTP sink and master key. */
export async function startBaseline(stack: Stack, opts: { app?: string; route?: PgRoute; say: (line: string) => void }): Promise<Shop> {
  const app = opts.app ?? 'kami-bench-baseline';
  const data = await stack.database('baseline');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const child = spawnNode(app, BASELINE_MAIN, childEnv({
      NODE_ENV: 'development', PORT: String(port), PUBLIC_URL: baseUrl, DATABASE_URL: data.url(app, opts.route?.(app)),
      KAMI_MASTER_KEY: stack.masterKey, SMTP_URL: stack.mail.url, LOG_LEVEL: 'warn', KAMI_DEMO: '0',
    }), stack.logDir);
    stack.track(child.pid);
    try {
      const http = createHttpClient(baseUrl, 5000);
      try {
        await waitUntil(child, 'ready (GET /readyz)', async () => (await http.call('GET', '/readyz', 200), true));
      } finally {
        http.close();
      }
    } catch (err) {
      await child.stop();
      if (attempt < 3 && /EADDRINUSE/.test(child.tail())) continue;
      throw err;
    }
    opts.say(`  ${SHOP_NAMES.baseline}${opts.route ? ' (through the SQL-counting proxy)' : ''}: node --import tsx scripts/bench/baseline.ts (pid ${child.pid}) on ${baseUrl}`);
    return {
      kind: 'baseline', name: SHOP_NAMES.baseline, baseUrl,
      processes: [{ label: 'baseline', child }], data, pgApps: [app],
      stop: () => child.stop(),
    };
  }
}
