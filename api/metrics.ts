import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { exposeStoreGauges, httpDuration, httpRequests, METRICS_CONTENT_TYPE, metricsText } from '../infra/metrics.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * The route pattern a request matched (`/api/v1/orders/:orderId`), never the raw URL, so ids do
 * not become label values. Routers are mounted on fixed prefixes; the prefix is the URL's leading
 * segments that the route's own path does not cover (req.baseUrl is already unwound when a route's
 * error leaves its router). Anything that matched no route is `unmatched`.
 */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  if (/[*?{(]/.test(path)) return `${req.baseUrl}${path}`;
  const own = path.split('/').filter(Boolean).length;
  const segments = req.originalUrl.split('?')[0]!.split('/').filter(Boolean);
  const prefix = segments.slice(0, Math.max(0, segments.length - own)).join('/');
  return `${prefix ? `/${prefix}` : ''}${path === '/' && prefix ? '' : path}`;
}

/** Counts every answered request and times it; in memory only (a few label lookups per request). */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const start = process.hrtime.bigint();
  res.once('finish', () => {
    const route = routeOf(req);
    httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    httpDuration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - start) / 1e9);
  });
  next();
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics`, for Prometheus rather than buyers: answered for a direct loopback connection
 * (no X-Forwarded-For / Forwarded header: a proxied buyer is not local), or for
 * `Authorization: Bearer $KAMI_METRICS_TOKEN` from anywhere; otherwise 403 `metrics_forbidden`.
 */
export function metricsRouter(deps: ApiDeps): Router {
  const { config, db, log } = deps;
  exposeStoreGauges(db, log);
  const token = config.KAMI_METRICS_TOKEN ? digest(config.KAMI_METRICS_TOKEN) : undefined;
  const allowed = (req: Request) => {
    const bearer = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (token && bearer) return timingSafeEqual(digest(bearer), token);
    const proxied = req.get('x-forwarded-for') !== undefined || req.get('forwarded') !== undefined;
    return !proxied && LOOPBACK.test(req.socket.remoteAddress ?? '');
  };

  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!allowed(req)) {
      throw new ApiError(403, 'metrics_forbidden', 'metrics are served to local connections, or with the metrics bearer token');
    }
    res.set('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(await metricsText());
  });
  return router;
}
