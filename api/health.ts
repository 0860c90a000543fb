import { Router } from 'express';
import type { ApiDeps } from './deps.js';

/** /healthz: the process answers. /readyz: PostgreSQL and Temporal answer too. */
export function healthRouter({ db, temporal }: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try { await fn(); return 'ok'; } catch (err) { return `unavailable: ${(err as Error).message}`; }
    };
    const [postgres, temporalStatus] = await Promise.all([
      check(() => db.$queryRaw`SELECT 1`),
      // bounded: the client would otherwise retry an absent server for ~20 s before saying so
      check(() => temporal.connection.withDeadline(Date.now() + 2000, () => temporal.connection.workflowService.getSystemInfo({}))),
    ]);
    const ready = postgres === 'ok' && temporalStatus === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal: temporalStatus } });
  });
  return router;
}
