import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A process the bench started: its output goes to a log file (never into the report). */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
  running(): boolean;
  /** The last lines of its log, for an error message. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Variables a shop's configuration reads: the bench sets every one it wants and passes none of the caller's through. */
const CONFIG_PREFIXES = ['KAMI_', 'TEMPORAL_', 'DATABASE_URL', 'SMTP_URL', 'MAIL_FROM', 'PORT', 'PUBLIC_URL', 'LOG_LEVEL', 'NODE_ENV'];

export function childEnv(vars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !CONFIG_PREFIXES.some((p) => k.startsWith(p))) env[k] = v;
  return { ...env, ...vars };
}

function wrap(name: string, child: ChildProcess, logPath: string): Child {
  if (!child.pid) throw new Error(`${name} did not start`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  let done = false;
  void exited.then(() => { done = true; });
  return {
    name, pid: child.pid, process: child, logPath, exited,
    running: () => !done,
    tail(lines = 30) {
      try { return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
    },
    async stop(graceMs = 10_000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `node --import tsx <script>` from the repository root, as `npm run api` / `npm run worker` start
 * Kami in production. Detached (its own process group), so Ctrl-C in the terminal reaches only the
 * bench, which stops its children in order; the janitor is told the pid in case the bench is killed.
 */
export function spawnNode(name: string, script: string, env: Record<string, string>, logDir: string): Child {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, env, stdio: ['ignore', fd, fd], detached: true });
    return wrap(name, child, logPath);
  } finally {
    closeSync(fd);
  }
}

/** A bench helper (the mail sink) with an IPC channel to the bench. */
export function forkHelper(name: string, script: string, logDir: string): Child {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  try {
    const child = fork(script, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', fd, fd, 'ipc'], detached: true });
    return wrap(name, child, logPath);
  } finally {
    closeSync(fd);
  }
}

/** Polls `ready` every 200 ms until it resolves true; fails early with the log's tail if the child exits. */
export async function waitUntil(child: Child, what: string, ready: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running()) throw new Error(`${child.name} exited before ${what}; its log (${child.logPath}) ends with:\n${child.tail()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${child.name}: not ${what} after ${timeoutMs / 1000}s; its log (${child.logPath}) ends with:\n${child.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
