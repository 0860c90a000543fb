import { Router } from 'express';
import { z } from 'zod';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../../domain/rules-schema.js';
import { audit } from '../../infra/audit.js';
import type { Prisma } from '../../infra/db.js';
import { effectiveRules } from '../../infra/rules-store.js';
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

  async function record(id: string) {
    if (id === 'global') {
      const { settings, version } = await effectiveRules(db, null);
      const row = await db.ruleSettings.findUnique({ where: { id: 'global' } });
      return { id, scope: 'global', name: 'All products', settings, effective: settings, version: version.global, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null };
    }
    const product = await db.product.findUnique({ where: { id }, select: { id: true, sku: true, name: true, rules: true, rulesVersion: true, updatedAt: true } });
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${id}`);
    const { settings } = await effectiveRules(db, id);
    return { id, scope: 'product', name: `${product.name} (${product.sku})`, settings: product.rules, effective: settings, version: product.rulesVersion, updatedBy: null, updatedAt: product.updatedAt };
  }

  router.get('/rules', requireRole('viewer'), async (_req, res) => {
    const products = await db.product.findMany({ orderBy: { name: 'asc' }, select: { id: true } });
    const rows = await Promise.all(['global', ...products.map((p) => p.id)].map(record));
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
