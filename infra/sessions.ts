import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../domain/admin-schemas.js';
import { sha256Hex } from './crypto.js';
import type { Db, Prisma } from './db.js';

/** Sliding expiry is written at most once a minute per session, not on every request. */
const RENEW_AFTER_MS = 60_000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface SessionOperator { id: string; email: string; name: string; role: Role }
export interface Session { id: string; csrfToken: string; expiresAt: Date; operator: SessionOperator }

const newToken = () => randomBytes(32).toString('base64url');
/**
 * The X-CSRF-Token a session expects, derived from its cookie token: nothing to store, and the
 * table's sha256(token) does not yield it, so a copy of the database forges no request.
 */
const csrfOf = (token: string) => createHash('sha256').update(`kami:csrf:${token}`).digest('base64url');

/**
 * Starts a panel session. The cookie gets `token`; the table keeps only its sha256, so a copy of the
 * database opens no session. Expired sessions are swept here, the one moment sessions are created.
 */
export async function createSession(db: Db, operatorId: string, ttlMs: number): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.operatorSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await db.operatorSession.create({ data: { id: sha256Hex(token), operatorId, expiresAt } });
  return { token, csrfToken: csrfOf(token), expiresAt };
}

/**
 * The live session a cookie token opens, or null (unknown, expired, or its operator disabled). The
 * operator's role is read fresh every time, so a demotion applies at the next request. Pushes the
 * expiry forward (`renewed` tells the caller to refresh the cookie).
 */
export async function readSession(db: Db, token: string | undefined, ttlMs: number): Promise<(Session & { renewed: boolean }) | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const row = await db.operatorSession.findUnique({
    where: { id: sha256Hex(token) },
    include: { operator: { select: { id: true, email: true, name: true, role: true, disabled: true } } },
  });
  const now = Date.now();
  if (!row || row.expiresAt.getTime() <= now || row.operator.disabled) return null;
  const { disabled: _, ...operator } = row.operator;
  let expiresAt = row.expiresAt;
  const renewed = now + ttlMs - expiresAt.getTime() > RENEW_AFTER_MS;
  if (renewed) {
    expiresAt = new Date(now + ttlMs);
    await db.operatorSession.update({ where: { id: row.id }, data: { expiresAt } });
  }
  return { id: row.id, csrfToken: csrfOf(token), expiresAt, operator: operator as SessionOperator, renewed };
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.operatorSession.deleteMany({ where: { id: sessionId } });
}

/** Signs an operator out everywhere (password changed, disabled, deleted), optionally keeping one session. */
export async function endOperatorSessions(tx: Prisma.TransactionClient | Db, operatorId: string, keepSessionId?: string): Promise<void> {
  await tx.operatorSession.deleteMany({ where: { operatorId, ...(keepSessionId ? { id: { not: keepSessionId } } : {}) } });
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
