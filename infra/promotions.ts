import { NOT_COUNTED } from '../domain/order-status.js';
import type { PriceTier } from '../domain/pricing.js';
import { normalizeCouponCode, stackingPolicy, type CouponRecord, type SaleRecord, type StackingPolicy } from '../domain/promotions.js';
import type { Identities } from '../domain/identity.js';
import { RETAIL_CHANNEL } from '../domain/channels.js';
import type { Db, Prisma } from './db.js';
import { run, statement } from './sql.js';

/**
 * What prices are computed from, read from PostgreSQL and cached in the process: a product's pricing
 * (list price, cost, its sales not yet over, the storefront's quantity tiers) under its
 * `pricing_version`, the stacking policy under its version, coupons under theirs. Checkout's one
 * statement compares the versions it was priced against (kami_place_order → stale_price), and a
 * mismatch drops the entries, so an edit in the panel takes effect on the next order without a
 * query per order.
 */

/** A product's pricing inputs as one version of them. */
export interface ProductPricing {
  productId: string;
  version: number;
  /** On sale (checkout refuses a product that is not, in its statement; a quote here). */
  active: boolean;
  listUnitMinor: number;
  currency: string;
  costMinor: number;
  /** Its sales not over yet (whether one is on is decided at pricing time: domain/promotions.ts salesInForce). */
  sales: SaleRecord[];
  /** The storefront's (retail channel's) quantity tiers in the product's currency. */
  retailTiers: PriceTier[];
}

interface PricingRow {
  id: string; pricing_version: number; active: boolean; price_cents: number; currency: string; cost_minor: number;
  sales: Array<{ id: number; label: string; price_minor: number | null; percent_off: number | null; starts_at: string; ends_at: string | null; channels: string[]; active: boolean }>;
  tiers: PriceTier[];
}

/** One snapshot: the version and what it versions are read together. */
const PRODUCT_PRICING = statement<PricingRow, [productId: string, retail: string]>('kami_product_pricing', `
SELECT p.id, p.pricing_version, p.active, p.price_cents, p.currency, p.cost_minor,
  COALESCE((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'label', s.label, 'price_minor', s.price_minor, 'percent_off', s.percent_off,
      'starts_at', s.starts_at, 'ends_at', s.ends_at, 'channels', s.channels, 'active', s.active) ORDER BY s.id)
    FROM sale_price s WHERE s.product_id = p.id AND s.active AND (s.ends_at IS NULL OR s.ends_at > now())), '[]') AS sales,
  COALESCE((SELECT jsonb_agg(jsonb_build_object('minQuantity', t.min_quantity, 'unitPriceMinor', t.unit_price_minor) ORDER BY t.min_quantity)
    FROM channel_price t WHERE t.product_id = p.id AND t.channel_id = $2 AND t.currency = p.currency), '[]') AS tiers
FROM product p WHERE p.id = $1`);

export async function loadProductPricing(db: Db, productId: string): Promise<ProductPricing | null> {
  const [r] = await run(db, PRODUCT_PRICING, productId, RETAIL_CHANNEL);
  if (!r) return null;
  return {
    productId: r.id, version: r.pricing_version, active: r.active, listUnitMinor: Number(r.price_cents), currency: r.currency, costMinor: Number(r.cost_minor),
    sales: r.sales.map((s) => ({
      id: s.id, label: s.label, priceMinor: s.price_minor === null ? null : Number(s.price_minor), percentOff: s.percent_off,
      startsAt: new Date(s.starts_at), endsAt: s.ends_at ? new Date(s.ends_at) : null, channels: s.channels, active: s.active,
    })),
    retailTiers: r.tiers.map((t) => ({ minQuantity: t.minQuantity, unitPriceMinor: Number(t.unitPriceMinor) })),
  };
}

/** The shop's stacking policy and its version (0: never saved, the default). */
export async function loadPolicy(db: Db | Prisma.TransactionClient): Promise<{ policy: StackingPolicy; version: number }> {
  const row = await db.promotionPolicy.findUnique({ where: { id: 'shop' } });
  return row ? { policy: stackingPolicy(row.policy), version: row.version } : { policy: stackingPolicy(null), version: 0 };
}

/** The coupon record itself, columns named as its fields (pg reads uuid[] and varchar[] as arrays). */
const COUPON_BY_CODE = statement<CouponRecord, [code: string]>('kami_coupon_by_code', `
SELECT id, code, percent_off AS "percentOff", amount_off_minor AS "amountOffMinor", currency, max_uses AS "maxUses", max_uses_per_buyer AS "maxUsesPerBuyer",
  starts_at AS "startsAt", ends_at AS "endsAt", products, channels, active, version
FROM coupon WHERE lower(code) = $1`);

/** The coupon a buyer typed (any case), or null. */
export async function findCoupon(db: Db, code: string): Promise<CouponRecord | null> {
  const [row] = await run(db, COUPON_BY_CODE, normalizeCouponCode(code));
  return row ?? null;
}

/**
 * A coupon's uses that count (their order is not expired, cancelled, rejected, refunded or failed):
 * overall and by this buyer (any of the identities). What a quote shows; checkout counts again
 * under the coupon's lock.
 */
const USES = statement<{ total: number; by_buyer: number }, [couponId: number, email: string | null, phone: string | null, device: string | null, notCounted: readonly string[]]>(
  'kami_coupon_uses', `
SELECT count(*)::int AS total,
  (count(*) FILTER (WHERE u.email_normalized = $2 OR u.phone = $3 OR u.device_id = $4))::int AS by_buyer
FROM coupon_use u JOIN "order" o ON o.id = u.order_id
WHERE u.coupon_id = $1 AND o.status <> ALL($5)`);

export async function couponUses(db: Db, couponId: number, buyer: Identities = {}): Promise<{ total: number; byBuyer: number }> {
  const [r] = await run(db, USES, couponId, buyer.email ?? null, buyer.phone ?? null, buyer.device ?? null, NOT_COUNTED);
  return { total: r!.total, byBuyer: r!.by_buyer };
}

/** The versions checkout compares, read on their own (for a quote, which places nothing to compare them). */
const VERSIONS = statement<{ pricing: number; policy: number; coupon: number | null }, [productId: string, couponId: number | null]>('kami_pricing_versions', `
SELECT p.pricing_version AS pricing, COALESCE((SELECT version FROM promotion_policy WHERE id = 'shop'), 0) AS policy,
  (SELECT version FROM coupon WHERE id = $2) AS coupon
FROM product p WHERE p.id = $1`);

/** The process's cache of pricing inputs (see the top of this file). */
export function createPricingCache(db: Db) {
  const products = new Map<string, Promise<ProductPricing>>();
  let policy: Promise<{ policy: StackingPolicy; version: number }> | undefined;
  // found coupons only: a code typed before its coupon existed must not stay unknown
  const coupons = new Map<string, Promise<CouponRecord | null>>();
  const remembered = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    let entry = map.get(key);
    if (!entry) {
      entry = load();
      map.set(key, entry);
      entry.then((v) => { if (v === null) map.delete(key); }, () => map.delete(key));
    }
    return entry;
  };
  return {
    product: (productId: string) => remembered(products, productId, async () => {
      const p = await loadProductPricing(db, productId);
      if (!p) throw new Error(`product ${productId} does not exist`);
      return p;
    }),
    policy() {
      policy ??= loadPolicy(db);
      policy.catch(() => { policy = undefined; });
      return policy;
    },
    coupon: (code: string) => remembered(coupons, normalizeCouponCode(code), () => findCoupon(db, code)),
    /**
     * Whether a price computed from these entries is current (product pricing, the policy when it was
     * used, the coupon); when not, they are dropped. Checkout needs none of this: its statement compares.
     */
    async isCurrent(productId: string, used: { policyVersion?: number; coupon?: { id: number; version: number } }): Promise<boolean> {
      const [[v], pricing] = await Promise.all([run(db, VERSIONS, productId, used.coupon?.id ?? null), products.get(productId)]);
      const current = !!v && v.pricing === pricing?.version && (used.policyVersion === undefined || v.policy === used.policyVersion)
        && (!used.coupon || v.coupon === used.coupon.version);
      if (!current) this.forget(productId);
      return current;
    },
    /** Drops what a stale price was computed from: the product's pricing, the policy and the coupons. */
    forget(productId?: string) {
      if (productId) products.delete(productId);
      policy = undefined;
      coupons.clear();
    },
  };
}
export type PricingCache = ReturnType<typeof createPricingCache>;
