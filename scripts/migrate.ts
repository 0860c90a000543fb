import { loadConfig } from '../infra/config.js';
import { ensureDatabase, migrate } from '../infra/migrate.js';

const config = loadConfig();
if (await ensureDatabase(config.DATABASE_URL)) console.log('created database');
const applied = await migrate(config.DATABASE_URL);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
