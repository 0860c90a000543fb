import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../infra/logger.js';

interface Bound { fields: Record<string, unknown>; base?: Logger; child?: Logger }

const current = new AsyncLocalStorage<Bound>();

/**
 * The logger for an activity's lines: `log` bound to the running activity's fields — requestId (the
 * API request that started the order's run), orderId, workflowId, activityType, attempt — which the
 * worker's interceptor (worker/interceptors.ts) scopes with withLogFields(). Outside an activity it
 * is `log` itself. The child is made on an activity's first line: activities that log nothing pay nothing.
 * Lines need not repeat these fields (pino would write a key twice).
 */
export function activityLog(log: Logger): Logger {
  const bound = current.getStore();
  if (!bound) return log;
  if (bound.base !== log || !bound.child) {
    bound.base = log;
    bound.child = log.child(bound.fields);
  }
  return bound.child;
}

/** Runs `fn` (one activity execution) with activityLog() bound to `fields`. */
export function withLogFields<T>(fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  return current.run({ fields }, fn);
}
