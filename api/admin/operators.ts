import { Router } from 'express';
import { z } from 'zod';
import { OperatorCreate, OperatorUpdate, ROLES } from '../../domain/admin-schemas.js';
import { passwordVerdict } from '../../domain/password-strength.js';
import { audit } from '../../infra/audit.js';
import { Prisma } from '../../infra/db.js';
import { createOperator, hashPassword, isLastActiveOwner, OPERATOR_FIELDS } from '../../infra/operators.js';
import { endOperatorSessions } from '../../infra/sessions.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { changes } from './changes.js';
import { oneOrMany, orderBy, parseListQuery, sendList, UuidId } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const LIST = {
  sortable: ['id', 'email', 'name', 'role', 'disabled', 'createdAt'],
  defaultSort: ['email', 'ASC'],
  filter: z.strictObject({
    id: oneOrMany(z.uuid()).optional(),
    q: z.string().trim().min(1).max(254).optional(),
    role: oneOrMany(z.enum(ROLES)).optional(),
    disabled: z.boolean().optional(),
  }),
} as const;

function emailTaken(err: unknown): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
    throw new ApiError(409, 'email_taken', 'another operator already uses this email', { email: 'another operator already uses this email' });
  }
  throw err;
}

/** A 400 on `password` when it is too easy to guess, counting the operator's own email and name as guessable words. */
function requireStrongPassword(password: string, personal: (string | undefined)[]) {
  const { problem } = passwordVerdict(password, personal);
  if (problem) throw new ApiError(400, 'weak_password', problem, { password: problem });
}

const lastOwner = () => new ApiError(409, 'last_owner', 'this is the last active owner; make someone else owner first');

/** `operators` (owner only). Password hashes never leave; a change of password or a disable signs the operator out. */
export function operatorsRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/operators', requireRole('owner'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const where: Prisma.OperatorWhereInput = {
      id: f.id && { in: f.id },
      role: f.role && { in: f.role },
      disabled: f.disabled,
      OR: f.q ? [{ email: { contains: f.q, mode: 'insensitive' } }, { name: { contains: f.q, mode: 'insensitive' } }] : undefined,
    };
    const [rows, total] = await Promise.all([
      db.operator.findMany({ where, select: OPERATOR_FIELDS, orderBy: orderBy<Prisma.OperatorOrderByWithRelationInput>(sort), skip, take }),
      db.operator.count({ where }),
    ]);
    sendList(res, 'operators', rows, total, range);
  });

  router.get('/operators/:id', requireRole('owner'), async (req, res) => {
    const { id } = UuidId.parse(req.params);
    const op = await db.operator.findUnique({ where: { id }, select: OPERATOR_FIELDS });
    if (!op) throw new ApiError(404, 'operator_not_found', `no operator ${id}`);
    res.json(op);
  });

  router.post('/operators', requireRole('owner'), async (req, res) => {
    const input = OperatorCreate.parse(req.body);
    requireStrongPassword(input.password, [input.email, input.name]);
    const op = await db.$transaction(async (tx) => {
      const created = await createOperator(tx, input).catch(emailTaken);
      await audit(tx, actorOf(req), 'operator.create', { type: 'operator', id: created.id }, { email: created.email, role: created.role });
      return created;
    });
    res.status(201).json(op);
  });

  router.put('/operators/:id', requireRole('owner'), async (req, res) => {
    const { id } = UuidId.parse(req.params);
    const { password, ...fields } = OperatorUpdate.parse(req.body);
    const op = await db.$transaction(async (tx) => {
      const before = await tx.operator.findUnique({ where: { id }, select: OPERATOR_FIELDS });
      if (!before) throw new ApiError(404, 'operator_not_found', `no operator ${id}`);
      if (password) requireStrongPassword(password, [fields.email ?? before.email, fields.name ?? before.name, before.email]);
      const losesOwnership = before.role === 'owner' && !before.disabled && ((fields.role && fields.role !== 'owner') || fields.disabled === true);
      if (losesOwnership && await isLastActiveOwner(tx, id)) throw lastOwner();
      const after = await tx.operator.update({
        where: { id },
        data: { ...fields, ...(password ? { passwordHash: await hashPassword(password) } : {}) },
        select: OPERATOR_FIELDS,
      }).catch(emailTaken);
      // whoever knew the old password, or a disabled operator, is out at once; an owner changing
      // their own password keeps the session they are using
      if (password || fields.disabled) await endOperatorSessions(tx, id, id === req.admin!.operator.id ? req.admin!.id : undefined);
      const diff = changes(before, after, Object.keys(fields));
      if (Object.keys(diff).length || password) {
        await audit(tx, actorOf(req), 'operator.update', { type: 'operator', id }, { email: after.email, changes: diff, passwordChanged: Boolean(password) });
      }
      return after;
    });
    res.json(op);
  });

  router.delete('/operators/:id', requireRole('owner'), async (req, res) => {
    const { id } = UuidId.parse(req.params);
    const op = await db.$transaction(async (tx) => {
      const op = await tx.operator.findUnique({ where: { id }, select: OPERATOR_FIELDS });
      if (!op) throw new ApiError(404, 'operator_not_found', `no operator ${id}`);
      if (op.role === 'owner' && !op.disabled && await isLastActiveOwner(tx, id)) throw lastOwner();
      // sessions go with the row (ON DELETE CASCADE); the audit trail keeps the email
      await tx.operator.delete({ where: { id } });
      await audit(tx, actorOf(req), 'operator.delete', { type: 'operator', id }, { email: op.email, role: op.role });
      return op;
    });
    res.json(op);
  });

  return router;
}
