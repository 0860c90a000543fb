import { Router } from 'express';
import type { EnabledGateway } from '../infra/payments/registry.js';
import type { ApiDeps } from './deps.js';

/**
 * /healthz: the process answers. /readyz: PostgreSQL and Temporal answer too (503 otherwise), and each
 * enabled gateway that reports its health says `ok` or `degraded: …` (a server clock WeChat refuses…):
 * a degraded gateway leaves the process ready (200, status `degraded`), because taking it out of
 * service would not fix the clock and would stop every other payment and the buyers' pages with it.
 */
export function healthRouter({ db, temporal, gateways }: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));

  /** Gateways' own reports, from memory; the panel's gateways only when their settings can be read (else the environment's). */
  const gatewayChecks = async (): Promise<Record<string, string>> => {
    let enabled: EnabledGateway[];
    try {
      enabled = await gateways.enabled();
    } catch {
      const fixed = await Promise.all(gateways.configuredByEnvironment().map((name) => gateways.get(name)));
      enabled = fixed.filter((g): g is EnabledGateway => g !== undefined);
    }
    const checks: Record<string, string> = {};
    for (const g of enabled) {
      if (!g.gateway.health) continue;
      const h = g.gateway.health();
      checks[`payment:${g.name}`] = h.status === 'ok' ? 'ok' : `degraded: ${h.message ?? 'see the log'}`;
    }
    return checks;
  };

  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try { await fn(); return 'ok'; } catch (err) { return `unavailable: ${(err as Error).message}`; }
    };
    const [postgres, temporalStatus, payments] = await Promise.all([
      check(() => db.$queryRaw`SELECT 1`),
      // bounded: the client would otherwise retry an absent server for ~20 s before saying so
      check(() => temporal.connection.withDeadline(Date.now() + 2000, () => temporal.connection.workflowService.getSystemInfo({}))),
      gatewayChecks().catch((): Record<string, string> => ({})),
    ]);
    const ready = postgres === 'ok' && temporalStatus === 'ok';
    const degraded = Object.values(payments).some((v) => v !== 'ok');
    res.status(ready ? 200 : 503).json({
      status: !ready ? 'not_ready' : degraded ? 'degraded' : 'ready',
      checks: { postgres, temporal: temporalStatus, ...payments },
    });
  });
  return router;
}
