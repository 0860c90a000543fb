import { Router } from 'express';
import { z } from 'zod';
import type { Prisma } from '../../infra/db.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { dateBound, IntId, oneOrMany, orderBy, parseListQuery, sendList } from './list-query.js';
import { requireRole } from './session.js';

const LIST = {
  sortable: ['id', 'createdAt', 'action', 'actorEmail', 'targetType'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(z.int().positive().max(Number.MAX_SAFE_INTEGER)).optional(),
    /** Part of the actor's email. */
    actorEmail: z.string().trim().toLowerCase().min(1).max(254).optional(),
    /** An action or its prefix: `keys.` finds every key command. */
    action: z.string().trim().min(1).max(64).optional(),
    targetType: z.string().max(40).optional(),
    targetId: z.string().max(64).optional(),
    createdFrom: dateBound('from').optional(),
    createdTo: dateBound('to').optional(),
  }),
} as const;

type AuditRow = Prisma.AuditLogGetPayload<object>;

/** bigserial ids leave as numbers: exact up to 2^53 rows, and react-admin compares ids by value. */
const record = (row: AuditRow) => ({ ...row, id: Number(row.id) });

/** `audit` (owner, read-only: the table itself refuses updates and deletes). */
export function auditRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/audit', requireRole('owner'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const where: Prisma.AuditLogWhereInput = {
      id: f.id && { in: f.id.map(BigInt) },
      actorEmail: f.actorEmail === undefined ? undefined : { contains: f.actorEmail },
      action: f.action === undefined ? undefined : { startsWith: f.action },
      targetType: f.targetType,
      targetId: f.targetId,
      createdAt: f.createdFrom || f.createdTo ? { gte: f.createdFrom, lt: f.createdTo } : undefined,
    };
    const [rows, total] = await Promise.all([
      db.auditLog.findMany({ where, orderBy: orderBy<Prisma.AuditLogOrderByWithRelationInput>(sort), skip, take }),
      db.auditLog.count({ where }),
    ]);
    sendList(res, 'audit', rows.map(record), total, range);
  });

  router.get('/audit/:id', requireRole('owner'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const row = await db.auditLog.findUnique({ where: { id: BigInt(id) } });
    if (!row) throw new ApiError(404, 'audit_entry_not_found', `no audit entry ${id}`);
    res.json(record(row));
  });

  return router;
}
