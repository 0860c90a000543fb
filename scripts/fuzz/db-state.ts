import pg from 'pg';

/**
 * Tables the worker keeps writing on its own schedule (webhook deliveries retried with backoff,
 * the event outbox): settling does not wait for them to be quiet. A refused request that changed
 * them is still caught (and confirmed by replaying it).
 */
const BACKGROUND_TABLES = new Set(['webhook_delivery', 'webhook_attempt', 'event_outbox']);

/**
 * Did the database move? A fingerprint per table — row count and the newest row version
 * (max(xmin): every insert and update writes a new one; a delete lowers the count) — says which
 * tables changed. The next transaction id (`pg_snapshot_xmax(pg_current_snapshot())`) is a
 * shortcut: it only advances when some transaction wrote, so while it stands still the fingerprints
 * cannot have moved. It is cluster-wide, though: on a PostgreSQL shared with other work it moves all
 * the time, and the fingerprints decide.
 * operator_session is fingerprinted by its ids only: a request that merely renews a session
 * (pushes its expiry, at most once a minute) is not a change a refused request must avoid.
 */
export class DbWatch {
  private client: pg.Client;
  private tableSql?: string;
  /** Pending work that stayed pending with the database quiet: not waited for again. */
  readonly stuck = new Set<string>();
  /** The fingerprints as of transaction id `xid`; valid while the xid has not moved. */
  private cached?: { xid: string; tables: Record<string, string> };

  private constructor(client: pg.Client) {
    this.client = client;
  }

  static async open(databaseUrl: string): Promise<DbWatch> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'kami-fuzz-watch' });
    // a dropped database ends the connection: that is the end of the run, not a crash
    client.on('error', () => undefined);
    await client.connect();
    return new DbWatch(client);
  }

  async close() {
    await this.client.end().catch(() => undefined);
  }

  private async xid(): Promise<string> {
    const { rows } = await this.client.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x');
    return rows[0]!.x;
  }

  private async readTables(): Promise<Record<string, string>> {
    if (!this.tableSql) {
      const { rows } = await this.client.query<{ t: string }>(
        "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1");
      this.tableSql = rows.map(({ t }) => {
        const q = `"${t.replace(/"/g, '""')}"`;
        return t === 'operator_session'
          ? `SELECT '${t}' AS t, count(*) || ':' || coalesce(md5(string_agg(id || operator_id::text, ',' ORDER BY id)), '') AS f FROM ${q}`
          : `SELECT '${t}' AS t, count(*) || ':' || coalesce(max(xmin::text::bigint), 0) AS f FROM ${q}`;
      }).join(' UNION ALL ');
    }
    const { rows } = await this.client.query<{ t: string; f: string }>(this.tableSql);
    return Object.fromEntries(rows.map((r) => [r.t, r.f]));
  }

  /** The fingerprints now (read again only when the transaction id moved). */
  async fingerprints(): Promise<Record<string, string>> {
    const xid = await this.xid();
    if (this.cached?.xid !== xid) this.cached = { xid, tables: await this.readTables() };
    return this.cached.tables;
  }

  /** The state to compare with after a request. */
  async snapshot(): Promise<Record<string, string>> {
    return this.fingerprints();
  }

  /** Tables whose rows changed since `before` (empty: none). */
  async changedSince(before: Record<string, string>): Promise<string[]> {
    const now = await this.fingerprints();
    return Object.keys({ ...before, ...now }).filter((t) => before[t] !== now[t]);
  }

  /**
   * Waits until the worker has finished what the last accepted request started: no table changed for
   * `quietMs`, no stored payment waiting to be applied, no order between payment and delivery, no
   * email being sent. Gives up on the latter after `stuckMs` of quiet (an order that stays stuck
   * is Kami's state, not work in flight) and on everything after `maxMs`.
   */
  async settle(o: { quietMs?: number; stuckMs?: number; maxMs?: number } = {}): Promise<{ ms: number; settled: boolean; busy: string[]; stuck?: string[] }> {
    const quietMs = o.quietMs ?? 250;
    const stuckMs = o.stuckMs ?? 2000;
    const maxMs = o.maxMs ?? 10_000;
    const start = Date.now();
    let last = await this.fingerprints();
    let since = Date.now();
    let changing = new Set<string>();
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await this.fingerprints();
      if (now !== last) {
        const moved = Object.keys(now).filter((t) => now[t] !== last[t] && !BACKGROUND_TABLES.has(t));
        if (moved.length) {
          changing = new Set(moved);
          since = Date.now();
        }
        last = now;
      }
      const quiet = Date.now() - since;
      if (quiet >= quietMs) {
        // work seen stuck before is Kami's state by now: waiting for it again would only slow every request
        const waiting = (await this.inFlight()).filter((w) => !this.stuck.has(w));
        if (!waiting.length) return { ms: Date.now() - start, settled: true, busy: [] };
        if (quiet >= stuckMs) {
          for (const w of waiting) this.stuck.add(w);
          return { ms: Date.now() - start, settled: true, busy: [], stuck: waiting };
        }
      }
      if (Date.now() - start > maxMs) return { ms: Date.now() - start, settled: false, busy: [...changing] };
    }
  }

  /** Work the worker has yet to do: stored payments not applied, orders between payment and delivery, emails being sent. */
  private async inFlight(): Promise<string[]> {
    const { rows } = await this.client.query<{ what: string }>(`
      SELECT 'payment ' || p.id || ' of ' || p.order_id || ' (order ' || o.status || ') not applied' AS what
        FROM payment p JOIN "order" o ON o.id = p.order_id WHERE p.applied_at IS NULL
      UNION ALL SELECT 'order ' || id || ' ' || status FROM "order" WHERE status IN ('paid', 'delivering')
      UNION ALL SELECT 'email of ' || order_id || ' sending' FROM delivery WHERE status = 'sending'
      LIMIT 20`);
    return rows.map((r) => r.what);
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query<T>(sql, params)).rows;
  }
}
