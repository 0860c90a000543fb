import { inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kami } from './kami.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const live = new Set<ChildProcess>();

export interface ChildWorker {
  pid: number;
  /** Everything the process wrote to stdout and stderr so far (its logs). */
  output(): string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Sends `signal` and waits for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/**
 * Runs `worker/main.ts` as its own operating-system process, exactly as `npm run worker` does, wired to
 * `kami`'s database, Temporal address, task queue, master key and SMTP catcher. Only the process the
 * test can SIGKILL proves that nothing an order needs lives only in a worker's memory.
 */
export function spawnWorker(kami: Kami, env: Record<string, string> = {}): ChildWorker {
  const { config } = kami;
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    // a minimal environment: nothing from the test process leaks in by accident
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: config.DATABASE_URL,
      TEMPORAL_ADDRESS: config.temporalAddress,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      KAMI_TASK_QUEUE: config.KAMI_TASK_QUEUE,
      KAMI_MASTER_KEY: config.KAMI_MASTER_KEY!,
      SMTP_URL: kami.mail.url,
      PUBLIC_URL: kami.baseUrl,
      KAMI_EMAIL_RETRY_MAX_INTERVAL: '1s',
      // the run's prebuilt bundle, as production workers load theirs: no webpack at start
      KAMI_WORKFLOW_BUNDLE: inject('workflowBundle'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const collect = (b: Buffer) => { out = (out + b.toString()).slice(-200_000); };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => { live.delete(child); resolve(code ?? signal); });
  });
  return {
    pid: child.pid!,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** SIGKILLs every worker process this file started that is still running (for afterAll/afterEach). */
export async function killSpawnedWorkers(): Promise<void> {
  await Promise.all([...live].map((c) => {
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    return gone;
  }));
}
