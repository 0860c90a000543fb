import pg from 'pg';

const POLL_MS = 5;
const GIVE_UP_MS = 60_000;

/**
 * Tells buyers when their keys became readable without each of them polling the API: one query every
 * 5 ms over all waiting orders (`delivered_at` is stamped in the transaction that makes keys readable).
 * It only paces the buyers; latencies come from the timestamps in the database, not from this.
 */
export async function startReadableWatcher(databaseUrl: string, signal: AbortSignal) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void; since: number }>();
  let stopped = false;
  let broken: Error | undefined;
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  // without a listener a lost connection (the database dropped on Ctrl-C, a restart) would crash the process
  client.on('error', (err) => { broken = err; failAll(err); });
  const onAbort = () => failAll(signal.reason as Error);
  signal.addEventListener('abort', onAbort);
  /** Queries this watcher sent, so the run's transaction count can leave them out. */
  let queries = 0;

  const loop = (async () => {
    while (!stopped) {
      if (waiting.size) {
        try {
          queries++;
          const { rows } = await client.query<{ id: string }>('SELECT id FROM "order" WHERE id = ANY($1) AND delivered_at IS NOT NULL', [[...waiting.keys()]]);
          for (const { id } of rows) { waiting.get(id)?.resolve(); waiting.delete(id); }
          const now = Date.now();
          for (const [id, w] of waiting) {
            if (now - w.since > GIVE_UP_MS) { w.reject(new Error(`order ${id}: keys not readable after ${GIVE_UP_MS / 1000}s`)); waiting.delete(id); }
          }
        } catch (err) {
          failAll(err as Error);
        }
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();

  return {
    queries: () => queries,
    readable(orderId: string): Promise<void> {
      if (broken ?? signal.aborted) return Promise.reject(broken ?? signal.reason);
      return new Promise((resolve, reject) => waiting.set(orderId, { resolve, reject, since: Date.now() }));
    },
    /** Resolves once every order of the product is `delivered` (email sent), polling every 50 ms. */
    async allDelivered(productId: string, count: number, signal: AbortSignal, timeoutMs = 120_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        signal.throwIfAborted();
        queries++;
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "order" WHERE product_id = $1 AND status = 'delivered'`, [productId]);
        if (Number(rows[0]!.n) >= count) return;
        if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${count} orders were delivered after ${timeoutMs / 1000}s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      signal.removeEventListener('abort', onAbort);
      stopped = true;
      await loop;
      if (!broken) await client.end();
    },
  };
}
export type ReadableWatcher = Awaited<ReturnType<typeof startReadableWatcher>>;
