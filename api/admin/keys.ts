import { Router, type Request } from 'express';
import { z } from 'zod';
import { roleAtLeast } from '../../domain/admin-schemas.js';
import type { Prisma } from '../../infra/db.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { IntId, oneOrMany, orderBy, parseListQuery, sendList } from './list-query.js';
import { requireRole } from './session.js';
import { KEY_STATUSES, stockCounts } from './stock-counts.js';
import { INT4_MAX } from '../../domain/ids.js';

const KEY_ID = z.int().positive().max(INT4_MAX);

/**
 * A key's hint (…ABCD) as `req`'s operator may see it: operators and owners, who work with the keys,
 * get it; viewers get '' (read-only access shows no part of any key).
 */
export const hintFor = (req: Request, hint: string) => (req.admin && roleAtLeast(req.admin.operator.role, 'operator') ? hint : '');

/** Never the ciphertext: reading a secret is the owner's audited reveal or export. */
const KEY_FIELDS = {
  id: true, productId: true, batchId: true, status: true, hint: true, orderId: true,
  reservedUntil: true, createdAt: true, soldAt: true, voidReason: true,
} satisfies Prisma.CardKeySelect;

const KEYS_LIST = {
  sortable: ['id', 'batchId', 'status', 'createdAt', 'soldAt'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(KEY_ID).optional(),
    productId: z.uuid().optional(),
    batchId: KEY_ID.optional(),
    status: oneOrMany(z.enum(KEY_STATUSES)).optional(),
    orderId: z.string().max(40).optional(),
  }),
} as const;

const BATCHES_LIST = {
  sortable: ['id', 'label', 'createdAt'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(KEY_ID).optional(),
    productId: z.uuid().optional(),
    q: z.string().trim().min(1).max(200).optional(),
  }),
} as const;

/** `keys` and `batches`: read for every role. The key commands live in key-commands.ts. */
export function keysRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/keys', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, KEYS_LIST);
    const where: Prisma.CardKeyWhereInput = {
      id: f.id && { in: f.id }, productId: f.productId, batchId: f.batchId, status: f.status && { in: f.status }, orderId: f.orderId,
    };
    const [rows, total] = await Promise.all([
      db.cardKey.findMany({ where, select: KEY_FIELDS, orderBy: orderBy<Prisma.CardKeyOrderByWithRelationInput>(sort), skip, take }),
      db.cardKey.count({ where }),
    ]);
    sendList(res, 'keys', rows.map((k) => ({ ...k, hint: hintFor(req, k.hint) })), total, range);
  });

  router.get('/keys/:id', requireRole('viewer'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const key = await db.cardKey.findUnique({ where: { id }, select: KEY_FIELDS });
    if (!key) throw new ApiError(404, 'key_not_found', `no key ${id}`);
    res.json({ ...key, hint: hintFor(req, key.hint) });
  });

  const withCounts = async <T extends { id: number }>(batches: T[]) => {
    const counts = await stockCounts(db, 'batch', batches.map((b) => b.id));
    return batches.map((b) => ({ ...b, counts: counts.get(b.id)! }));
  };

  router.get('/batches', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, BATCHES_LIST);
    const where: Prisma.KeyBatchWhereInput = {
      id: f.id && { in: f.id }, productId: f.productId, label: f.q === undefined ? undefined : { contains: f.q, mode: 'insensitive' },
    };
    const [rows, total] = await Promise.all([
      db.keyBatch.findMany({ where, orderBy: orderBy<Prisma.KeyBatchOrderByWithRelationInput>(sort), skip, take }),
      db.keyBatch.count({ where }),
    ]);
    sendList(res, 'batches', await withCounts(rows), total, range);
  });

  router.get('/batches/:id', requireRole('viewer'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const batch = await db.keyBatch.findUnique({ where: { id } });
    if (!batch) throw new ApiError(404, 'batch_not_found', `no batch ${id}`);
    res.json((await withCounts([batch]))[0]);
  });

  return router;
}
