import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config.js';
import type { KeyVault } from '../infra/crypto.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  vault: KeyVault;
  log: Logger;
  /** Where this process itself listens, for the sandbox provider's callback to Kami's own webhook. */
  selfUrl: () => string;
}
