/**
 * A merchant's fulfilment endpoint on 127.0.0.1:0, as a merchant would write one from README's
 * recipe (node:crypto, not Kami's code): it checks Kami's signature under the secret the panel
 * showed once, refuses a stale timestamp or a reused nonce, and tops up each order id once — a repeat
 * (Kami's retry) gets the first answer again. A `plan` makes a call fail: answer a status, drop the
 * connection, hold it open, or refuse the order.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { kamiSignatureVerifier } from './kami-signature.js';

export type MerchantReply = 'fulfil' | 'refuse' | 'drop' | 'hang' | number;

export interface MerchantCall { orderId: string; body: any; signatureValid: boolean; idempotencyKey: string; reply: MerchantReply }

export async function startMerchant(opts: { plan?: (orderId: string, n: number) => MerchantReply; receipt?: (orderId: string) => string | undefined } = {}) {
  let secret = '';
  let keyId = '';
  const calls: MerchantCall[] = [];
  /** order id → the receipt it was topped up with (once). */
  const toppedUp = new Map<string, string | undefined>();
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let plan = opts.plan ?? (() => 'fulfil');
  let topUps = 0;

  const verify = kamiSignatureVerifier((id) => (secret && id === keyId ? secret : undefined));

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const signatureValid = verify(req, raw);
    let body: any = null;
    try { body = JSON.parse(raw); } catch { /* recorded as is */ }
    const orderId = String(body?.orderId ?? '');
    const idempotencyKey = String(req.headers['kami-idempotency-key'] ?? '');
    const n = calls.filter((c) => c.orderId === orderId).length + 1;
    const reply: MerchantReply = signatureValid ? plan(orderId, n) : 401;
    calls.push({ orderId, body, signatureValid, idempotencyKey, reply });
    const json = (status: number, b: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
    if (reply === 'drop') return void req.socket.destroy();
    if (typeof reply === 'number') return json(reply, { error: 'unavailable' });
    if (reply === 'refuse') return json(422, { status: 'refused', reason: `no such game account: ${body?.buyerInput?.account ?? '?'}` });
    // the merchant's own de-duplication: an order id is topped up once, and a repeat answers the same
    if (!toppedUp.has(idempotencyKey)) {
      topUps++;
      toppedUp.set(idempotencyKey, opts.receipt ? opts.receipt(orderId) : `TOPUP-${orderId}`);
    }
    // topped up, and then the answer never leaves (the caller dies or times out mid-call)
    if (reply === 'hang') return void held.add(res);
    const receipt = toppedUp.get(idempotencyKey);
    json(200, { status: 'fulfilled', ...(receipt ? { receipt } : {}), reference: `M-${idempotencyKey}` });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kami/fulfil`;
  return {
    url, calls, toppedUp,
    get topUps() { return topUps; },
    get open() { return held.size; },
    /** The key id and secret the panel showed once. */
    useSecret(k: { keyId: string; secret: string }) { keyId = k.keyId; secret = k.secret; },
    setPlan(p: (orderId: string, n: number) => MerchantReply) { plan = p; },
    /** Answers every held call now (fulfils it). */
    releaseHeld() { for (const res of held) res.destroy(); held.clear(); },
    async until(check: () => boolean, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > end) throw new Error(`merchant: condition not met within ${timeoutMs} ms (${calls.length} calls)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      for (const res of held) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
export type FakeMerchant = Awaited<ReturnType<typeof startMerchant>>;
