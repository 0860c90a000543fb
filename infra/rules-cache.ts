import { RETAIL_CHANNEL } from '../domain/channels.js';
import { buyerFieldsOf, type BuyerField } from '../domain/product-types.js';
import type { Db } from './db.js';
import { channelLayer, globalRules, mergeRules, type EffectiveRules } from './rules-store.js';

/** What a statement reports about the rule settings it ran against (`channel` for a partner channel's order). */
export interface RuleVersions { global: number; product: number; channel?: number }

/**
 * Effective rule settings per product (and per partner channel: global → channel → product), cached
 * in the process. The routine path's statements return the versions they saw (or compare them in
 * SQL), and a mismatch drops the entry, so an edit in the panel takes effect on the next order
 * without a query per order. Retail entries are the product's alone: no channel layer, no cost.
 */
/**
 * A product's cached entry: its effective rules, and what checkout enforces besides them (a product
 * that delivers by SMS needs the buyer's phone). The product's rules version covers both: the panel
 * bumps it when the SMS switch changes, so a stale entry is caught like stale rules.
 */
export type CachedProduct = EffectiveRules & { productId: string; smsDelivery: boolean; buyerFields: BuyerField[]; keyUses: number };

export function createRulesCache(db: Db) {
  const entries = new Map<string, Promise<CachedProduct>>();
  const skuToId = new Map<string, string>();
  const keyOf = (productId: string, channelId: string) => (channelId === RETAIL_CHANNEL ? productId : `${channelId}|${productId}`);

  async function load(where: { id: string } | { sku: string }, channelId: string) {
    const [global, product, channel] = await Promise.all([
      globalRules(db),
      db.product.findUnique({ where, select: { id: true, sku: true, rules: true, rulesVersion: true, smsEnabled: true, buyerFields: true, keyUses: true } }),
      channelLayer(db, channelId),
    ]);
    if (!product) return null;
    skuToId.set(product.sku, product.id);
    return { ...mergeRules(global, product, channel), productId: product.id, smsDelivery: product.smsEnabled, buyerFields: buyerFieldsOf(product.buyerFields), keyUses: product.keyUses };
  }

  return {
    async forProduct(productId: string, channelId: string = RETAIL_CHANNEL): Promise<CachedProduct> {
      const key = keyOf(productId, channelId);
      let entry = entries.get(key);
      if (!entry) {
        entry = load({ id: productId }, channelId).then((r) => {
          if (!r) throw new Error(`product ${productId} does not exist`);
          return r;
        });
        entries.set(key, entry);
        entry.catch(() => entries.delete(key));
      }
      return entry;
    },
    /** The product behind a SKU with its rules (through `channelId`'s layer); null when no such product exists. */
    async forSku(sku: string, channelId: string = RETAIL_CHANNEL): Promise<CachedProduct | null> {
      const id = skuToId.get(sku);
      if (id) return this.forProduct(id, channelId).then((r) => ({ ...r, productId: id }));
      const loaded = await load({ sku }, channelId);
      if (loaded) entries.set(keyOf(loaded.productId, channelId), Promise.resolve(loaded));
      return loaded;
    },
    /** True when the cached entry was built from these versions; otherwise it is dropped. */
    isCurrent(productId: string, rules: EffectiveRules, seen: RuleVersions): boolean {
      const v = rules.version;
      if (v.global === seen.global && v.product === seen.product && (v.channel ?? 0) === (seen.channel ?? 0)) return true;
      this.forget(productId);
      return false;
    },
    /** Drops the product's entries, every channel's included. */
    forget(productId: string, sku?: string) {
      for (const key of entries.keys()) if (key === productId || key.endsWith(`|${productId}`)) entries.delete(key);
      if (sku) skuToId.delete(sku);
      for (const [s, id] of skuToId) if (id === productId) skuToId.delete(s);
    },
  };
}
export type RulesCache = ReturnType<typeof createRulesCache>;
