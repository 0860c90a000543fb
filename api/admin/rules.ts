import { Router } from 'express';
import { z } from 'zod';
import { ChannelRuleOverridesSchema, channelSettings, RETAIL_CHANNEL } from '../../domain/channels.js';
import { ProductRuleOverridesSchema, RuleSettingsSchema } from '../../domain/rules-schema.js';
import { audit } from '../../infra/audit.js';
import type { Prisma } from '../../infra/db.js';
import { globalRules, mergeRules, type GlobalRules } from '../../infra/rules-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

/** `global`, a product's id, or `channel:<id>` for a partner channel's layer (between global and product). */
const RuleId = z.union([z.literal('global'), z.uuid(), z.string().regex(/^channel:[\w-]{1,40}$/, 'global, a product id or channel:<channel id>')]);
const channelOf = (id: string) => (id.startsWith('channel:') ? id.slice('channel:'.length) : null);
const json = (v: unknown) => v as Prisma.InputJsonValue;

/**
 * `rules`: id `global` holds the shop-wide settings; `channel:<id>` a partner channel's overrides
 * (any subset; retail's are the global ones); a product id that product's overrides (any subset),
 * applied last. Every change bumps the version recorded on later decisions, and is audited.
 */
export function rulesRouter({ db }: ApiDeps): Router {
  const router = Router();

  const PRODUCT = { id: true, sku: true, name: true, rules: true, rulesVersion: true, updatedAt: true } as const;
  type ProductRow = Prisma.ProductGetPayload<{ select: typeof PRODUCT }>;

  const globalRecord = async (global: GlobalRules) => {
    const row = await db.ruleSettings.findUnique({ where: { id: 'global' }, select: { updatedBy: true, updatedAt: true } });
    return { id: 'global', scope: 'global', name: 'All products', settings: global.settings, effective: global.settings, version: global.version, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null };
  };
  const CHANNEL = { id: true, name: true, rules: true, rulesVersion: true, settings: true, updatedAt: true } as const;
  type ChannelRow = Prisma.ChannelGetPayload<{ select: typeof CHANNEL }>;
  const channelRecord = (global: GlobalRules, c: ChannelRow) => ({
    id: `channel:${c.id}`, scope: 'channel', name: c.name, settings: c.rules,
    effective: mergeRules(global, null, { id: c.id, rules: c.rules, rulesVersion: c.rulesVersion, countSeparately: channelSettings(c.settings).countSeparately }).settings,
    version: c.rulesVersion, updatedBy: null, updatedAt: c.updatedAt,
  });
  const productRecord = (global: GlobalRules, p: ProductRow) => ({
    id: p.id, scope: 'product', name: `${p.name} (${p.sku})`, settings: p.rules, effective: mergeRules(global, p).settings,
    version: p.rulesVersion, updatedBy: null, updatedAt: p.updatedAt,
  });

  async function record(id: string) {
    const global = await globalRules(db);
    if (id === 'global') return globalRecord(global);
    const channelId = channelOf(id);
    if (channelId) {
      const channel = await db.channel.findUnique({ where: { id: channelId }, select: CHANNEL });
      if (!channel || channelId === RETAIL_CHANNEL) throw new ApiError(404, 'channel_not_found', `no partner channel ${channelId}`);
      return channelRecord(global, channel);
    }
    const product = await db.product.findUnique({ where: { id }, select: PRODUCT });
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${id}`);
    return productRecord(global, product);
  }

  router.get('/rules', requireRole('viewer'), async (_req, res) => {
    const [global, channels, products] = await Promise.all([
      globalRules(db),
      db.channel.findMany({ where: { id: { not: RETAIL_CHANNEL } }, orderBy: { name: 'asc' }, select: CHANNEL }),
      db.product.findMany({ orderBy: { name: 'asc' }, select: PRODUCT }),
    ]);
    const rows = [await globalRecord(global), ...channels.map((c) => channelRecord(global, c)), ...products.map((p) => productRecord(global, p))];
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
      } else if (channelOf(id)) {
        const channelId = channelOf(id)!;
        const settings = ChannelRuleOverridesSchema.parse(body.settings ?? {});
        const before = await tx.channel.findUnique({ where: { id: channelId }, select: { rules: true } });
        if (!before || channelId === RETAIL_CHANNEL) throw new ApiError(404, 'channel_not_found', `no partner channel ${channelId}`);
        // the channel's layer is versioned as a whole (its settings too): cached copies and checkouts in flight notice
        const row = await tx.channel.update({ where: { id: channelId }, data: { rules: json(settings), rulesVersion: { increment: 1 }, updatedAt: new Date() } });
        await audit(tx, actorOf(req), 'rules.update', { type: 'channel', id: channelId }, { before: before.rules, after: settings, version: row.rulesVersion });
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
