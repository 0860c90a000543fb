import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

/**
 * The key that encrypts card keys at rest. Production must set KAMI_MASTER_KEY; elsewhere one is
 * generated once into the data folder so the API and worker processes share it across restarts.
 */
export function resolveMasterKey(config: Config): { key: Buffer; source: 'env' | 'file' | 'generated'; path?: string } {
  if (config.KAMI_MASTER_KEY) return { key: Buffer.from(config.KAMI_MASTER_KEY, 'hex'), source: 'env' };
  if (config.production) throw new Error('KAMI_MASTER_KEY must be set in production (64 hex characters: openssl rand -hex 32)');
  const path = join(config.KAMI_DATA_DIR, 'master.key');
  if (existsSync(path)) return { key: Buffer.from(readFileSync(path, 'utf8').trim(), 'hex'), source: 'file', path };
  mkdirSync(config.KAMI_DATA_DIR, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated', path };
}
