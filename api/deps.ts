import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config.js';
import type { KeyVault } from '../infra/crypto.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { createOrderNotices, type OrderNotices } from '../infra/order-notices.js';
import { orderRuns, type OrderRuns } from '../infra/order-runs.js';
import { createGatewayRegistry, type GatewayRegistry } from '../infra/payments/registry.js';
import { createPricingCache, type PricingCache } from '../infra/promotions.js';
import { createRulesCache, type RulesCache } from '../infra/rules-cache.js';
import { telegramOf, type TelegramBot } from '../infra/telegram/bot.js';
import { outboundRuns, type OutboundRuns } from '../infra/events/runs.js';

export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  /** Starts and messages of order runs (the API never changes an order itself). */
  runs: OrderRuns;
  /** Effective rule settings per product, cached with a version check. */
  rules: RulesCache;
  /** What prices are computed from (pricing, stacking policy, coupons), cached with a version check. */
  pricing: PricingCache;
  /** The enabled payment gateways (sandbox, environment, panel). */
  gateways: GatewayRegistry;
  /** Wakes buyers' long polls when an order changes (PostgreSQL LISTEN). */
  notices: OrderNotices;
  vault: KeyVault;
  log: Logger;
  /** Where this process itself listens, for the sandbox provider's callback to Kami's own webhook. */
  selfUrl: () => string;
  /** The Telegram bot (KAMI_TELEGRAM_BOT_TOKEN): its webhook, link codes, decisions from its buttons. */
  telegram?: TelegramBot;
  /** Starts webhook deliveries the panel asks for (a test event, a redelivery). */
  eventRuns: OutboundRuns;
}

/** The API's dependencies over the process's connections; `close()` ends what it opened itself. */
export function createApiDeps(base: Pick<ApiDeps, 'config' | 'db' | 'temporal' | 'vault' | 'log' | 'selfUrl'>): ApiDeps & { close(): Promise<void> } {
  const { config } = base;
  const notices = createOrderNotices(config.DATABASE_URL, base.log);
  return {
    ...base,
    runs: orderRuns(base.temporal, config.KAMI_TASK_QUEUE, config.orderTimeouts),
    rules: createRulesCache(base.db),
    pricing: createPricingCache(base.db),
    gateways: createGatewayRegistry(base),
    notices,
    telegram: telegramOf(config),
    eventRuns: outboundRuns(base.temporal, config.eventsTaskQueue, {
      initialInterval: config.outbound.initialInterval, maximumInterval: config.outbound.maximumInterval, giveUpAfter: config.outbound.giveUpAfter,
    }),
    close: () => notices.close(),
  };
}
