import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, mkdtempSync, openSync, closeSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startProgress } from './progress.js';

/** The CLI version Kami builds: v1.6+ carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export const cacheDir = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kami', `temporal-cli-${TEMPORAL_CLI_VERSION}`);

function onPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then Kami's cache outside the
 * repository; otherwise builds it once from the Go module proxy into that cache (a few minutes).
 */
export async function ensureTemporalCli(env: Record<string, string | undefined> = process.env): Promise<string> {
  if (env.TEMPORAL_CLI_PATH) {
    if (!existsSync(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} does not exist`);
    return env.TEMPORAL_CLI_PATH;
  }
  const path = onPath();
  if (path) return path;
  const dir = cacheDir();
  const binary = join(dir, 'temporal');
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, '.build.lock');
  const lock = await acquireLock(lockPath);
  try {
    if (existsSync(binary)) return binary; // another process built it while we waited
    await build(dir, binary);
    return binary;
  } finally {
    closeSync(lock);
    rmSync(lockPath, { force: true });
  }
}

async function acquireLock(lockPath: string): Promise<number> {
  for (;;) {
    try {
      return openSync(lockPath, 'wx');
    } catch {
      // a build abandoned for more than 20 minutes is stale
      if (Date.now() - statSync(lockPath, { throwIfNoEntry: false })!.mtimeMs > 20 * 60_000) rmSync(lockPath, { force: true });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function build(dir: string, binary: string): Promise<void> {
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error('The Temporal CLI is missing and Go is not installed to build it. Install Go ≥ 1.25, put `temporal` on PATH, or set TEMPORAL_ADDRESS to an existing cluster.');
  }
  const gobin = mkdtempSync(join(dir, 'build-'));
  const progress = startProgress(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from the Go module proxy (first run only; takes a few minutes)`);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: process.env.GOFLAGS ?? '-trimpath' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const onData = (b: Buffer) => { tail = (tail + b.toString()).slice(-4000); progress.update(b.toString().trim().split('\n').pop() ?? ''); };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install failed (exit ${code}):\n${tail}`))));
    });
    renameSync(join(gobin, 'temporal'), binary);
    progress.done(`Temporal CLI built and cached at ${binary}`);
  } catch (err) {
    progress.fail('Temporal CLI build failed');
    throw err;
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}
