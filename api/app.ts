import { randomUUID } from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import { adminRouter } from './admin/index.js';
import { buyerGuards } from './checkout/guards.js';
import { reportsRouter } from './checkout/reports.js';
import { checkoutRouter } from './checkout/routes.js';
import { selfServiceRouter } from './checkout/self-service.js';
import { bigintAsNumber } from '../infra/db.js';
import { requestContext } from '../infra/order-runs.js';
import type { ApiDeps } from './deps.js';
import { formBody, jsonBody, refuseNulInUrl } from './edge.js';
import { errorHandler, notFound } from './errors.js';
import { healthRouter } from './health.js';
import { httpMetrics, metricsRouter } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { pagesRouter } from './pages/routes.js';
import { storefrontRouter } from './pages/storefront.js';
import { partnerRouter } from './partner/routes.js';
import { paymentsRouter } from './payments/routes.js';
import { telegramRouter } from './telegram.js';

export const BODY_LIMIT = '16kb';

/** The HTTP surface, without listen(): tests and api/main.ts both build it from real deps. */
export function createApp(deps: ApiDeps): express.Express {
  const { config } = deps;

  const app = express();
  // money columns are 64-bit (Prisma reads them as bigint); every amount Kami accepts is a safe integer
  app.set('json replacer', bigintAsNumber);
  // only the proxies the operator named may speak for the client's address (rate limits and hold caps count it)
  app.set('trust proxy', config.KAMI_TRUST_PROXY);
  app.disable('x-powered-by');
  app.use(httpMetrics);
  app.use((req, res, next) => {
    req.id = req.get('x-request-id')?.slice(0, 64) ?? randomUUID();
    res.setHeader('x-request-id', req.id);
    // runs started for this request carry its id (infra/order-runs.ts); express's body parsers keep the context
    requestContext.run({ requestId: req.id }, next);
  });
  app.use(helmet({ contentSecurityPolicy: { directives: { 'form-action': ["'self'"] } } }));
  app.use(refuseNulInUrl);
  app.use('/admin/api', adminRouter(deps)); // before the JSON parser: the panel has its own body limits
  app.use('/api/v1/payments', paymentsRouter(deps)); // before it too: a gateway's signature covers its raw body
  app.use('/api/v1/partner', partnerRouter(deps)); // and a partner's signature too
  app.use(jsonBody(BODY_LIMIT));
  app.use(formBody(BODY_LIMIT));
  app.use(telegramRouter(deps));

  app.use(healthRouter(deps));
  app.use(metricsRouter(deps));
  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument()));
  // one budget per limit for the public API and the storefront's pages alike
  const guards = buyerGuards(config);
  app.use('/api/v1', checkoutRouter(deps, guards));
  app.use('/api/v1', reportsRouter(deps));
  app.use('/api/v1', selfServiceRouter(deps, guards));
  app.use(pagesRouter(deps, guards));
  app.use(storefrontRouter(deps, guards));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
