import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { roleAtLeast, type Role } from '../../domain/admin-schemas.js';
import type { AuditActor } from '../../infra/audit.js';
import { durationMs } from '../../infra/config.js';
import { csrfMatches, readSession, type Session } from '../../infra/sessions.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';

declare global {
  namespace Express {
    interface Request {
      /** The operator panel session, set by requireSession on /admin/api routes. */
      admin?: Session;
    }
  }
}

export const SESSION_COOKIE = 'kami_session';
export const CSRF_HEADER = 'X-CSRF-Token';

/** The panel and its API share Path=/admin; Strict keeps the cookie off every cross-site request. */
export function sessionCookie(deps: Pick<ApiDeps, 'config'>, expiresAt?: Date): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/admin',
    secure: deps.config.publicUrl.startsWith('https:'),
    ...(expiresAt ? { expires: expiresAt } : {}),
  };
}

/** Loads the session named by the cookie into req.admin, or answers 401 unauthenticated. */
export function requireSession(deps: Pick<ApiDeps, 'db' | 'config'>): RequestHandler {
  const ttl = durationMs(deps.config.KAMI_SESSION_TTL);
  return async (req, res, next) => {
    const session = await readSession(deps.db, req.cookies?.[SESSION_COOKIE], ttl);
    if (!session) throw new ApiError(401, 'unauthenticated', 'sign in to the operator panel first (your session may have expired)');
    if (session.renewed) res.cookie(SESSION_COOKIE, req.cookies[SESSION_COOKIE], sessionCookie(deps, session.expiresAt));
    req.admin = session;
    next();
  };
}

/**
 * Every request that may change something must echo the session's CSRF token in X-CSRF-Token. A
 * cross-site page can make the browser send the cookie (older browsers ignore SameSite) but cannot
 * read the token.
 */
export const csrfCheck: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  if (!req.admin || !csrfMatches(req.admin.csrfToken, req.get(CSRF_HEADER))) {
    throw new ApiError(403, 'csrf_failed', `send the csrfToken from sign-in (or GET /admin/api/auth/me) in the ${CSRF_HEADER} header`);
  }
  next();
};

/** Lets the request through when the signed-in operator's role is `min` or higher (owner > operator > viewer). */
export function requireRole(min: Role): RequestHandler {
  return (req, _res, next) => {
    if (!req.admin) throw new ApiError(401, 'unauthenticated', 'sign in to the operator panel first');
    if (!roleAtLeast(req.admin.operator.role, min)) throw new ApiError(403, 'forbidden', `this needs the ${min} role; you are ${req.admin.operator.role}`);
    next();
  };
}

/** The signed-in operator as an audit actor (id always set). Only valid behind requireSession. */
export function actorOf(req: Request): AuditActor & { id: string } {
  const op = req.admin!.operator;
  return { id: op.id, email: op.email };
}

export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export function clearSessionCookie(res: Response, deps: Pick<ApiDeps, 'config'>) {
  res.clearCookie(SESSION_COOKIE, sessionCookie(deps));
}
