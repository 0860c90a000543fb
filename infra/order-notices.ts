import pg from 'pg';
import type { Logger } from './logger.js';

/** The channel the order's steps NOTIFY with the order id when its status changes (see settle-store, order-store). */
export const ORDER_CHANNEL = 'kami_order';

export interface OrderWaiter {
  /** Resolves true at the order's next notification (or one that came since the last call), false at the timeout or abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
}

/**
 * Wakes readers of an order when it changes, through PostgreSQL LISTEN/NOTIFY on one connection:
 * a buyer's long poll costs no query while it waits. While the connection is down, waiters fall
 * back to re-reading every second.
 */
export function createOrderNotices(databaseUrl: string, log: Logger) {
  const waiters = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;

  function connect(): Promise<void> {
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      c.on('notification', (n) => { for (const wake of waiters.get(n.payload ?? '') ?? []) wake(); });
      c.on('error', (err) => {
        log.warn({ err: err.message }, 'order notifications lost their connection; reconnecting on the next wait');
        if (client === c) client = undefined;
        connecting = undefined;
      });
      await c.connect();
      await c.query(`LISTEN ${ORDER_CHANNEL}`);
      if (closed) return void c.end();
      client = c;
    })().catch((err) => {
      log.warn({ err: (err as Error).message }, 'order notifications unavailable; long polls re-read every second');
      connecting = undefined;
    });
    return connecting;
  }

  return {
    /** Starts listening for one order; call before reading it, so no change slips between the read and the wait. */
    async waitFor(orderId: string): Promise<OrderWaiter> {
      if (!client && !closed) await connect();
      let pending = 0;
      let wake: (() => void) | undefined;
      const onNotice = () => { pending++; wake?.(); };
      const set = waiters.get(orderId) ?? new Set();
      set.add(onNotice);
      waiters.set(orderId, set);
      return {
        next(timeoutMs, signal) {
          if (pending > 0) { pending = 0; return Promise.resolve(true); }
          // without a listening connection, a short sleep stands in for the notification
          const limit = client ? timeoutMs : Math.min(timeoutMs, 1000);
          return new Promise<boolean>((resolve) => {
            const done = (woke: boolean) => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', aborted);
              wake = undefined;
              pending = 0;
              resolve(woke || !client);
            };
            const aborted = () => done(false);
            const timer = setTimeout(() => done(false), Math.max(0, limit));
            signal?.addEventListener('abort', aborted, { once: true });
            wake = () => done(true);
          });
        },
        close() {
          set.delete(onNotice);
          if (!set.size) waiters.delete(orderId);
        },
      };
    },
    async close() {
      closed = true;
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
export type OrderNotices = ReturnType<typeof createOrderNotices>;
