/**
 * A small stateful Stripe for tests, on 127.0.0.1:0: the parts of the API Kami calls (Checkout
 * Sessions, their expiry, Refunds), checked like Stripe checks them, and a webhook sender that signs
 * every delivery with `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(whsec, "<t>.<raw body>")>`,
 * retries on a compressed schedule until it gets a 2xx, and records what Kami answered. The Go
 * stripe-mock is stateless (a session is never paid); this one keeps sessions, PaymentIntents and
 * refunds, and has knobs for everything that goes wrong in the field.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
const API_VERSION = '2026-10-28.endive';

const rid = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const unix = (ms = Date.now()) => Math.floor(ms / 1000);
const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

export interface FakeSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  customer: string | null;
  customer_details: { email: string } | null;
  url: string | null;
  success_url: string;
  cancel_url: string | null;
  expires_at: number;
  created: number;
  livemode: boolean;
  client_secret: null;
}

export interface FakePaymentIntent { id: string; amount: number; currency: string; status: 'succeeded' | 'processing'; amount_refunded: number; metadata: Record<string, string> }
export interface FakeRefund { id: string; object: 'refund'; amount: number; currency: string; payment_intent: string; status: 'succeeded'; metadata: Record<string, string>; created: number }

/** One delivery attempt of an event to Kami, and what Kami answered. */
export interface Delivery { eventId: string; type: string; attempt: number; status: number; body: string; header: string }

/** A call Kami made to the API. */
export interface ApiCall { method: string; path: string; authorized: boolean; idempotencyKey?: string; stripeVersion?: string; form: Record<string, unknown> }

export interface SendOptions {
  /** Stripe reports it but it never reaches Kami (a lost callback). */
  drop?: boolean;
  /** Deliver it this many times (each a full delivery with its own retries). */
  copies?: number;
  /** Deliver the copies all at once rather than one after another. */
  concurrent?: boolean;
  /** Wait this long before the first delivery. */
  delayMs?: number;
  /** Fields of the session object as the event reports them (signed: what Stripe says), on top of the session's state. */
  session?: Partial<FakeSession>;
  /** Change the raw body after signing (a forgery: the signature no longer covers it). */
  alterAfterSigning?: (raw: string) => string;
  /** Sign with this secret instead of the endpoint's. */
  secret?: string;
  /** Sign with this unix time instead of now (a stale or replayed event). */
  timestamp?: number;
  /** Two v1 signatures, as during a secret roll: the old secret's and the current one's, in this order. */
  rolledFrom?: string; rollOrder?: 'old-first' | 'new-first';
  /** A Stripe-Signature header sent verbatim. */
  header?: string;
  /** The event's livemode (default: the session's, false). */
  livemode?: boolean;
  /** Pauses between retries of an unacknowledged delivery (Stripe's 3 days of backoff, compressed). */
  retries?: number[];
}

export type QueryFault = 'timeout' | 500 | 503;

export interface StripeFake {
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** Where events go (Kami's notify URL), set once Kami listens. */
  endpoint: string | undefined;
  sessions: Map<string, FakeSession>;
  paymentIntents: Map<string, FakePaymentIntent>;
  refunds: FakeRefund[];
  calls: ApiCall[];
  deliveries: Delivery[];
  /** Answers the next session reads with these faults, one each, in order. */
  queryFaults: QueryFault[];
  /** Reads of these sessions fail: one fault (every read, until removed) or a list (one per read, in order). */
  sessionFaults: Map<string, QueryFault | QueryFault[]>;
  /** Refunds: the next one is made but its answer lost (a 500 after the write), as a dropped connection would. */
  loseNextRefundAnswer: boolean;
  /** Refuse every key (Stripe answers 401, naming the key masked). */
  rejectKeys: boolean;
  /** Send checkout.session.expired to the endpoint when a session is expired through the API. */
  emitExpired: boolean;
  /** The session Kami opened for one of its gateway order numbers. */
  sessionFor(gatewayOrderNo: string): FakeSession | undefined;
  /** The buyer pays on Stripe's page (immediately, or by an async method that confirms later); optionally a different amount or currency. */
  pay(sessionId: string, opts?: { async?: boolean; amount?: number; currency?: string; email?: string }): FakeSession;
  /** An async payment method confirms (or fails). */
  settleAsync(sessionId: string, ok: boolean): FakeSession;
  /** Builds an event of `type` for the session's current state (plus `opts.session`) and delivers it. */
  send(type: string, sessionId: string, opts?: SendOptions): Promise<Delivery[]>;
  /** Delivers a raw event object (for events Kami never asked about). */
  sendEvent(event: Record<string, unknown>, opts?: SendOptions): Promise<Delivery[]>;
  /** Delivers an event sent before once more, unchanged (Stripe's redelivery of the same event id). */
  resend(eventId: string, opts?: SendOptions): Promise<Delivery[]>;
  /** What Kami answered for one event id. */
  answersFor(eventId: string): Delivery[];
  close(): Promise<void>;
}

/** Nested form fields as Stripe's SDK encodes them (`a[b][0][c]=v`) → nested objects (array indexes as keys). */
export function parseForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    path.forEach((k, i) => {
      if (i === path.length - 1) node[k] = value;
      else node = (node[k] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

export async function startStripeFake(opts: { secretKey?: string; webhookSecret?: string } = {}): Promise<StripeFake> {
  const secretKey = opts.secretKey ?? `sk_test_${randomBytes(18).toString('hex')}`;
  const webhookSecret = opts.webhookSecret ?? `whsec_${randomBytes(24).toString('base64').replace(/[+/=]/g, 'x')}`;
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  const idempotent = new Map<string, { params: string; status: number; body: string }>();

  const error = (res: ServerResponse, status: number, err: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': rid('req') });
    res.end(JSON.stringify({ error: err }, null, 2));
  };
  const ok = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': rid('req'), ...headers });
    res.end(JSON.stringify(body, null, 2));
  };
  const missing = (res: ServerResponse, what: string, id: string) =>
    error(res, 404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}: '${id}'`, param: 'id' });

  /** A session past its expires_at is expired, as Stripe expires it on its own. */
  const fresh = (s: FakeSession) => {
    if (s.status === 'open' && s.expires_at <= unix()) expire(s);
    return s;
  };
  const expire = (s: FakeSession) => {
    s.status = 'expired';
    s.url = null;
    if (fake.emitExpired && fake.endpoint) void fake.send('checkout.session.expired', s.id, { retries: [] }).catch(() => undefined);
  };

  function createSession(res: ServerResponse, form: Record<string, any>) {
    const item = form.line_items?.['0'];
    const price = item?.price_data;
    const currency = String(price?.currency ?? '');
    const unitAmount = Number(price?.unit_amount);
    const quantity = Number(item?.quantity ?? 1);
    const now = unix();
    const expiresAt = form.expires_at === undefined ? now + 86_400 : Number(form.expires_at);
    const invalid = (message: string, param: string) => error(res, 400, { type: 'invalid_request_error', message, param });
    if (form.mode !== 'payment') return invalid('mode must be payment here', 'mode');
    if (!form.success_url) return invalid('Missing required param: success_url.', 'success_url');
    if (!/^[a-z]{3}$/.test(currency)) return invalid('Invalid currency', 'line_items[0][price_data][currency]');
    if (!Number.isInteger(unitAmount) || unitAmount < 1 || !Number.isInteger(quantity) || quantity < 1) {
      return invalid('Invalid integer', 'line_items[0][price_data][unit_amount]');
    }
    if (THREE_DECIMAL.has(currency) && unitAmount % 10 !== 0) {
      return invalid(`Invalid amount: ${currency.toUpperCase()} amounts must end in 0.`, 'line_items[0][price_data][unit_amount]');
    }
    if (expiresAt < now + 1800 || expiresAt > now + 86_400) {
      return invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'expires_at');
    }
    const id = rid('cs');
    const session: FakeSession = {
      id, object: 'checkout.session', mode: 'payment', status: 'open', payment_status: 'unpaid',
      amount_subtotal: unitAmount * quantity, amount_total: unitAmount * quantity, currency,
      client_reference_id: form.client_reference_id ?? null, metadata: { ...(form.metadata ?? {}) },
      payment_intent: null, customer: null, customer_details: null,
      url: `${fake.url}/c/pay/${id}`, success_url: form.success_url, cancel_url: form.cancel_url ?? null,
      expires_at: expiresAt, created: now, livemode: false, client_secret: null,
    };
    Object.defineProperty(session, 'piMetadata', { value: { ...(form.payment_intent_data?.metadata ?? {}) }, enumerable: false });
    fake.sessions.set(id, session);
    ok(res, session);
  }

  function createRefund(req: IncomingMessage, res: ServerResponse, form: Record<string, any>, raw: string) {
    const key = req.headers['idempotency-key'] as string | undefined;
    if (key && idempotent.has(key)) {
      const seen = idempotent.get(key)!;
      if (seen.params !== raw) {
        return error(res, 400, { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` });
      }
      res.writeHead(seen.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true', 'request-id': rid('req') });
      return res.end(seen.body);
    }
    const pi = fake.paymentIntents.get(String(form.payment_intent ?? ''));
    if (!pi) return missing(res, 'payment_intent', String(form.payment_intent));
    const amount = form.amount === undefined ? pi.amount - pi.amount_refunded : Number(form.amount);
    if (pi.status !== 'succeeded') return error(res, 400, { type: 'invalid_request_error', code: 'charge_not_refundable', message: 'This PaymentIntent has not succeeded.' });
    if (!Number.isInteger(amount) || amount < 1 || amount > pi.amount - pi.amount_refunded) {
      return error(res, 400, { type: 'invalid_request_error', code: 'amount_too_large', message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${pi.amount - pi.amount_refunded})` });
    }
    pi.amount_refunded += amount;
    const refund: FakeRefund = {
      id: rid('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, status: 'succeeded',
      metadata: { ...(form.metadata ?? {}) }, created: unix(),
    };
    fake.refunds.push(refund);
    const body = JSON.stringify(refund, null, 2);
    if (key) idempotent.set(key, { params: raw, status: 200, body });
    if (fake.loseNextRefundAnswer) {
      fake.loseNextRefundAnswer = false;
      // written, but the answer is lost: the caller cannot know, and must retry with the same key
      return error(res, 500, { type: 'api_error', message: 'An unknown error occurred' });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': rid('req') });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', fake.url);
    const form = req.method === 'POST' ? parseForm(raw) : Object.fromEntries(url.searchParams);
    const authorized = !fake.rejectKeys && req.headers.authorization === `Bearer ${secretKey}`;
    fake.calls.push({
      method: req.method ?? '', path: url.pathname, authorized, form,
      ...(req.headers['idempotency-key'] ? { idempotencyKey: String(req.headers['idempotency-key']) } : {}),
      ...(req.headers['stripe-version'] ? { stripeVersion: String(req.headers['stripe-version']) } : {}),
    });
    if (!authorized) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      return error(res, 401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${given.slice(0, 8)}****${given.slice(-4)}` });
    }

    const sessionPath = /^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') return createSession(res, form as Record<string, any>);
    if (req.method === 'GET' && sessionPath && !sessionPath[2]) {
      const planned = fake.sessionFaults.get(sessionPath[1]!);
      const fault = (Array.isArray(planned) ? planned.shift() : planned) ?? fake.queryFaults.shift();
      if (fault === 'timeout') { hung.add(res); res.on('close', () => hung.delete(res)); return; } // never answers
      if (fault) return error(res, fault, { type: 'api_error', message: 'An unknown error occurred' });
      const s = fake.sessions.get(sessionPath[1]!);
      return s ? ok(res, fresh(s)) : missing(res, 'checkout.session', sessionPath[1]!);
    }
    if (req.method === 'POST' && sessionPath?.[2]) {
      const s = fake.sessions.get(sessionPath[1]!);
      if (!s) return missing(res, 'checkout.session', sessionPath[1]!);
      if (fresh(s).status !== 'open') {
        return error(res, 400, { type: 'invalid_request_error', message: `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${s.status}".` });
      }
      expire(s);
      return ok(res, s);
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') return createRefund(req, res, form as Record<string, any>, raw);
    return error(res, 404, { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname}).` });
  }

  function signatureHeader(raw: string, o: SendOptions): string {
    if (o.header !== undefined) return o.header;
    const t = o.timestamp ?? unix();
    const current = hmac(o.secret ?? webhookSecret, `${t}.${raw}`);
    if (!o.rolledFrom) return `t=${t},v1=${current}`;
    const old = hmac(o.rolledFrom, `${t}.${raw}`);
    return o.rollOrder === 'new-first' ? `t=${t},v1=${current},v1=${old}` : `t=${t},v1=${old},v1=${current}`;
  }

  /** One delivery with Stripe's retries: re-signed at every attempt (a new t), until a 2xx or the schedule ends. */
  async function deliver(event: Record<string, unknown>, o: SendOptions): Promise<Delivery[]> {
    const out: Delivery[] = [];
    const schedule = o.retries ?? [100, 300, 1000];
    // Stripe sends its events pretty-printed: the signature covers these exact bytes
    const signed = JSON.stringify(event, null, 2);
    for (let attempt = 0; ; attempt++) {
      const header = signatureHeader(signed, o);
      const body = o.alterAfterSigning ? o.alterAfterSigning(signed) : signed;
      let status = 0;
      let answer = '';
      try {
        const res = await fetch(fake.endpoint!, {
          method: 'POST', body,
          headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
          signal: AbortSignal.timeout(30_000),
        });
        status = res.status;
        answer = await res.text();
      } catch (err) {
        answer = String(err);
      }
      const d = { eventId: String(event.id), type: String(event.type), attempt, status, body: answer, header };
      out.push(d);
      fake.deliveries.push(d);
      if (status >= 200 && status < 300) return out;
      const pause = schedule[attempt];
      if (pause === undefined) return out;
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  const sent = new Map<string, Record<string, unknown>>();

  async function sendEvent(event: Record<string, unknown>, o: SendOptions = {}): Promise<Delivery[]> {
    sent.set(String(event.id), event);
    if (o.drop) return [];
    if (!fake.endpoint) throw new Error('the fake has no endpoint to send to');
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    const copies = o.copies ?? 1;
    if (o.concurrent) return (await Promise.all(Array.from({ length: copies }, () => deliver(event, o)))).flat();
    const all: Delivery[] = [];
    for (let i = 0; i < copies; i++) all.push(...await deliver(event, o));
    return all;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => error(res, 500, { type: 'api_error', message: String(err) }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));

  const fake: StripeFake = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secretKey, webhookSecret, endpoint: undefined,
    sessions: new Map(), paymentIntents: new Map(), refunds: [], calls: [], deliveries: [],
    queryFaults: [], sessionFaults: new Map(), loseNextRefundAnswer: false, rejectKeys: false, emitExpired: true,

    sessionFor: (no) => [...fake.sessions.values()].find((s) => s.client_reference_id === no),

    pay(sessionId, o = {}) {
      const s = fake.sessions.get(sessionId);
      if (!s) throw new Error(`no session ${sessionId}`);
      if (fresh(s).status !== 'open') throw new Error(`session ${sessionId} is ${s.status}: it cannot be paid`);
      if (o.amount !== undefined) { s.amount_total = o.amount; s.amount_subtotal = o.amount; }
      if (o.currency !== undefined) s.currency = o.currency;
      const pi: FakePaymentIntent = {
        id: rid('pi'), amount: s.amount_total, currency: s.currency, status: o.async ? 'processing' : 'succeeded', amount_refunded: 0,
        metadata: { ...(s as unknown as { piMetadata: Record<string, string> }).piMetadata },
      };
      fake.paymentIntents.set(pi.id, pi);
      s.status = 'complete';
      s.payment_status = o.async ? 'unpaid' : 'paid';
      s.payment_intent = pi.id;
      s.customer_details = { email: o.email ?? 'buyer@example.com' };
      s.url = null;
      return s;
    },

    settleAsync(sessionId, succeeded) {
      const s = fake.sessions.get(sessionId);
      if (!s?.payment_intent) throw new Error(`session ${sessionId} has no payment`);
      const pi = fake.paymentIntents.get(s.payment_intent)!;
      if (succeeded) { pi.status = 'succeeded'; s.payment_status = 'paid'; }
      return s;
    },

    send(type, sessionId, o = {}) {
      const s = fake.sessions.get(sessionId);
      if (!s) throw new Error(`no session ${sessionId}`);
      // an event carries a snapshot of the object when it happened, not a live reference
      const object = { ...structuredClone(s), ...o.session };
      const event = {
        id: rid('evt'), object: 'event', api_version: API_VERSION, created: unix(), data: { object },
        livemode: o.livemode ?? s.livemode, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type,
      };
      return sendEvent(event, o);
    },

    sendEvent,
    resend(eventId, o = {}) {
      const event = sent.get(eventId);
      if (!event) throw new Error(`no event ${eventId} was sent`);
      return sendEvent(event, o);
    },
    answersFor: (eventId) => fake.deliveries.filter((d) => d.eventId === eventId),

    async close() {
      for (const res of hung) res.destroy();
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
  return fake;
}
