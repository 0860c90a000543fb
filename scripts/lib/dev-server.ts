import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages.js';

export interface DevServerOptions {
  cli: string;
  dbFile: string;
  port: number;
  /** Omit to run headless (no Web UI). */
  uiPort?: number;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** `--dynamic-config-value` settings on top of THROUGHPUT_CONFIG (a key set to undefined drops it). */
  dynamicConfig?: Record<string, string | number | boolean | undefined>;
}

/**
 * Dynamic config for an embedded server that one Kami worker polls (each measured by `npm run bench`):
 * - Kami registers its search attributes at start, so the CLI's forced cache refresh on every read
 *   (a SQLite read under the server's one connection) buys nothing;
 * - an activity scheduled by a workflow task comes back in that task's completion (no poll round trip);
 * - one task-queue partition: with one worker, more partitions only forward tasks between themselves.
 */
export const THROUGHPUT_CONFIG: Record<string, string | number | boolean> = {
  'system.forceSearchAttributesCacheRefreshOnRead': false,
  'system.enableActivityEagerExecution': true,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/**
 * Runs `temporal server start-dev` persisting to a SQLite file, with Kami's search attributes
 * registered, and resolves once its gRPC endpoint answers.
 */
export async function startDevServer(o: DevServerOptions) {
  const args = ['server', 'start-dev', '--db-filename', o.dbFile, '--port', String(o.port), '--ip', '127.0.0.1',
    '--namespace', o.namespace ?? 'default', '--log-level', o.logLevel ?? 'error',
    // one SQLite connection serialises the server's writes; WAL without a sync per commit keeps a
    // workflow task from queueing behind fsyncs (measured: queue wait p50 281 → 20 ms at 8 buyers)
    '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
  if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries({ ...THROUGHPUT_CONFIG, ...o.dynamicConfig })) {
    if (value !== undefined) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const child: ChildProcess = spawn(o.cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${o.port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 250))]);
    if (early !== 'running') throw new Error(`Temporal dev server exited (code ${early}):\n${stderr}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      break;
    } catch {
      if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`Temporal dev server did not answer on ${address} within 60s:\n${stderr}`); }
    }
  }

  return {
    address,
    process: child,
    /** Stops the server (SIGTERM, then SIGKILL after 10s) and waits for it to exit. */
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
export type DevServer = Awaited<ReturnType<typeof startDevServer>>;
