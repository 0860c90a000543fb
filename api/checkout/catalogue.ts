import { z } from 'zod';
import { formatMinor } from '../../domain/money.js';
import { BuyerField, buyerFieldsOf, KEY_FORMATS } from '../../domain/product-types.js';
import type { RuleSettings } from '../../domain/rules.js';
import type { Prisma } from '../../infra/db.js';
import { availableStock } from '../../infra/order-store.js';
import { globalRules, mergeRules } from '../../infra/rules-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import { ProductOut } from './schemas.js';

export type CatalogueProduct = z.infer<typeof ProductOut>;

export const ProductDetailOut = ProductOut.extend({
  guide: z.string().meta({ description: 'how to use the product (Markdown), as the order page and the delivery email show it' }),
  keyFormat: z.enum(KEY_FORMATS).meta({ description: '`pair`: each key is a card number and its password' }),
  buyerFields: z.array(BuyerField).meta({ description: "what the buyer must fill in at checkout (POST /api/v1/orders's buyerInput, by name)" }),
}).meta({ id: 'ProductDetail' });

export const SkuParams = z.object({ sku: z.string().trim().min(1).max(64) });

registry.registerPath({
  method: 'get', path: '/api/v1/products/{sku}', summary: 'One product on sale, with its stock, purchase limit and usage guide',
  request: { params: SkuParams },
  responses: { 200: { description: 'the product', content: { 'application/json': { schema: ProductDetailOut } } }, ...errorResponses(404) },
});

const purchaseLimitOf = (s: RuleSettings) => (s.purchaseLimit === null ? null : { quantity: s.purchaseLimit, window: s.purchaseLimitWindow });

type ProductRow = Prisma.ProductGetPayload<object>;

type ProductDetail = z.infer<typeof ProductDetailOut>;

async function present(db: ApiDeps['db'], products: ProductRow[]): Promise<ProductDetail[]> {
  const [stock, global] = await Promise.all([availableStock(db, products.map((p) => p.id)), globalRules(db)]);
  return products.map((p) => ({
    id: p.id, sku: p.sku, name: p.name, description: p.description, price: formatMinor(Number(p.priceCents), p.currency), priceCents: Number(p.priceCents),
    currency: p.currency, available: stock.get(p.id) ?? 0, demo: p.demo,
    purchaseLimit: purchaseLimitOf(mergeRules(global, p).settings),
    guide: p.guide,
    keyFormat: p.keyFormat === 'pair' ? 'pair' as const : 'plain' as const,
    buyerFields: buyerFieldsOf(p.buyerFields),
  }));
}

/** The catalogue as buyers see it (the public API and the storefront): products on sale, their stock and purchase limit. */
export async function listProducts(deps: Pick<ApiDeps, 'db'>): Promise<CatalogueProduct[]> {
  const products = await deps.db.product.findMany({ where: { active: true }, orderBy: { name: 'asc' } });
  return (await present(deps.db, products)).map(({ guide: _, keyFormat: _f, buyerFields: _b, ...p }) => p);
}

/** One product on sale by its SKU, with its usage guide; 404 product_not_found otherwise. */
export async function productBySku(deps: Pick<ApiDeps, 'db'>, sku: string): Promise<ProductDetail> {
  const product = await deps.db.product.findFirst({ where: { sku, active: true } });
  if (!product) throw new ApiError(404, 'product_not_found', `no product with sku "${sku}" is on sale`);
  return (await present(deps.db, [product]))[0]!;
}
