import type { Db } from './db.js';
import { jsonSafe, Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

/** Who did it: an operator, or Kami itself (id null). The email is copied so the trail outlives the account. */
export interface AuditActor { id: string | null; email: string }
/** What it was done to, e.g. { type: 'product', id: product.id }; id null for actions on many things. */
export interface AuditTarget { type: string; id?: string | number | null }

export const SYSTEM_ACTOR: AuditActor = { id: null, email: 'system' };

/**
 * Appends one row to the append-only audit log (a trigger refuses UPDATE and DELETE). Pass the
 * transaction that makes the change, so the change and its record commit together.
 * `data` must never hold a secret: ids and counts, not key text or passwords.
 */
export async function audit(tx: Tx, actor: AuditActor, action: string, target: AuditTarget, data: Record<string, unknown> = {}): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorId: actor.id,
      actorEmail: actor.email,
      action,
      targetType: target.type,
      targetId: target.id == null ? null : String(target.id),
      data: jsonSafe(data) as Prisma.InputJsonValue,
    },
  });
}
