import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startProgress } from './progress.js';

/** The CLI version Kami uses: v1.6+ carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** Where the official release assets live: `<base>/v1.5.1/checksums.txt` and `<base>/v1.5.1/<archive>`. */
export const DEFAULT_RELEASES_URL = 'https://github.com/temporalio/cli/releases/download';
const EXE = process.platform === 'win32' ? '.exe' : '';

type Env = Record<string, string | undefined>;

export const cacheDir = (env: Env = process.env) =>
  join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kami', `temporal-cli-${TEMPORAL_CLI_VERSION}`);

/**
 * The release archive for a platform, named as the CLI's .goreleaser.yml names it
 * (`temporal_cli_{{.Version}}_{{.Os}}_{{.Arch}}`, tar.gz; zip for Windows); undefined when there is none.
 */
export function releaseArchive(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as Record<string, string>)[platform];
  const goarch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch];
  if (!os || !goarch) return undefined;
  return `temporal_cli_${TEMPORAL_CLI_VERSION.slice(1)}_${os}_${goarch}.${os === 'windows' ? 'zip' : 'tar.gz'}`;
}

export interface EnsureTemporalCliOptions {
  /** Builds the CLI into `binary` when the release download fails (default: `go install` from the module proxy). */
  goBuild?: (dir: string, binary: string) => Promise<void>;
  /** Gives up on a request that sends nothing for this long: connecting, waiting for headers or mid-body (default 10 s). */
  timeoutMs?: number;
}

function onPath(env: Env): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8', env });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then Kami's cache outside the
 * repository; otherwise installs it once into that cache — the official release archive (sha256
 * checked against the release's checksums.txt) or, when that cannot be had, a build from the Go
 * module proxy (a few minutes).
 */
export async function ensureTemporalCli(env: Env = process.env, options: EnsureTemporalCliOptions = {}): Promise<string> {
  if (env.TEMPORAL_CLI_PATH) {
    if (!existsSync(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} does not exist`);
    return env.TEMPORAL_CLI_PATH;
  }
  const path = onPath(env);
  if (path) return path;
  const dir = cacheDir(env);
  const binary = join(dir, `temporal${EXE}`);
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, '.build.lock');
  const lock = await acquireLock(lockPath);
  try {
    if (existsSync(binary)) return binary; // another process installed it while we waited
    const archive = releaseArchive();
    if (!archive) {
      console.log(`No Temporal CLI release archive for ${process.platform}/${process.arch}; building it from the Go module proxy instead`);
    } else {
      const base = (env.KAMI_TEMPORAL_CLI_RELEASES_URL || DEFAULT_RELEASES_URL).replace(/\/+$/, '');
      const progress = startProgress(`Downloading the Temporal CLI ${TEMPORAL_CLI_VERSION} (${archive})`);
      try {
        await download(`${base}/${TEMPORAL_CLI_VERSION}`, archive, dir, binary, options.timeoutMs ?? 10_000, progress.update);
        progress.done(`Temporal CLI ${TEMPORAL_CLI_VERSION} downloaded, sha256 verified and cached at ${binary}`);
        return binary;
      } catch (err) {
        progress.fail(`Could not download the Temporal CLI release (${(err as Error).message}); building it from the Go module proxy instead`);
      }
    }
    await (options.goBuild ?? build)(dir, binary);
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

/** Downloads, verifies and unpacks the release archive, then moves its `temporal` to `binary` in one rename. */
async function download(url: string, archive: string, dir: string, binary: string, timeoutMs: number, report: (text: string) => void) {
  const sums = (await get(`${url}/checksums.txt`, timeoutMs)).toString('utf8');
  const expected = sums.split('\n').map((l) => /^([0-9a-f]{64}) [ *]?(\S+)$/i.exec(l.trim())).find((m) => m?.[2] === archive)?.[1];
  if (!expected) throw new Error(`checksums.txt has no sha256 line for ${archive}`);
  const body = await get(`${url}/${archive}`, timeoutMs, (got, total) =>
    report(`${(got / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB`));
  if (createHash('sha256').update(body).digest('hex') !== expected.toLowerCase()) throw new Error(`checksum mismatch for ${archive}`);

  const tmp = mkdtempSync(join(dir, 'download-'));
  try {
    writeFileSync(join(tmp, archive), body);
    const member = `temporal${EXE}`;
    const tar = spawnSync('tar', ['-xf', join(tmp, archive), '-C', tmp, member], { encoding: 'utf8' });
    const extracted = join(tmp, member);
    if (tar.status !== 0 || !existsSync(extracted)) {
      throw new Error(`could not extract ${member} from ${archive}: ${(tar.error?.message ?? tar.stderr).trim() || `tar exited ${tar.status}`}`);
    }
    chmodSync(extracted, 0o755);
    const version = spawnSync(extracted, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    const said = `${version.stdout ?? ''}`.trim();
    if (version.status !== 0 || !said.includes(TEMPORAL_CLI_VERSION.slice(1))) {
      throw new Error(`the downloaded ${member} does not run as ${TEMPORAL_CLI_VERSION}: ${version.error?.message ?? (said || `${version.stderr ?? ''}`.trim() || `exit ${version.status}`)}`);
    }
    renameSync(extracted, binary); // same directory tree: atomic
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** GET a whole body; aborts when nothing arrives for `timeoutMs` (connect, headers or body). */
async function get(url: string, timeoutMs: number, onData?: (got: number, total: number) => void): Promise<Buffer> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), timeoutMs);
  const host = new URL(url).host;
  try {
    const res = await fetch(url, { signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} for ${url}`);
    const total = Number(res.headers.get('content-length')) || 0;
    const chunks: Buffer[] = [];
    let got = 0;
    for await (const chunk of res.body) {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), timeoutMs);
      chunks.push(Buffer.from(chunk));
      onData?.((got += chunk.length), total);
    }
    return Buffer.concat(chunks);
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`${host} sent nothing for ${timeoutMs / 1000} s`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err instanceof TypeError && cause) throw new Error(`cannot reach ${host}: ${cause.code ?? cause.message}`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function build(dir: string, binary: string): Promise<void> {
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error('The Temporal CLI is missing, its release could not be downloaded (see above) and Go is not installed to build it. Install Go ≥ 1.25, put `temporal` on PATH, or set TEMPORAL_ADDRESS to an existing cluster.');
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
    renameSync(join(gobin, `temporal${EXE}`), binary);
    progress.done(`Temporal CLI built and cached at ${binary}`);
  } catch (err) {
    progress.fail('Temporal CLI build failed');
    throw err;
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}
