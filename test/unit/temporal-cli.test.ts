import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { cacheDir, ensureTemporalCli, releaseArchive, TEMPORAL_CLI_VERSION } from '../../scripts/lib/temporal-cli.js';

// A local server plays github.com/temporalio/cli/releases/download: nothing here leaves 127.0.0.1.
const archive = releaseArchive();
const tarball = archive?.endsWith('.tar.gz');

/** A gzip tarball laid out like the release's: `temporal` (here a shell script) and LICENSE at the root. */
function pack(script: string | undefined, name = 'temporal'): Buffer {
  const src = mkdtempSync(join(tmpdir(), 'kami-fake-cli-'));
  try {
    writeFileSync(join(src, 'LICENSE'), 'MIT\n');
    const files = ['LICENSE'];
    if (script !== undefined) {
      writeFileSync(join(src, name), script, { mode: 0o755 });
      files.push(name);
    }
    const out = join(src, 'out.tar.gz');
    const tar = spawnSync('tar', ['-czf', out, '-C', src, ...files]);
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const goodScript = `#!/bin/sh\necho "temporal version ${TEMPORAL_CLI_VERSION.slice(1)} (Server 1.29.1, UI 2.42.1)"\n`;
const sums = (entries: Record<string, string>) => Object.entries(entries).map(([name, hash]) => `${hash}  ${name}\n`).join('');

describe.runIf(tarball)('ensureTemporalCli: official release archive, Go build as fallback', () => {
  const name = archive!;
  let routes: Map<string, Buffer>;
  let requests: string[];
  let server: Server;
  let base: string;
  let cache: string;
  let out: string;
  let goBuild: Mock<(dir: string, binary: string) => Promise<void>>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = routes.get(req.url ?? '');
      if (!body) return res.writeHead(404).end('Not Found');
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  beforeEach(() => {
    routes = new Map();
    requests = [];
    cache = mkdtempSync(join(tmpdir(), 'kami-cli-cache-'));
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
    goBuild = vi.fn(async (_dir: string, _binary: string) => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(cache, { recursive: true, force: true });
  });

  const env = (url = base) => ({ PATH: '/usr/bin:/bin', XDG_CACHE_HOME: cache, KAMI_TEMPORAL_CLI_RELEASES_URL: url });
  const serve = (archiveBody: Buffer, checksums = sums({ 'temporal_cli_other.tar.gz': '0'.repeat(64), [name]: sha256(archiveBody) })) => {
    routes.set(`/${TEMPORAL_CLI_VERSION}/checksums.txt`, Buffer.from(checksums));
    routes.set(`/${TEMPORAL_CLI_VERSION}/${name}`, archiveBody);
  };
  const fallbackLine = (reason: string) =>
    `Could not download the Temporal CLI release (${reason}); building it from the Go module proxy instead`;
  /** The cache holds nothing but what a run must leave: no temp dirs, no lock. */
  const cacheEntries = () => readdirSync(cacheDir(env())).sort();

  it('installs the verified archive into the cache and never starts the Go build', async () => {
    serve(pack(goodScript));
    const binary = await ensureTemporalCli(env(), { goBuild });

    expect(binary).toBe(join(cache, 'kami', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal'));
    expect(goBuild).not.toHaveBeenCalled();
    expect(spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout).toContain(TEMPORAL_CLI_VERSION.slice(1));
    expect(cacheEntries()).toEqual(['temporal']);
    expect(requests).toEqual([`/${TEMPORAL_CLI_VERSION}/checksums.txt`, `/${TEMPORAL_CLI_VERSION}/${name}`]);
    expect(out).toContain('sha256 verified');

    // second run: straight from the cache, no request
    expect(await ensureTemporalCli(env(), { goBuild })).toBe(binary);
    expect(requests).toHaveLength(2);
  });

  it('accepts a base URL with a trailing slash', async () => {
    serve(pack(goodScript));
    await ensureTemporalCli(env(`${base}/`), { goBuild });
    expect(goBuild).not.toHaveBeenCalled();
  });

  it('refuses an archive whose sha256 does not match and falls back to the Go build', async () => {
    const body = pack(goodScript);
    serve(body, sums({ [name]: sha256(Buffer.concat([body, Buffer.from('x')])) }));
    const binary = await ensureTemporalCli(env(), { goBuild });

    expect(out).toContain(fallbackLine(`checksum mismatch for ${name}`));
    expect(goBuild).toHaveBeenCalledExactlyOnceWith(cacheDir(env()), binary);
    expect(cacheEntries()).toEqual([]); // nothing unverified was left behind
  });

  it('falls back when checksums.txt has no line for the archive', async () => {
    serve(pack(goodScript), sums({ [`${name}.sbom.json`]: 'a'.repeat(64) }));
    await ensureTemporalCli(env(), { goBuild });
    expect(out).toContain(fallbackLine(`checksums.txt has no sha256 line for ${name}`));
    expect(goBuild).toHaveBeenCalledOnce();
  });

  it('falls back on HTTP 404', async () => {
    routes.set(`/${TEMPORAL_CLI_VERSION}/checksums.txt`, Buffer.from(sums({ [name]: 'b'.repeat(64) })));
    await ensureTemporalCli(env(), { goBuild });
    expect(out).toContain(fallbackLine(`HTTP 404 for ${base}/${TEMPORAL_CLI_VERSION}/${name}`));
    expect(goBuild).toHaveBeenCalledOnce();
  });

  it('falls back when the server is down', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));

    await ensureTemporalCli(env(`http://127.0.0.1:${port}`), { goBuild });
    expect(out).toContain(fallbackLine(`cannot reach 127.0.0.1:${port}: ECONNREFUSED`));
    expect(goBuild).toHaveBeenCalledOnce();
  });

  it('gives up on a server that accepts the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const blackhole = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(blackhole.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      await ensureTemporalCli(env(`http://${host}`), { goBuild, timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(out).toContain(fallbackLine(`${host} sent nothing for 0.3 s`));
      expect(goBuild).toHaveBeenCalledOnce();
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => blackhole.close(() => r()));
    }
  });

  it('falls back when the archive holds no temporal binary', async () => {
    serve(pack(undefined));
    await ensureTemporalCli(env(), { goBuild });
    expect(out).toContain(`Could not download the Temporal CLI release (could not extract temporal from ${name}: `);
    expect(goBuild).toHaveBeenCalledOnce();
    expect(cacheEntries()).toEqual([]);
  });

  it('falls back when the binary does not report the expected version', async () => {
    serve(pack('#!/bin/sh\necho "temporal version 0.9.0"\n'));
    await ensureTemporalCli(env(), { goBuild });
    expect(out).toContain(fallbackLine(`the downloaded temporal does not run as ${TEMPORAL_CLI_VERSION}: temporal version 0.9.0`));
    expect(goBuild).toHaveBeenCalledOnce();
    expect(cacheEntries()).toEqual([]);
  });

  it('keeps the order: TEMPORAL_CLI_PATH, then the cache, before any download', async () => {
    const own = join(cache, 'my-temporal');
    writeFileSync(own, goodScript, { mode: 0o755 });
    expect(await ensureTemporalCli({ ...env(), TEMPORAL_CLI_PATH: own }, { goBuild })).toBe(own);

    mkdirSync(cacheDir(env()), { recursive: true });
    writeFileSync(join(cacheDir(env()), 'temporal'), goodScript, { mode: 0o755 });
    expect(await ensureTemporalCli(env(), { goBuild })).toBe(join(cacheDir(env()), 'temporal'));
    expect(requests).toEqual([]);
    expect(goBuild).not.toHaveBeenCalled();
  });
});

describe('releaseArchive', () => {
  it('names the archives as the CLI v1.5.1 .goreleaser.yml does', () => {
    const v = TEMPORAL_CLI_VERSION.slice(1);
    expect(releaseArchive('linux', 'x64')).toBe(`temporal_cli_${v}_linux_amd64.tar.gz`);
    expect(releaseArchive('linux', 'arm64')).toBe(`temporal_cli_${v}_linux_arm64.tar.gz`);
    expect(releaseArchive('darwin', 'x64')).toBe(`temporal_cli_${v}_darwin_amd64.tar.gz`);
    expect(releaseArchive('darwin', 'arm64')).toBe(`temporal_cli_${v}_darwin_arm64.tar.gz`);
    expect(releaseArchive('win32', 'x64')).toBe(`temporal_cli_${v}_windows_amd64.zip`);
    expect(releaseArchive('win32', 'arm64')).toBe(`temporal_cli_${v}_windows_arm64.zip`);
    expect(releaseArchive('freebsd', 'x64')).toBeUndefined();
    expect(releaseArchive('linux', 'ia32')).toBeUndefined();
  });
});
