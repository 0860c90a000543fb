/**
 * A partner's webhook endpoint on 127.0.0.1:0, as a partner would write one: it checks Kami's
 * signature (the documented recipe, recomputed here with node:crypto, not Kami's code), refuses a
 * stale timestamp or a reused nonce, de-duplicates events by id, and records every request. A
 * `plan` makes it fail: answer a status, drop the connection, or hold the request open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { kamiSignatureVerifier } from './kami-signature.js';

export type Reply = number | 'drop' | 'hang';

export interface Received {
  eventId: string;
  type: string;
  body: any;
  raw: string;
  headers: Record<string, string>;
  signatureValid: boolean;
  /** What the receiver answered (a status, or drop/hang). */
  reply: Reply;
  /** First time this event id was accepted (2xx) by the receiver. */
  firstAccepted: boolean;
}

export interface ReceiverOptions {
  /** The channel's key id → secret, as the partner stored them when the key was issued. */
  secrets: Record<string, string>;
  /** How to answer the n-th request (1-based) carrying an event id; default 200. */
  plan?: (eventId: string, n: number, type: string) => Reply;
}

export async function startWebhookReceiver(opts: ReceiverOptions) {
  const received: Received[] = [];
  const accepted = new Map<string, number>();
  const perEvent = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let plan = opts.plan ?? (() => 200);
  let waiters: (() => void)[] = [];

  const verify = kamiSignatureVerifier((id) => opts.secrets[id]);

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const signatureValid = verify(req, raw);
    let body: any = null;
    try { body = JSON.parse(raw); } catch { /* recorded as is */ }
    const eventId = String(body?.id ?? '');
    const n = (perEvent.get(eventId) ?? 0) + 1;
    perEvent.set(eventId, n);
    const reply: Reply = signatureValid ? plan(eventId, n, body?.type) : 401;
    const firstAccepted = typeof reply === 'number' && reply < 300 && !accepted.has(eventId);
    if (typeof reply === 'number' && reply < 300) accepted.set(eventId, (accepted.get(eventId) ?? 0) + 1);
    received.push({ eventId, type: body?.type, body, raw, headers: req.headers as Record<string, string>, signatureValid, reply, firstAccepted });
    for (const w of waiters) w();
    if (reply === 'drop') return void req.socket.destroy();
    if (reply === 'hang') return void held.add(res);
    res.writeHead(reply, { 'content-type': 'application/json' }).end(JSON.stringify({ received: eventId, duplicate: !firstAccepted }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    received,
    /** Times each event id was answered with a 2xx. */
    accepted,
    /** Requests held open right now (plan 'hang'). */
    get open() { return held.size; },
    setPlan(p: NonNullable<ReceiverOptions['plan']>) { plan = p; },
    /** Waits until `check` holds over what was received. */
    async until(check: () => boolean, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > end) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${received.length} requests)`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
        waiters = [];
      }
    },
    async close() {
      for (const res of held) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
