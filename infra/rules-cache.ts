import type { Db } from './db.js';
import { globalRules, mergeRules, type EffectiveRules } from './rules-store.js';

/** What a statement reports about the rule settings it ran against. */
export interface RuleVersions { global: number; product: number }

/**
 * Effective rule settings per product, cached in the process. The routine path's statements return
 * the versions they saw (or compare them in SQL), and a mismatch drops the entry, so an edit in the
 * panel takes effect on the next order without a query per order.
 */
export function createRulesCache(db: Db) {
  const byProduct = new Map<string, Promise<EffectiveRules & { productId: string }>>();
  const skuToId = new Map<string, string>();

  async function load(where: { id: string } | { sku: string }) {
    const [global, product] = await Promise.all([
      globalRules(db),
      db.product.findUnique({ where, select: { id: true, sku: true, rules: true, rulesVersion: true } }),
    ]);
    if (!product) return null;
    skuToId.set(product.sku, product.id);
    return { ...mergeRules(global, product), productId: product.id };
  }

  return {
    async forProduct(productId: string): Promise<EffectiveRules> {
      let entry = byProduct.get(productId);
      if (!entry) {
        entry = load({ id: productId }).then((r) => {
          if (!r) throw new Error(`product ${productId} does not exist`);
          return r;
        });
        byProduct.set(productId, entry);
        entry.catch(() => byProduct.delete(productId));
      }
      return entry;
    },
    /** The product behind a SKU with its rules; null when no such product exists. */
    async forSku(sku: string): Promise<(EffectiveRules & { productId: string }) | null> {
      const id = skuToId.get(sku);
      if (id) return this.forProduct(id).then((r) => ({ ...r, productId: id }));
      const loaded = await load({ sku });
      if (loaded) byProduct.set(loaded.productId, Promise.resolve(loaded));
      return loaded;
    },
    /** True when the cached entry was built from these versions; otherwise it is dropped. */
    isCurrent(productId: string, rules: EffectiveRules, seen: RuleVersions): boolean {
      if (rules.version.global === seen.global && rules.version.product === seen.product) return true;
      this.forget(productId);
      return false;
    },
    forget(productId: string, sku?: string) {
      byProduct.delete(productId);
      if (sku) skuToId.delete(sku);
      for (const [s, id] of skuToId) if (id === productId) skuToId.delete(s);
    },
  };
}
export type RulesCache = ReturnType<typeof createRulesCache>;
