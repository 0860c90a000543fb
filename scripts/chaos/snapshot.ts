import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/**
 * Kami's sources as they were when the run started: every file git tracks or would track
 * (uncommitted edits included), the generated Prisma client, and node_modules as a link. The API and
 * the worker run from here, so a process restarted mid-run runs the same release it started with,
 * as in a deployment, even while people edit the working tree.
 */
export function snapshotSources(dest: string): string {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 64 << 20 })
    .toString('utf8').split('\0').filter(Boolean);
  for (const file of files) {
    const from = join(REPO_ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
  cpSync(join(REPO_ROOT, 'prisma', 'generated'), join(dest, 'prisma', 'generated'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return dest;
}

/** The Kami modules the harness itself uses, loaded from the snapshot so they match the processes under test. */
/** What the harness needs of the sandbox payment provider: how it signs a notification, and in which header. */
interface SandboxSigning { SIGNATURE_HEADER: string; signSandboxNotification(secret: string, rawBody: string, now?: number): string }
const SANDBOX_MODULES = ['infra/payments/sandbox.ts', 'api/payments/sandbox.ts'];

export async function loadKami(src: string) {
  const load = <T>(file: string) => import(pathToFileURL(join(src, file)).href) as Promise<T>;
  const sandboxFile = SANDBOX_MODULES.find((f) => existsSync(join(src, f)));
  if (!sandboxFile) throw new Error(`the sandbox payment provider is in none of ${SANDBOX_MODULES.join(', ')}: tell scripts/chaos/snapshot.ts where it moved`);
  const [db, crypto, migrate, keys, sandbox, rules] = await Promise.all([
    load<typeof import('../../infra/db.js')>('infra/db.ts'),
    load<typeof import('../../infra/crypto.js')>('infra/crypto.ts'),
    load<typeof import('../../infra/migrate.js')>('infra/migrate.ts'),
    load<typeof import('../../infra/key-import.js')>('infra/key-import.ts'),
    load<SandboxSigning>(sandboxFile),
    load<typeof import('../../domain/rules.js')>('domain/rules.ts'),
  ]);
  return {
    createDb: db.createDb,
    createKeyVault: crypto.createKeyVault,
    ensureDatabase: migrate.ensureDatabase,
    migrate: (url: string) => migrate.migrate(url, join(src, 'prisma', 'migrations')),
    importKeys: keys.importKeys,
    signatureHeader: sandbox.SIGNATURE_HEADER,
    signSandboxNotification: sandbox.signSandboxNotification,
    defaultRules: rules.DEFAULT_RULES,
    /** Bundles the snapshot's workflows/ (what `npm run bundle:workflows` does) into `path`. */
    async writeBundle(path: string) {
      const { bundleWorkflowCode } = await import('@temporalio/worker');
      writeFileSync(path, (await bundleWorkflowCode({ workflowsPath: join(src, 'workflows', 'index.ts'), logger: quietBundler })).code);
    },
  };
}
export type KamiModules = Awaited<ReturnType<typeof loadKami>>;
