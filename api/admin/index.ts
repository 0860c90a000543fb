import cookieParser from 'cookie-parser';
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { auditRouter } from './audit-log.js';
import { buyersRouter } from './buyers.js';
import { channelsRouter } from './channels.js';
import { decisionsRouter } from './decisions.js';
import { feedbackRouter } from './feedback.js';
import { authRouter } from './auth.js';
import { adminJson } from './body.js';
import { keyCommandsRouter } from './key-commands.js';
import { keysRouter } from './keys.js';
import { operatorsRouter } from './operators.js';
import { paymentProvidersRouter } from './payment-providers.js';
import { paymentsAdminRouter } from './payments.js';
import { ordersRouter } from './orders.js';
import { productsRouter } from './products.js';
import { promotionsRouter } from './promotions.js';
import { reviewsRouter } from './reviews.js';
import { rulesRouter } from './rules.js';
import { shopRouter } from './shop.js';
import { csrfCheck, noStore, requireSession } from './session.js';
import { smsAdminRouter } from './sms.js';
import { statsRouter } from './stats.js';
import { telegramAdminRouter } from './telegram.js';
import { webhooksRouter } from './webhooks.js';

/** Building blocks for further admin routes (reviews, rules, buyers, order decisions). */
export { actorOf, csrfCheck, requireRole, requireSession } from './session.js';
export { dateBound, oneOrMany, orderBy, parseListQuery, sendList, type ListQuery, type ListSpec } from './list-query.js';

/**
 * The operator panel's API, mounted at /admin/api. Everything but sign-in needs a session; every
 * change also needs the CSRF header; each route then checks the role it needs.
 */
export function adminRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(noStore, cookieParser());
  router.use(authRouter(deps));
  router.use(requireSession(deps), csrfCheck);
  // before the JSON parser: the import commands parse their large bodies themselves, after the session check
  router.use(keyCommandsRouter(deps));
  router.use(adminJson);
  router.use(ordersRouter(deps));
  router.use(productsRouter(deps));
  router.use(keysRouter(deps));
  router.use(auditRouter(deps));
  router.use(operatorsRouter(deps));
  router.use(statsRouter(deps));
  router.use(decisionsRouter(deps));
  router.use(reviewsRouter(deps));
  router.use(rulesRouter(deps));
  router.use(buyersRouter(deps));
  router.use(paymentsAdminRouter(deps));
  router.use(paymentProvidersRouter(deps));
  router.use(webhooksRouter(deps));
  router.use(telegramAdminRouter(deps));
  router.use(channelsRouter(deps));
  router.use(promotionsRouter(deps));
  router.use(smsAdminRouter(deps));
  router.use(feedbackRouter(deps));
  router.use(shopRouter(deps));
  return router;
}
