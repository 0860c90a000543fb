import { DEFAULT_RULES, type RuleSettings } from '../domain/rules.js';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../domain/rules-schema.js';
import type { Db } from './db.js';
import { Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

export interface EffectiveRules { settings: RuleSettings; version: { global: number; product: number } }
export interface GlobalRules { settings: RuleSettings; version: number }
type ProductRules = { rules: Prisma.JsonValue; rulesVersion: number };

/** The shop-wide settings: defaults where never saved. */
export async function globalRules(tx: Tx): Promise<GlobalRules> {
  const row = await tx.ruleSettings.findUnique({ where: { id: 'global' } });
  return row
    ? { settings: RuleSettingsSchema.parse({ ...DEFAULT_RULES, ...(row.settings as object) }), version: row.version }
    : { settings: DEFAULT_RULES, version: 0 };
}

/** A product's overrides on top of the global settings, with both versions for the decision record. */
export function mergeRules(global: GlobalRules, product: ProductRules | null): EffectiveRules {
  const overrides = ProductRuleOverridesSchema.parse(product?.rules ?? {});
  return { settings: { ...global.settings, ...overrides }, version: { global: global.version, product: product?.rulesVersion ?? 0 } };
}

/** The settings in force for one product (`null`: the global settings alone). */
export async function effectiveRules(tx: Tx, productId: string | null): Promise<EffectiveRules> {
  const [global, product] = await Promise.all([
    globalRules(tx),
    productId ? tx.product.findUniqueOrThrow({ where: { id: productId }, select: { rules: true, rulesVersion: true } }) : null,
  ]);
  return mergeRules(global, product);
}
