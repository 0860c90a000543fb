import { Router } from 'express';
import { z } from 'zod';
import { ProductInput, ProductUpdate } from '../../domain/admin-schemas.js';
import { smsSettingsProblems, type SmsParam, type SmsProviderName, type SmsSettings } from '../../domain/sms.js';
import { WebhookUrl } from '../../domain/events.js';
import { audit } from '../../infra/audit.js';
import { endpointsOf, issueEndpoint } from '../../infra/fulfilment.js';
import { withDeviceField } from '../../domain/device-binding.js';
import { buyerFieldsOf } from '../../domain/product-types.js';
import { Prisma, type Db } from '../../infra/db.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { changes } from './changes.js';
import { oneOrMany, orderBy, parseListQuery, sendList, UuidId } from './list-query.js';
import { actorOf, requireRole } from './session.js';
import { stockCounts } from './stock-counts.js';

const LIST = {
  sortable: ['id', 'sku', 'name', 'priceCents', 'currency', 'active', 'createdAt', 'updatedAt'],
  defaultSort: ['name', 'ASC'],
  filter: z.strictObject({
    id: oneOrMany(z.uuid()).optional(),
    q: z.string().trim().min(1).max(200).optional(),
    sku: z.string().trim().max(64).optional(),
    active: z.boolean().optional(),
    demo: z.boolean().optional(),
  }),
} as const;

type ProductRow = Prisma.ProductGetPayload<object>;

/** A product record: every column (new product settings show up by themselves) plus live stock and its merchant endpoints (never their secrets). */
async function withStock(db: Db, rows: ProductRow[]) {
  const ids = rows.map((p) => p.id);
  const [stock, endpoints] = await Promise.all([stockCounts(db, 'product', ids), endpointsOf(db, ids)]);
  return rows.map((p) => ({ ...p, stock: stock.get(p.id)!, endpoints: endpoints.get(p.id) ?? {} }));
}

const EndpointParams = UuidId.extend({ kind: z.enum(['fulfilment', 'licence']) });
const EndpointBody = z.strictObject({ url: WebhookUrl });

/** The product, or 404 product_not_found. */
export async function findProduct(db: Db | Prisma.TransactionClient, id: string): Promise<ProductRow> {
  const product = await db.product.findUnique({ where: { id } });
  if (!product) throw new ApiError(404, 'product_not_found', `no product ${id}`);
  return product;
}

function skuTaken(err: unknown): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
    throw new ApiError(409, 'sku_taken', 'another product already uses this SKU', { sku: 'another product already uses this SKU' });
  }
  throw err;
}

/** A product's SMS settings as stored, from a row or a form (fields left out are off or empty). */
const smsSettingsOf = (p: Partial<{ [K in keyof SmsSettings]: SmsSettings[K] | Prisma.JsonValue }>): SmsSettings => ({
  smsEnabled: p.smsEnabled === true,
  smsKeysAllowed: p.smsKeysAllowed === true,
  smsText: typeof p.smsText === 'string' ? p.smsText : null,
  smsTemplateCode: typeof p.smsTemplateCode === 'string' ? p.smsTemplateCode : null,
  smsTemplateParams: Array.isArray(p.smsTemplateParams) ? p.smsTemplateParams as unknown as SmsParam[] : null,
});

/** 400 with each field's problem when the SMS settings do not fit together or the configured provider; nothing is written. */
function checkSms(settings: SmsSettings, provider: SmsProviderName | null) {
  const problems = smsSettingsProblems(settings, provider);
  if (Object.keys(problems).length) throw new ApiError(400, 'invalid_sms_settings', 'the SMS settings cannot be saved; see details for each field', problems);
}

/** A parsed product body as Prisma stores it: an emptied Aliyun mapping is SQL NULL. */
const storable = <T extends { smsTemplateParams?: SmsParam[] | null }>(data: T) =>
  ({ ...data, ...(data.smsTemplateParams === null ? { smsTemplateParams: Prisma.DbNull } : {}) });

/** `products`: read for every role; create, update and delete for operators and up. */
export function productsRouter({ db, config, vault }: ApiDeps): Router {
  const router = Router();
  const smsProvider = config.sms?.provider ?? null;

  router.get('/products', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const where: Prisma.ProductWhereInput = {
      id: f.id && { in: f.id },
      sku: f.sku,
      active: f.active,
      demo: f.demo,
      OR: f.q ? [{ name: { contains: f.q, mode: 'insensitive' } }, { sku: { contains: f.q, mode: 'insensitive' } }] : undefined,
    };
    const [rows, total] = await Promise.all([
      db.product.findMany({ where, orderBy: orderBy<Prisma.ProductOrderByWithRelationInput>(sort), skip, take }),
      db.product.count({ where }),
    ]);
    sendList(res, 'products', await withStock(db, rows), total, range);
  });

  router.get('/products/:id', requireRole('viewer'), async (req, res) => {
    const { id } = UuidId.parse(req.params);
    res.json((await withStock(db, [await findProduct(db, id)]))[0]);
  });

  router.post('/products', requireRole('operator'), async (req, res) => {
    const parsed = ProductInput.parse(req.body);
    // a device-bound product asks the buyer for the device id: the built-in field, first
    const data = parsed.deviceBound ? { ...parsed, buyerFields: withDeviceField(parsed.buyerFields ?? [], true) } : parsed;
    checkSms(smsSettingsOf(data), smsProvider);
    const product = await db.$transaction(async (tx) => {
      const created = await tx.product.create({ data: storable(data) }).catch(skuTaken);
      await audit(tx, actorOf(req), 'product.create', { type: 'product', id: created.id }, { sku: created.sku, name: created.name, priceCents: created.priceCents, currency: created.currency });
      return created;
    });
    res.status(201).json((await withStock(db, [product]))[0]);
  });

  router.put('/products/:id', requireRole('operator'), async (req, res) => {
    const { id } = UuidId.parse(req.params);
    const parsed = ProductUpdate.parse(req.body);
    const product = await db.$transaction(async (tx) => {
      const before = await findProduct(tx, id);
      // the device field follows deviceBound (added first, or removed), whatever else the buyer fields say
      const data = parsed.deviceBound !== undefined || parsed.buyerFields !== undefined
        ? { ...parsed, buyerFields: withDeviceField(parsed.buyerFields ?? buyerFieldsOf(before.buyerFields), parsed.deviceBound ?? before.deviceBound) }
        : parsed;
      checkSms(smsSettingsOf({ ...smsSettingsOf(before), ...data }), smsProvider);
      const reshaped = (data.keyFormat !== undefined && data.keyFormat !== before.keyFormat) || (data.keyUses !== undefined && data.keyUses !== before.keyUses);
      if (reshaped && await tx.cardKey.count({ where: { productId: id } })) {
        const details = {
          ...(data.keyFormat !== undefined && data.keyFormat !== before.keyFormat ? { keyFormat: `fixed at "${before.keyFormat}": the product has keys` } : {}),
          ...(data.keyUses !== undefined && data.keyUses !== before.keyUses ? { keyUses: `fixed at ${before.keyUses}: the product has keys` } : {}),
        };
        throw new ApiError(409, 'key_format_locked', 'this product has keys: their format and uses can no longer change (create a new product instead)', details);
      }
      // checkout caches whether a product needs the buyer's phone, and its buyer fields, under its rules version (infra/rules-cache.ts)
      const cached = (data.smsEnabled !== undefined && data.smsEnabled !== before.smsEnabled)
        || (data.buyerFields !== undefined && JSON.stringify(data.buyerFields) !== JSON.stringify(before.buyerFields))
        || (data.keyUses !== undefined && data.keyUses !== before.keyUses);
      const bump = cached ? { rulesVersion: { increment: 1 } } : {};
      const after = await tx.product.update({ where: { id }, data: { ...storable(data), ...bump } }).catch(skuTaken);
      const diff = changes(before, after, Object.keys(data));
      if (Object.keys(diff).length) await audit(tx, actorOf(req), 'product.update', { type: 'product', id }, { sku: after.sku, changes: diff });
      return after;
    });
    res.json((await withStock(db, [product]))[0]);
  });

  /**
   * The merchant's fulfilment endpoint of a manual-delivery product: its URL and a new signing secret,
   * answered once (201) and kept encrypted; setting it again issues another secret. Owners only.
   */
  router.put('/products/:id/endpoints/:kind', requireRole('owner'), async (req, res) => {
    const { id, kind } = EndpointParams.parse(req.params);
    const { url } = EndpointBody.parse(req.body);
    const issued = await db.$transaction(async (tx) => {
      const product = await findProduct(tx, id);
      if (product.deliveryMode !== 'manual') {
        throw new ApiError(409, 'not_manual_delivery', 'only a manual-delivery product is fulfilled by the merchant\'s system; set its delivery mode to manual first');
      }
      if (kind === 'licence' && !product.deviceBound) {
        throw new ApiError(409, 'not_device_bound', 'a licence endpoint issues codes per device: make the product device-bound first');
      }
      const issued = await issueEndpoint(tx, vault, id, kind, url, actorOf(req).email);
      await audit(tx, actorOf(req), 'product.endpoint_set', { type: 'product', id }, { sku: product.sku, kind, url, keyId: issued.keyId });
      return issued;
    });
    res.status(201).json(issued);
  });

  router.delete('/products/:id/endpoints/:kind', requireRole('owner'), async (req, res) => {
    const { id, kind } = EndpointParams.parse(req.params);
    await db.$transaction(async (tx) => {
      const product = await findProduct(tx, id);
      const { count } = await tx.productEndpoint.deleteMany({ where: { productId: id, kind } });
      if (!count) throw new ApiError(404, 'endpoint_not_found', `the product has no ${kind} endpoint`);
      await audit(tx, actorOf(req), 'product.endpoint_removed', { type: 'product', id }, { sku: product.sku, kind });
    });
    res.json((await withStock(db, [await findProduct(db, id)]))[0]);
  });

  /** A product that sold or holds keys is only deactivated: its orders and stock keep their history. */
  router.delete('/products/:id', requireRole('operator'), async (req, res) => {
    const { id } = UuidId.parse(req.params);
    const product = await db.$transaction(async (tx) => {
      const product = await findProduct(tx, id);
      const [orders, keys] = await Promise.all([tx.order.count({ where: { productId: id } }), tx.cardKey.count({ where: { productId: id } })]);
      if (orders || keys) {
        const updated = await tx.product.update({ where: { id }, data: { active: false } });
        await audit(tx, actorOf(req), 'product.deactivate', { type: 'product', id }, { sku: product.sku, orders, keys });
        return updated;
      }
      await tx.keyBatch.deleteMany({ where: { productId: id } });
      await tx.product.delete({ where: { id } });
      await audit(tx, actorOf(req), 'product.delete', { type: 'product', id }, { sku: product.sku, name: product.name });
      return product;
    });
    res.json((await withStock(db, [product]))[0]);
  });

  return router;
}
