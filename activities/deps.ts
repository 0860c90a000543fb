import type { Db } from '../infra/db.js';
import type { KeyVault } from '../infra/crypto.js';
import type { Mailer } from '../infra/mailer.js';
import type { Logger } from '../infra/logger.js';
import type { RulesCache } from '../infra/rules-cache.js';

export interface ActivityDeps {
  db: Db;
  vault: KeyVault;
  mailer: Mailer;
  log: Logger;
  /** Effective rule settings per product, cached in the worker with a version check. */
  rules: RulesCache;
  /** Base URL of the buyer's order page, for links in emails. */
  publicUrl: string;
  /** Recipient of review reminders; none → the reminder is only recorded on the order. */
  merchantEmail?: string;
}
