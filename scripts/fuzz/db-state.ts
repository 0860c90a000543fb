import pg from 'pg';

/**
 * Did the database move? Two levels, both cheap:
 * 1. the next transaction id (`pg_snapshot_xmax(pg_current_snapshot())`) only advances when some
 *    transaction wrote (or locked a row): unchanged → nothing changed, one round trip;
 * 2. when it did advance, a fingerprint per table — row count and the newest row version
 *    (max(xmin): every insert and update writes a new one) — says which tables changed.
 * operator_session is fingerprinted by its ids only: a request that merely renews a session
 * (pushes its expiry, at most once a minute) is not a change a refused request must avoid.
 */
export class DbWatch {
  private client: pg.Client;
  private tableSql?: string;
  /** Pending work that stayed pending with the database quiet: not waited for again. */
  readonly stuck = new Set<string>();
  /** Fingerprints as of `cachedXid`; valid while the xid has not moved. */
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

  async xid(): Promise<string> {
    const { rows } = await this.client.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x');
    return rows[0]!.x;
  }

  private async tables(): Promise<Record<string, string>> {
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

  /** The state to compare with after a request. */
  async snapshot(): Promise<{ xid: string; tables: () => Promise<Record<string, string>> }> {
    const xid = await this.xid();
    if (this.cached?.xid !== xid) this.cached = { xid, tables: await this.tables() };
    const tables = this.cached.tables;
    return { xid, tables: async () => tables };
  }

  /** Tables whose rows changed since `before` (empty: none). */
  async changedSince(before: { xid: string; tables: () => Promise<Record<string, string>> }): Promise<string[]> {
    const xid = await this.xid();
    if (xid === before.xid) return [];
    const [was, now] = [await before.tables(), await this.tables()];
    this.cached = { xid, tables: now };
    return Object.keys({ ...was, ...now }).filter((t) => was[t] !== now[t]);
  }

  /**
   * Waits until the worker has finished what the last accepted request started: no transaction for
   * `quietMs`, no stored payment waiting to be applied, no order between payment and delivery, no
   * email being sent. Gives up on the latter after `stuckMs` of silence (an order that stays stuck
   * is Kami's state, not work in flight) and on everything after `maxMs`.
   */
  async settle(o: { quietMs?: number; stuckMs?: number; maxMs?: number } = {}): Promise<{ ms: number; settled: boolean; busy: string[]; stuck?: string[] }> {
    const quietMs = o.quietMs ?? 250;
    const stuckMs = o.stuckMs ?? 2000;
    const maxMs = o.maxMs ?? 10_000;
    const start = Date.now();
    let last = await this.xid();
    let since = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const xid = await this.xid();
      if (xid !== last) { last = xid; since = Date.now(); }
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
      if (Date.now() - start > maxMs) {
        // still busy: name the tables that keep changing, or else the statements running, for the report
        const a = await this.tables();
        const running = new Set<string>();
        for (let i = 0; i < 15; i++) {
          await new Promise((r) => setTimeout(r, 100));
          for (const { q } of (await this.client.query<{ q: string }>(`SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS q FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`)).rows) running.add(q);
        }
        const b = await this.tables();
        const changed = Object.keys(b).filter((t) => a[t] !== b[t]);
        return { ms: Date.now() - start, settled: false, busy: changed.length ? changed : [...running].slice(0, 3).map((q) => `running: ${q}`) };
      }
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
