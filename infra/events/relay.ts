import pg from 'pg';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { OutboundRuns } from './runs.js';
import { checkStock, queuedWithoutRun, relayFacts, type Fanned, type NoticeAudience } from './stream.js';

/** The channel the outbox trigger NOTIFYs when it queues a fact (migration 20261129200000_events_out). */
export const EVENTS_CHANNEL = 'kami_events';

/** A delivery still queued this long after it was fanned out is started again (idempotently). */
const REKICK_AFTER_MS = 60_000;

export interface EventRelayOptions {
  db: Db;
  databaseUrl: string;
  runs: OutboundRuns;
  audience: NoticeAudience;
  /** How often stock is compared with the low-stock thresholds (and stray queued deliveries started). */
  stockCheckMs: number;
  log: Logger;
}

/**
 * Runs in every worker process: waits on PostgreSQL LISTEN for the outbox trigger's wake-up, relays
 * the queued facts into events, deliveries and notices (infra/events/stream.ts), and starts their
 * runs. Nothing polls while nothing happens: a routine order nobody listens to queues nothing and
 * wakes nobody. Several workers share the queue (SKIP LOCKED); the facts wait in the outbox while
 * no worker runs, and a lost connection is followed by a full drain.
 */
export function startEventRelay(o: EventRelayOptions) {
  const { log } = o;
  let listener: pg.Client | undefined;
  let closed = false;
  let draining: Promise<void> | undefined;
  let again = false;
  let reconnect: NodeJS.Timeout | undefined;

  const startRuns = async (f: Fanned) => {
    if (f.webhooks.length || f.notices.length) await o.runs.startAll(f);
  };

  /** Relays until the outbox is empty; a wake-up during a drain runs one more. */
  function drain(): Promise<void> {
    if (draining) { again = true; return draining; }
    draining = (async () => {
      do {
        again = false;
        for (let batch = await relayFacts(o.db, o.audience); ; batch = await relayFacts(o.db, o.audience)) {
          await startRuns(batch);
          if (batch.facts < 100) break;
        }
      } while (again && !closed);
    })().catch((err) => {
      // the facts stay queued: the next wake-up or tick relays them
      log.warn({ err: (err as Error).message }, 'event relay failed; retried at the next wake-up');
    }).finally(() => { draining = undefined; });
    return draining;
  }

  async function listen() {
    if (closed) return;
    const c = new pg.Client({ connectionString: o.databaseUrl, application_name: 'kami-event-relay' });
    c.on('notification', () => void drain());
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'event relay lost its connection; reconnecting');
      if (listener === c) listener = undefined;
      c.end().catch(() => {});
      reconnect ??= setTimeout(() => { reconnect = undefined; void listen(); }, 1000);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (closed) return void c.end();
      listener = c;
      // whatever was queued while nobody listened
      await drain();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'event relay cannot listen yet; retrying');
      c.end().catch(() => {});
      reconnect ??= setTimeout(() => { reconnect = undefined; void listen(); }, 1000);
    }
  }

  async function tick() {
    try {
      await startRuns(await checkStock(o.db, o.audience));
      await startRuns(await queuedWithoutRun(o.db, REKICK_AFTER_MS));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'stock check or delivery re-start failed; retried at the next tick');
    }
  }

  const ticker = setInterval(() => void tick(), o.stockCheckMs);
  void listen();
  void tick();

  return {
    /** Relays now (tests; the API after queueing a test event needs no wake-up: it starts its run itself). */
    drain,
    async close() {
      closed = true;
      clearInterval(ticker);
      clearTimeout(reconnect);
      await draining;
      await listener?.end().catch(() => {});
    },
  };
}
export type EventRelay = ReturnType<typeof startEventRelay>;
