import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureDatabase, migrate } from '../../infra/migrate.js';

/**
 * A migrated database of its own, next to the run's shared one: for tests whose figures must not
 * see other files' rows (dashboard totals) or that need "nothing exists yet" (the first owner).
 */
export async function freshDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(inject('databaseUrl'));
  const name = `${url.pathname.slice(1)}_${label}_${randomBytes(3).toString('hex')}`;
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new pg.Client({ connectionString: new URL('/postgres', url).toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
