import { DEFAULT_RULES, type RuleSettings } from '../domain/rules.js';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../domain/rules-schema.js';
import type { Db } from './db.js';
import { Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

export interface EffectiveRules { settings: RuleSettings; version: { global: number; product: number } }

/**
 * Global settings (defaults where never saved) merged with the product's overrides, with both
 * versions for the decision record. `null` product: the global settings alone.
 */
export async function effectiveRules(tx: Tx, productId: string | null): Promise<EffectiveRules> {
  const [global, product] = await Promise.all([
    tx.ruleSettings.findUnique({ where: { id: 'global' } }),
    productId ? tx.product.findUniqueOrThrow({ where: { id: productId }, select: { rules: true, rulesVersion: true } }) : null,
  ]);
  const base = global ? RuleSettingsSchema.parse({ ...DEFAULT_RULES, ...(global.settings as object) }) : DEFAULT_RULES;
  const overrides = ProductRuleOverridesSchema.parse(product?.rules ?? {});
  return { settings: { ...base, ...overrides }, version: { global: global?.version ?? 0, product: product?.rulesVersion ?? 0 } };
}
