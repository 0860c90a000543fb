import { DEFAULT_RULES, type RuleSettings } from '../domain/rules.js';
import { ChannelRuleOverridesSchema, channelSettings, RETAIL_CHANNEL } from '../domain/channels.js';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../domain/rules-schema.js';
import type { Db } from './db.js';
import { Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

export interface EffectiveRules {
  settings: RuleSettings;
  /** The versions merged; `channel` only for a partner channel's layer (its rules and settings). */
  version: { global: number; product: number; channel?: number };
  /** A partner channel that counts purchase limits and velocity among its own orders only. */
  countIn?: string;
}
export interface GlobalRules { settings: RuleSettings; version: number }
type ProductRules = { rules: Prisma.JsonValue; rulesVersion: number };
/** A partner channel's layer: its rule overrides, its version, and whether it counts on its own. */
export interface ChannelLayer { id: string; rules: Prisma.JsonValue; rulesVersion: number; countSeparately: boolean }

/** The shop-wide settings: defaults where never saved. */
export async function globalRules(tx: Tx): Promise<GlobalRules> {
  const row = await tx.ruleSettings.findUnique({ where: { id: 'global' } });
  return row
    ? { settings: RuleSettingsSchema.parse({ ...DEFAULT_RULES, ...(row.settings as object) }), version: row.version }
    : { settings: DEFAULT_RULES, version: 0 };
}

/**
 * The layers in order, global → channel (a partner's) → product, each overriding what it sets, with
 * their versions for the decision record.
 */
export function mergeRules(global: GlobalRules, product: ProductRules | null, channel?: ChannelLayer | null): EffectiveRules {
  const overrides = ProductRuleOverridesSchema.parse(product?.rules ?? {});
  const version = { global: global.version, product: product?.rulesVersion ?? 0 };
  if (!channel) return { settings: { ...global.settings, ...overrides }, version };
  const channelOverrides = ChannelRuleOverridesSchema.parse(channel.rules ?? {});
  return {
    settings: { ...global.settings, ...channelOverrides, ...overrides }, version: { ...version, channel: channel.rulesVersion },
    ...(channel.countSeparately ? { countIn: channel.id } : {}),
  };
}

/** A channel's layer as stored (null for retail, whose rules are the global ones). */
export async function channelLayer(tx: Tx, channelId: string): Promise<ChannelLayer | null> {
  if (channelId === RETAIL_CHANNEL) return null;
  const row = await tx.channel.findUnique({ where: { id: channelId }, select: { id: true, rules: true, rulesVersion: true, settings: true } });
  if (!row) throw new Error(`channel ${channelId} does not exist`);
  return { id: row.id, rules: row.rules, rulesVersion: row.rulesVersion, countSeparately: channelSettings(row.settings).countSeparately };
}

/** The settings in force for one product (`null`: the global settings alone). */
export async function effectiveRules(tx: Tx, productId: string | null): Promise<EffectiveRules> {
  const [global, product] = await Promise.all([
    globalRules(tx),
    productId ? tx.product.findUniqueOrThrow({ where: { id: productId }, select: { rules: true, rulesVersion: true } }) : null,
  ]);
  return mergeRules(global, product);
}
