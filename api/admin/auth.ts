import { Router, type Request } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { LoginBody } from '../../domain/admin-schemas.js';
import { audit } from '../../infra/audit.js';
import { durationMs } from '../../infra/config.js';
import { clearFailedLogins, lockedForMs, recordFailedLogin } from '../../infra/login-guard.js';
import { authenticate } from '../../infra/operators.js';
import { createSession, endSession } from '../../infra/sessions.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { adminJson } from './body.js';
import { clearSessionCookie, csrfCheck, requireSession, SESSION_COOKIE, sessionCookie } from './session.js';

const LOGIN_WINDOW_MS = 15 * 60_000;
/** One address may try this many times more emails than one email may be tried: it slows password spraying. */
const PER_ADDRESS_FACTOR = 5;

/**
 * Failed sign-ins are limited per (address, email), so a guessed account locks only for that address,
 * and per address across all emails. Successful sign-ins do not count.
 */
function loginLimiters(limit: number) {
  const limiter = (max: number, key: (req: Request) => string) => rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: limit ? max : Number.MAX_SAFE_INTEGER,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: key,
    handler: (_req, _res, next) => next(new ApiError(429, 'rate_limited', 'too many failed sign-ins; wait 15 minutes and try again')),
  });
  const address = (req: Request) => ipKeyGenerator(req.ip ?? '');
  const email = (req: Request) => String(req.body?.email ?? '').trim().toLowerCase().slice(0, 254);
  return [limiter(limit * PER_ADDRESS_FACTOR, address), limiter(limit, (req) => `${address(req)}|${email(req)}`)];
}

/** POST /auth/login, GET /auth/me, POST /auth/logout. */
export function authRouter(deps: ApiDeps): Router {
  const { db, config } = deps;
  const router = Router();
  const ttl = durationMs(config.KAMI_SESSION_TTL);

  router.post('/auth/login', adminJson, ...loginLimiters(config.KAMI_LOGIN_RATE_LIMIT), async (req, res) => {
    const { email, password } = LoginBody.parse(req.body);
    const locked = await lockedForMs(db, email);
    if (locked > 0) {
      res.setHeader('retry-after', String(Math.ceil(locked / 1000)));
      throw new ApiError(429, 'account_locked', `too many failed sign-ins for this account; try again in ${Math.ceil(locked / 1000)} seconds`);
    }
    const operator = await authenticate(db, email, password);
    if (!operator) {
      await recordFailedLogin(db, email);
      throw new ApiError(401, 'invalid_credentials', 'wrong email or password, or the account is disabled');
    }
    await clearFailedLogins(db, operator.id);
    const session = await createSession(db, operator.id, ttl);
    await audit(db, { id: operator.id, email: operator.email }, 'auth.login', { type: 'operator', id: operator.id }, { ip: req.ip });
    res.cookie(SESSION_COOKIE, session.token, sessionCookie(deps, session.expiresAt));
    const { id, name, role } = operator;
    res.json({ operator: { id, email: operator.email, name, role }, csrfToken: session.csrfToken });
  });

  router.get('/auth/me', requireSession(deps), (req, res) => {
    res.json({ operator: req.admin!.operator, csrfToken: req.admin!.csrfToken });
  });

  router.post('/auth/logout', requireSession(deps), csrfCheck, async (req, res) => {
    await endSession(db, req.admin!.id);
    clearSessionCookie(res, deps);
    res.json({ ok: true });
  });

  return router;
}
