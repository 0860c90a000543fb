/**
 * A local Twilio Programmable Messaging API on 127.0.0.1:0 for one account: `POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json` checked as Twilio checks it (HTTP basic auth
 * AccountSid:AuthToken, the account in the path, a form body with To in E.164, Body up to 1600
 * characters, exactly one of From or MessagingServiceSid, the sender this account owns), answered
 * as Twilio answers (201 with the message's `sid`; errors `{code, message, more_info, status}`).
 * Every message it took is recorded; faults on demand: rate limit (429 / 20429), 5xx, an invalid
 * number (21211, also for Twilio's magic test number +15005550001), a connection dropped after the
 * message was taken or before, and an answer held back (a worker can be killed mid-send).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TwilioMessage { sid: string; to: string; from: string | null; messagingServiceSid: string | null; body: string; at: number }
export type TwilioFault =
  | { kind: 'rate_limit' } | { kind: 'server_error' } | { kind: 'invalid_number' }
  /** Takes the message (recorded: it will be sent), then drops the connection without an answer. */
  | { kind: 'drop_after' }
  /** Drops the connection before reading anything: nothing taken. */
  | { kind: 'drop_before' }
  /** Takes the message and holds the answer until release() (or the client gives up). */
  | { kind: 'hold' };

/** Twilio's test number that is never a valid destination. */
export const TWILIO_INVALID_NUMBER = '+15005550001';

export async function startFakeTwilio(opts: { accountSid: string; authToken: string; from?: string; messagingServiceSid?: string }) {
  const messages: TwilioMessage[] = [];
  const requests: { path: string; authorized: boolean; answered: number | 'dropped' | 'held' }[] = [];
  const faults: TwilioFault[] = [];
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();

  const answer = (res: ServerResponse, status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    answer(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  const expected = Buffer.from(`Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`);
  const authorized = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  const server = createServer(async (req, res) => {
    const fault = faults.shift();
    if (fault?.kind === 'drop_before') {
      requests.push({ path: req.url ?? '', authorized: authorized(req), answered: 'dropped' });
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
    const ok = authorized(req);
    const log = (answered: number | 'dropped' | 'held') => requests.push({ path: req.url ?? '', authorized: ok, answered });
    if (!ok) { log(401); return error(res, 401, 20003, 'Authenticate'); }
    if (req.method !== 'POST' || !m) { log(404); return error(res, 404, 20404, 'The requested resource was not found'); }
    if (decodeURIComponent(m[1]!) !== opts.accountSid) { log(403); return error(res, 403, 20003, 'Authenticate'); }
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) { log(400); return error(res, 400, 21602, 'Message body is required.'); }
    const form = new URLSearchParams(raw);
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    if (fault?.kind === 'rate_limit') { log(429); return error(res, 429, 20429, 'Too Many Requests'); }
    if (fault?.kind === 'server_error') { log(500); return error(res, 500, 20500, 'Internal Server Error'); }
    if (!to) { log(400); return error(res, 400, 21604, 'A \'To\' phone number is required.'); }
    if (fault?.kind === 'invalid_number' || !/^\+[1-9]\d{6,14}$/.test(to) || to === TWILIO_INVALID_NUMBER) {
      log(400);
      return error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (!body) { log(400); return error(res, 400, 21602, 'Message body is required.'); }
    if (body.length > 1600) { log(400); return error(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.'); }
    if (!from === !service) { log(400); return error(res, 400, 21603, 'A \'From\' or \'MessagingServiceSid\' parameter is required to send a message.'); }
    if (from !== null && from !== opts.from) { log(400); return error(res, 400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`); }
    if (service !== null && service !== opts.messagingServiceSid) { log(400); return error(res, 400, 21701, 'The Messaging Service Sid is invalid.'); }

    const msg: TwilioMessage = { sid: `SM${randomBytes(16).toString('hex')}`, to, from, messagingServiceSid: service, body, at: Date.now() };
    messages.push(msg);
    if (fault?.kind === 'drop_after') { log('dropped'); req.socket.destroy(); return; }
    const reply = () => answer(res, 201, {
      sid: msg.sid, account_sid: opts.accountSid, to, from: from ?? opts.from ?? null, messaging_service_sid: service, body,
      status: 'queued', num_segments: String(Math.ceil(body.length / 153) || 1), direction: 'outbound-api', api_version: '2010-04-01',
      date_created: new Date(msg.at).toUTCString(), uri: `/2010-04-01/Accounts/${opts.accountSid}/Messages/${msg.sid}.json`,
      error_code: null, error_message: null, price: null,
    });
    if (fault?.kind === 'hold') { log('held'); held.push(reply); return; }
    log(201);
    reply();
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiBase, messages, requests,
    /** The next requests meet these faults, in order. */
    fail(...next: TwilioFault[]) { faults.push(...next); },
    /** Answers the requests held by `hold` faults. */
    release() { for (let r = held.shift(); r; r = held.shift()) r(); },
    /** Messages to `to`. */
    to: (to: string) => messages.filter((m) => m.to === to),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
