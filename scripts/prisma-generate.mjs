// Runs `prisma generate` on install. The generator needs no engine, but the CLI looks for the
// schema engine first and would try to download it; pointing it at any executable skips that,
// so install works offline. A user-supplied PRISMA_SCHEMA_ENGINE_BINARY is kept.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = require.resolve('prisma/build/index.js');
const run = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
