import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db.js';
import type { KeyVault } from '../infra/crypto.js';
import type { Mailer } from '../infra/mailer.js';
import type { Logger } from '../infra/logger.js';
import { orderRuns, type OrderRuns } from '../infra/order-runs.js';
import { createGatewayRegistry, type GatewayRegistry } from '../infra/payments/registry.js';
import { createRulesCache, type RulesCache } from '../infra/rules-cache.js';
import { createSmsProvider, type SmsProvider } from '../infra/sms/index.js';
import { telegramOf, type TelegramBot } from '../infra/telegram/bot.js';

export interface ActivityDeps {
  db: Db;
  vault: KeyVault;
  mailer: Mailer;
  log: Logger;
  /** Effective rule settings per product, cached in the worker with a version check. */
  rules: RulesCache;
  /** The enabled payment gateways, for queries and refunds. */
  gateways: GatewayRegistry;
  /** To wake an order's run when the reconciliation sweep finds its payment. */
  runs: OrderRuns;
  /** Base URL of the buyer's order page, for links in emails. */
  publicUrl: string;
  /** Recipient of review reminders; none → the reminder is only recorded on the order. */
  merchantEmail?: string;
  /** Webhooks and merchant notices: how long one POST may take. */
  outbound: { timeoutMs: number };
  /** The Telegram bot, when KAMI_TELEGRAM_BOT_TOKEN is set. */
  telegram?: TelegramBot;
  /** The buyers' SMS provider, when KAMI_SMS_PROVIDER is set. */
  sms?: SmsProvider;
}

/** The activities' dependencies over a process's connections (the worker's, or a test's). */
export function createActivityDeps(base: { config: Config; db: Db; vault: KeyVault; mailer: Mailer; log: Logger; temporal: Client; merchantEmail?: string }): ActivityDeps {
  const { config, db, vault, log } = base;
  return {
    db, vault, log, mailer: base.mailer, merchantEmail: base.merchantEmail, publicUrl: config.publicUrl,
    rules: createRulesCache(db),
    gateways: createGatewayRegistry({ db, vault, config, log }),
    runs: orderRuns(base.temporal, config.KAMI_TASK_QUEUE, config.orderTimeouts),
    outbound: { timeoutMs: config.outbound.timeoutMs },
    telegram: telegramOf(config),
    sms: createSmsProvider(config.sms),
  };
}
