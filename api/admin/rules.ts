import { Router } from 'express';
import { z } from 'zod';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../../domain/rules-schema.js';
import { audit } from '../../infra/audit.js';
import type { Prisma } from '../../infra/db.js';
import { globalRules, mergeRules, type GlobalRules } from '../../infra/rules-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const RuleId = z.union([z.literal('global'), z.uuid()]);
const json = (v: unknown) => v as Prisma.InputJsonValue;

/**
 * `rules`: id `global` holds the shop-wide settings; id = a product id holds that product's
 * overrides (any subset). Every change bumps the version recorded on later decisions, and is audited.
 */
export function rulesRouter({ db }: ApiDeps): Router {
  const router = Router();

  const PRODUCT = { id: true, sku: true, name: true, rules: true, rulesVersion: true, updatedAt: true } as const;
  type ProductRow = Prisma.ProductGetPayload<{ select: typeof PRODUCT }>;

  const globalRecord = async (global: GlobalRules) => {
    const row = await db.ruleSettings.findUnique({ where: { id: 'global' }, select: { updatedBy: true, updatedAt: true } });
    return { id: 'global', scope: 'global', name: 'All products', settings: global.settings, effective: global.settings, version: global.version, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null };
  };
  const productRecord = (global: GlobalRules, p: ProductRow) => ({
    id: p.id, scope: 'product', name: `${p.name} (${p.sku})`, settings: p.rules, effective: mergeRules(global, p).settings,
    version: p.rulesVersion, updatedBy: null, updatedAt: p.updatedAt,
  });

  async function record(id: string) {
    const global = await globalRules(db);
    if (id === 'global') return globalRecord(global);
    const product = await db.product.findUnique({ where: { id }, select: PRODUCT });
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${id}`);
    return productRecord(global, product);
  }

  router.get('/rules', requireRole('viewer'), async (_req, res) => {
    const [global, products] = await Promise.all([globalRules(db), db.product.findMany({ orderBy: { name: 'asc' }, select: PRODUCT })]);
    const rows = [await globalRecord(global), ...products.map((p) => productRecord(global, p))];
    sendList(res, 'rules', rows, rows.length, [0, rows.length - 1]);
  });

  router.get('/rules/:id', requireRole('viewer'), async (req, res) => {
    res.json(await record(RuleId.parse(req.params.id)));
  });

  router.put('/rules/:id', requireRole('owner'), async (req, res) => {
    const id = RuleId.parse(req.params.id);
    const body = z.object({ settings: z.unknown() }).parse(req.body);
    await db.$transaction(async (tx) => {
      if (id === 'global') {
        const settings = RuleSettingsSchema.parse(body.settings);
        const before = await tx.ruleSettings.findUnique({ where: { id } });
        const row = await tx.ruleSettings.upsert({
          where: { id }, create: { id, settings: json(settings), updatedBy: actorOf(req).email },
          update: { settings: json(settings), version: { increment: 1 }, updatedBy: actorOf(req).email, updatedAt: new Date() },
        });
        await audit(tx, actorOf(req), 'rules.update', { type: 'rules', id }, { before: before?.settings ?? null, after: settings, version: row.version });
      } else {
        const settings = ProductRuleOverridesSchema.parse(body.settings ?? {});
        const before = await tx.product.findUnique({ where: { id }, select: { rules: true } });
        if (!before) throw new ApiError(404, 'product_not_found', `no product ${id}`);
        const row = await tx.product.update({ where: { id }, data: { rules: json(settings), rulesVersion: { increment: 1 } } });
        await audit(tx, actorOf(req), 'rules.update', { type: 'product', id }, { before: before.rules, after: settings, version: row.rulesVersion });
      }
    });
    res.json(await record(id));
  });

  return router;
}
