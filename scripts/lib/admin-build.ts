import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN = join(ROOT, 'admin');
export const ADMIN_DIST = join(ADMIN, 'dist');
/** What the built panel is made of: a change to any of these makes admin/dist stale. */
const SOURCES = [join(ADMIN, 'src'), join(ADMIN, 'index.html'), join(ADMIN, 'vite.config.ts'), join(ROOT, 'domain')];

const newest = (path: string): number => {
  const s = statSync(path);
  return s.isDirectory() ? Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f)))) : s.mtimeMs;
};
const mtime = (path: string) => { try { return statSync(path).mtimeMs; } catch { return 0; } };

/** True when admin/dist is missing or older than its sources. */
export const panelStale = () => mtime(join(ADMIN_DIST, 'index.html')) <= Math.max(...SOURCES.map(newest));

/**
 * Builds the operator panel with vite's build() when admin/dist is missing or stale (`npm start`, the
 * browser tests). Parallel callers wait on a lock directory for one build instead of writing dist together.
 */
export async function ensurePanelBuilt(): Promise<boolean> {
  const lock = join(ROOT, '.kami-panel-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 180_000) rmSync(lock, { recursive: true, force: true }); // a crashed run left it behind
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!panelStale()) return false;
    const { build } = await import('vite');
    await build({ configFile: join(ADMIN, 'vite.config.ts'), logLevel: 'warn' });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
