import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy the harness can cut: `cut()` destroys every proxied connection and stops listening, so
 * new connections are refused (ECONNREFUSED) as if the server behind it were gone; `open()` listens
 * again on the same port. Bytes pass through unchanged. Kami's DATABASE_URL (and SMTP_URL) point here;
 * the shared server behind it never stops.
 */
export interface TcpGate {
  name: string;
  port: number;
  isOpen(): boolean;
  cut(): Promise<void>;
  open(): Promise<void>;
  stats(): GateStats;
  close(): Promise<void>;
}

/** Connections proxied in all, open now, destroyed by cuts, and upstream connects that failed. */
export interface GateStats { connections: number; open: number; destroyedByCuts: number; upstreamErrors: number }

export async function startTcpGate(name: string, target: { host: string; port: number }, port = 0): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  const stats: GateStats = { connections: 0, open: 0, destroyedByCuts: 0, upstreamErrors: 0 };
  let server: Server;
  let listening = false;

  const handle = (client: Socket) => {
    stats.connections++;
    const upstream = connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    stats.open++;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stats.open--;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', close).on('close', close);
    upstream.on('error', () => { stats.upstreamErrors++; close(); }).on('close', close);
  };

  const listen = async () => {
    for (let attempt = 1; ; attempt++) {
      server = createServer(handle);
      try {
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
        port = (server.address() as { port: number }).port;
        listening = true;
        return;
      } catch (err) {
        // the port was free a moment ago; after a cut the kernel may briefly hold it
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await listen();

  return {
    name,
    get port() { return port; },
    isOpen: () => listening,
    async cut() {
      if (!listening) return;
      listening = false;
      const closed = new Promise((r) => server.close(r));
      stats.destroyedByCuts += sockets.size / 2; // client and upstream socket of each connection
      for (const s of sockets) s.destroy();
      sockets.clear();
      await closed;
    },
    async open() {
      if (!listening) await listen();
    },
    stats: () => ({ ...stats }),
    async close() {
      listening = false;
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
