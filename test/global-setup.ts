import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, migrate } from '../infra/migrate.js';
import { writeWorkflowBundle } from '../scripts/bundle-workflows.js';
import { startDevServer } from '../scripts/lib/dev-server.js';
import { ensureTemporalCli } from '../scripts/lib/temporal-cli.js';
import { freePort } from './helpers/ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    databaseUrl: string;
    /** The workflow bundle, built once per run for every worker (in-process and spawned). */
    workflowBundle: string;
  }
}

const ADMIN_URL = process.env.KAMI_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * One real Temporal dev server and one fresh PostgreSQL database per test run. TEMPORAL_ADDRESS
 * attaches to an existing server instead of starting one.
 */
export default async function setup(project: TestProject) {
  const cli = await ensureTemporalCli();
  const dir = mkdtempSync(join(tmpdir(), 'kami-test-'));
  let address = process.env.TEMPORAL_ADDRESS;
  const server = address ? undefined : await startDevServer({ cli, dbFile: join(dir, 'temporal.db'), port: await freePort() });
  address ??= server!.address;

  const dbName = `kami_test_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const workflowBundle = join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundle);

  project.provide('temporalAddress', address);
  project.provide('temporalCli', cli);
  project.provide('databaseUrl', databaseUrl);
  project.provide('workflowBundle', workflowBundle);

  return async () => {
    await server?.stop();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  };
}
