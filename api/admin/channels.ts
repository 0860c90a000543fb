import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import {
  ChannelCreateInput, channelSettings, ChannelUpdateInput, LedgerEntryInput, LEDGER_KINDS, RETAIL_CHANNEL, RotateCredentialInput,
} from '../../domain/channels.js';
import { durationToMs } from '../../domain/duration.js';
import { PriceTiersSchema, tierFor } from '../../domain/pricing.js';
import { audit } from '../../infra/audit.js';
import { issueCredential, revokeCredential } from '../../infra/channels/credentials.js';
import { InsufficientBalance, postEntry } from '../../infra/channels/ledger.js';
import type { Prisma } from '../../infra/db.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { changes } from './changes.js';
import { orderBy, parseListQuery, sendList, UuidId } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const ChannelId = z.string().trim().min(1).max(40);
const KeyId = z.string().trim().min(1).max(40);

const LIST = {
  sortable: ['id', 'name', 'kind', 'disabled', 'createdAt', 'updatedAt'],
  defaultSort: ['createdAt', 'ASC'],
  filter: z.strictObject({ id: z.union([ChannelId, z.array(ChannelId).max(1000)]).optional(), kind: z.string().max(16).optional(), q: z.string().trim().min(1).max(120).optional() }),
} as const;

const LEDGER = {
  sortable: ['id', 'createdAt', 'amountMinor'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({ channelId: ChannelId.optional(), currency: z.string().max(8).optional(), kind: z.enum(LEDGER_KINDS).optional() }),
} as const;

/** Credentials are listed by id and dates only: the secret is shown once, when it is issued. */
const INCLUDE = {
  credentials: { select: { keyId: true, createdBy: true, createdAt: true, expiresAt: true, revokedAt: true, lastUsedAt: true }, orderBy: { createdAt: 'desc' } },
  balances: { select: { currency: true, balanceMinor: true }, orderBy: { currency: 'asc' } },
} satisfies Prisma.ChannelInclude;
type ChannelRow = Prisma.ChannelGetPayload<{ include: typeof INCLUDE }>;

/** A channel record: its settings with defaults filled in (none for retail, whose rules are the global ones). */
const record = (c: ChannelRow) => ({ ...c, settings: c.id === RETAIL_CHANNEL ? null : channelSettings(c.settings) });

const newChannelId = () => `ch_${randomBytes(8).toString('hex')}`;

/**
 * `channels` for the panel: partner channels and their API keys (owners create, rotate and revoke;
 * a secret is shown once), settings and rule layer, prepaid balance (ledger entries by owners,
 * audited), and price tiers per product. Everyone signed in may read; only owners change anything.
 */
export function channelsRouter({ db, vault }: ApiDeps): Router {
  const router = Router();

  async function find(id: string) {
    const c = await db.channel.findUnique({ where: { id }, include: INCLUDE });
    if (!c) throw new ApiError(404, 'channel_not_found', `no channel ${id}`);
    return c;
  }
  const partnerOnly = (id: string) => {
    if (id === RETAIL_CHANNEL) throw new ApiError(400, 'retail_channel', 'the retail channel (storefront and public API) has no API keys or balance');
  };

  router.get('/channels', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const where: Prisma.ChannelWhereInput = {
      id: f.id === undefined ? undefined : { in: Array.isArray(f.id) ? f.id : [f.id] }, kind: f.kind,
      name: f.q ? { contains: f.q, mode: 'insensitive' } : undefined,
    };
    const [rows, total] = await Promise.all([
      db.channel.findMany({ where, include: INCLUDE, orderBy: orderBy<Prisma.ChannelOrderByWithRelationInput>(sort), skip, take }),
      db.channel.count({ where }),
    ]);
    sendList(res, 'channels', rows.map(record), total, range);
  });

  router.get('/channels/:id', requireRole('viewer'), async (req, res) => {
    res.json(record(await find(ChannelId.parse(req.params.id))));
  });

  router.post('/channels', requireRole('owner'), async (req, res) => {
    const input = ChannelCreateInput.parse(req.body);
    const id = newChannelId();
    const settings = channelSettings(input.settings ?? {});
    await db.$transaction(async (tx) => {
      await tx.channel.create({ data: { id, name: input.name, kind: input.kind, settings } });
      await audit(tx, actorOf(req), 'channel.create', { type: 'channel', id }, { name: input.name, kind: input.kind, settings });
    });
    const issued = await issueCredential(db, vault, id, actorOf(req).email);
    await audit(db, actorOf(req), 'channel.credential.issue', { type: 'channel', id }, { keyId: issued.keyId });
    // the secret leaves the server this once; Kami keeps it encrypted and never shows it again
    res.status(201).json({ ...record(await find(id)), keyId: issued.keyId, secret: issued.secret });
  });

  router.put('/channels/:id', requireRole('owner'), async (req, res) => {
    const id = ChannelId.parse(req.params.id);
    const input = ChannelUpdateInput.parse(req.body);
    if (id === RETAIL_CHANNEL && (input.settings || input.disabled !== undefined)) {
      throw new ApiError(400, 'retail_channel', 'the retail channel takes only a name: its rules are the global rules (Rules screen), and it cannot be disabled');
    }
    await db.$transaction(async (tx) => {
      const before = await tx.channel.findUnique({ where: { id } });
      if (!before) throw new ApiError(404, 'channel_not_found', `no channel ${id}`);
      const after = await tx.channel.update({
        where: { id },
        data: {
          name: input.name, disabled: input.disabled, settings: input.settings, updatedAt: new Date(),
          // settings and rules are one layer, versioned together: cached copies and checkouts in flight notice the change
          ...(input.settings !== undefined ? { rulesVersion: { increment: 1 } } : {}),
        },
      });
      const diff = changes(before, after, Object.keys(input));
      if (Object.keys(diff).length) await audit(tx, actorOf(req), 'channel.update', { type: 'channel', id }, { changes: diff, version: after.rulesVersion });
    });
    res.json(record(await find(id)));
  });

  /** Rotation: a new key (its secret shown once); the channel's other live keys end after the overlap. */
  router.post('/channels/:id/credentials', requireRole('owner'), async (req, res) => {
    const id = ChannelId.parse(req.params.id);
    partnerOnly(id);
    const { overlap } = RotateCredentialInput.parse(req.body ?? {});
    await find(id);
    const retireAt = new Date(Date.now() + durationToMs(overlap));
    const issued = await issueCredential(db, vault, id, actorOf(req).email, retireAt);
    await audit(db, actorOf(req), 'channel.credential.rotate', { type: 'channel', id }, { keyId: issued.keyId, othersEndAt: retireAt.toISOString(), overlap });
    res.status(201).json({ keyId: issued.keyId, secret: issued.secret, othersEndAt: retireAt.toISOString() });
  });

  router.post('/channels/:id/credentials/:keyId/revoke', requireRole('owner'), async (req, res) => {
    const id = ChannelId.parse(req.params.id);
    const keyId = KeyId.parse(req.params.keyId);
    const key = await db.channelCredential.findUnique({ where: { keyId }, select: { channelId: true } });
    if (key?.channelId !== id) throw new ApiError(404, 'key_not_found', `channel ${id} has no key ${keyId}`);
    if (!(await revokeCredential(db, keyId))) throw new ApiError(409, 'key_revoked', `key ${keyId} is revoked already`);
    await audit(db, actorOf(req), 'channel.credential.revoke', { type: 'channel', id }, { keyId });
    res.json(record(await find(id)));
  });

  router.get('/channel-ledger', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LEDGER);
    const where: Prisma.ChannelLedgerEntryWhereInput = { channelId: f.channelId, currency: f.currency, kind: f.kind };
    const [rows, total] = await Promise.all([
      db.channelLedgerEntry.findMany({ where, orderBy: orderBy<Prisma.ChannelLedgerEntryOrderByWithRelationInput>(sort), skip, take }),
      db.channelLedgerEntry.count({ where }),
    ]);
    sendList(res, 'channel-ledger', rows, total, range);
  });

  /** A deposit or an adjustment, audited in the same transaction; never below zero (409 insufficient_balance, nothing written). */
  router.post('/channels/:id/ledger', requireRole('owner'), async (req, res) => {
    const id = ChannelId.parse(req.params.id);
    partnerOnly(id);
    const input = LedgerEntryInput.parse(req.body);
    await find(id);
    const kind = input.kind ?? (input.amountCents > 0 ? 'deposit' : 'adjustment');
    const entry = await db.$transaction(async (tx) => {
      const e = await postEntry(tx, { channelId: id, currency: input.currency, amountMinor: input.amountCents, kind, note: input.note, by: actorOf(req).email });
      await audit(tx, actorOf(req), `channel.ledger.${kind}`, { type: 'channel', id }, {
        entryId: e.id, amountMinor: input.amountCents, currency: input.currency, balanceAfter: e.balance_after, note: input.note,
      });
      return e;
    }).catch((err: unknown) => {
      if (err instanceof InsufficientBalance) {
        throw new ApiError(409, 'insufficient_balance', `the ${input.currency} balance cannot go below zero; nothing was changed`, { amountCents: 'more than the balance holds' });
      }
      throw err;
    });
    res.status(201).json({
      id: entry.id, channelId: entry.channel_id, currency: entry.currency, amountMinor: entry.amount_minor, balanceAfter: entry.balance_after,
      kind: entry.kind, note: entry.note, createdBy: entry.created_by, createdAt: entry.created_at,
    });
  });

  /**
   * Every product with this channel's tiers for it (in the product's currency), for the price-list
   * screen. The retail channel's are the storefront's quantity tiers, a promotion like a sale
   * (domain/promotions.ts: the stacking policy says how they combine).
   */
  router.get('/channels/:id/prices', requireRole('viewer'), async (req, res) => {
    const id = ChannelId.parse(req.params.id);
    await find(id);
    const products = await db.product.findMany({
      orderBy: { name: 'asc' },
      select: { id: true, sku: true, name: true, priceCents: true, currency: true, active: true, channelPrices: { where: { channelId: id }, orderBy: { minQuantity: 'asc' } } },
    });
    res.json(products.map((p) => {
      const tiers = p.channelPrices.filter((t) => t.currency === p.currency).map((t) => ({ minQuantity: t.minQuantity, unitPriceMinor: Number(t.unitPriceMinor) }));
      return {
        productId: p.id, sku: p.sku, name: p.name, active: p.active, currency: p.currency, listPriceMinor: Number(p.priceCents),
        tiers: tiers.map((t) => ({ ...t, maxQuantity: tierFor(tiers, t.minQuantity)!.maxQuantity })),
      };
    }));
  });

  router.put('/channels/:id/prices/:productId', requireRole('owner'), async (req, res) => {
    const id = ChannelId.parse(req.params.id);
    const { id: productId } = UuidId.parse({ id: req.params.productId });
    const { tiers } = z.strictObject({ tiers: PriceTiersSchema }).parse(req.body);
    await find(id);
    const product = await db.product.findUnique({ where: { id: productId }, select: { sku: true, currency: true } });
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${productId}`);
    await db.$transaction(async (tx) => {
      const before = await tx.channelPrice.findMany({ where: { channelId: id, productId }, orderBy: { minQuantity: 'asc' } });
      await tx.channelPrice.deleteMany({ where: { channelId: id, productId } });
      await tx.channelPrice.createMany({ data: tiers.map((t) => ({ channelId: id, productId, minQuantity: t.minQuantity, unitPriceMinor: t.unitPriceMinor, currency: product.currency })) });
      await audit(tx, actorOf(req), 'channel.prices.update', { type: 'channel', id }, {
        productId, sku: product.sku, currency: product.currency,
        before: before.map((t) => ({ minQuantity: t.minQuantity, unitPriceMinor: t.unitPriceMinor })), after: tiers,
      });
    });
    res.json({ productId, currency: product.currency, tiers: [...tiers].sort((a, b) => a.minQuantity - b.minQuantity) });
  });

  return router;
}
