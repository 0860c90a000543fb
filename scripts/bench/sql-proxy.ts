import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts what a client does, read off the wire protocol (v3)
 * and independent of the client's own code: a statement is a simple Query ('Q') or an Execute ('E')
 * of the extended protocol; a transaction ends at each ReadyForQuery ('Z') that reports idle ('I')
 * after either an explicit transaction (the status before was 'T' or 'E') or at least one command
 * completed since the last ReadyForQuery (an implicit, single-statement transaction). Bytes pass
 * through unchanged. One listening port per label, so each process's connections are counted apart.
 */
export interface SqlCounts {
  statements: number;
  /** Of the statements: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE (transaction control). */
  control: number;
  transactions: number;
  /** Statements by their text (whitespace collapsed), so a reader can see which ones an order runs. */
  byText: Map<string, number>;
}

const empty = (): SqlCounts => ({ statements: 0, control: 0, transactions: 0, byText: new Map() });
const CONTROL = /^(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const SSL_REQUEST = 80877103, GSS_REQUEST = 80877104, CANCEL_REQUEST = 80877102;

export function cloneCounts(c: SqlCounts): SqlCounts {
  return { statements: c.statements, control: c.control, transactions: c.transactions, byText: new Map(c.byText) };
}

/** `after - before`, statement texts included. */
export function diffCounts(after: SqlCounts, before: SqlCounts): SqlCounts {
  const byText = new Map<string, number>();
  for (const [text, n] of after.byText) {
    const d = n - (before.byText.get(text) ?? 0);
    if (d) byText.set(text, d);
  }
  return { statements: after.statements - before.statements, control: after.control - before.control, transactions: after.transactions - before.transactions, byText };
}

const cstring = (buf: Buffer, at: number): [string, number] => {
  const end = buf.indexOf(0, at);
  return [buf.toString('utf8', at, end), end + 1];
};

/** Splits a byte stream into messages: `untyped` while the stream is in its start-up phase (no type byte). */
class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private onMessage: (type: string | null, body: Buffer) => void, public untyped: boolean) {}
  /** Bytes to hand over as a single byte answer (the server's reply to SSLRequest). */
  pendingSingleBytes = 0;
  push(chunk: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.pendingSingleBytes > 0) {
        if (this.buf.length < 1) return;
        this.pendingSingleBytes--;
        this.buf = this.buf.subarray(1);
        continue;
      }
      const head = this.untyped ? 4 : 5;
      if (this.buf.length < head) return;
      const len = this.untyped ? this.buf.readInt32BE(0) : this.buf.readInt32BE(1);
      const total = this.untyped ? len : len + 1;
      if (this.buf.length < total) return;
      const type = this.untyped ? null : String.fromCharCode(this.buf[0]!);
      const body = this.buf.subarray(head, total);
      this.buf = this.buf.subarray(total);
      this.onMessage(type, body);
    }
  }
}

export interface CountingProxy {
  /** The port clients labelled `label` connect to (opened on first use). */
  portFor(label: string): Promise<number>;
  host: string;
  /** Running totals per label. */
  counts(label: string): SqlCounts;
  close(): Promise<void>;
}

export function startCountingProxy(target: { host: string; port: number }): CountingProxy {
  const servers = new Map<string, { server: Server; port: number }>();
  const totals = new Map<string, SqlCounts>();
  const sockets = new Set<Socket>();
  const countsOf = (label: string) => totals.get(label) ?? (totals.set(label, empty()), totals.get(label)!);

  const handle = (label: string, client: Socket) => {
    const c = countsOf(label);
    const server = connect(target.port, target.host);
    sockets.add(client).add(server);
    const statements = new Map<string, string>(); // prepared statement name → text ('' = unnamed)
    const portals = new Map<string, string>(); // portal name → statement name
    let status = 'I';
    let completed = 0;
    const count = (text: string | undefined) => {
      c.statements++;
      const t = (text ?? '?').replace(/\s+/g, ' ').trim();
      if (CONTROL.test(t)) c.control++;
      c.byText.set(t, (c.byText.get(t) ?? 0) + 1);
    };
    const fromClient = new MessageReader((type, body) => {
      if (type === null) {
        const code = body.readInt32BE(0);
        if (code === SSL_REQUEST || code === GSS_REQUEST) { fromServer.pendingSingleBytes++; return; }
        if (code === CANCEL_REQUEST) return;
        fromClient.untyped = false; // StartupMessage: typed messages from now on
        return;
      }
      if (type === 'Q') count(cstring(body, 0)[0]);
      else if (type === 'P') {
        const [name, at] = cstring(body, 0);
        statements.set(name, cstring(body, at)[0]);
      } else if (type === 'B') {
        const [portal, at] = cstring(body, 0);
        portals.set(portal, cstring(body, at)[0]);
      } else if (type === 'E') {
        const [portal] = cstring(body, 0);
        count(statements.get(portals.get(portal) ?? ''));
      }
    }, true);
    const fromServer = new MessageReader((type, body) => {
      if (type === 'C') completed++;
      else if (type === 'Z') {
        const next = String.fromCharCode(body[0]!);
        if (next === 'I' && (status !== 'I' || completed > 0)) c.transactions++;
        status = next;
        completed = 0;
      }
    }, false);
    client.on('data', (chunk: Buffer) => { server.write(chunk); try { fromClient.push(chunk); } catch { /* counting never breaks the connection */ } });
    server.on('data', (chunk: Buffer) => { client.write(chunk); try { fromServer.push(chunk); } catch { /* idem */ } });
    const close = () => { client.destroy(); server.destroy(); sockets.delete(client); sockets.delete(server); };
    client.on('close', close).on('error', close);
    server.on('close', close).on('error', close);
  };

  return {
    host: '127.0.0.1',
    async portFor(label) {
      const known = servers.get(label);
      if (known) return known.port;
      const server = createServer((s) => handle(label, s));
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
      const port = (server.address() as { port: number }).port;
      servers.set(label, { server, port });
      return port;
    },
    counts: (label) => countsOf(label),
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([...servers.values()].map(({ server }) => new Promise((r) => server.close(r))));
    },
  };
}
