/**
 * A local Telegram Bot API on 127.0.0.1:0, for one bot token: the methods Kami calls (getMe,
 * setWebhook, sendMessage, answerCallbackQuery, editMessageText) answered as Telegram answers
 * them (`{ok, result}` / `{ok:false, error_code, description, parameters}`), every call recorded,
 * faults on demand (429 with retry_after, 5xx), and updates delivered to the registered webhook the
 * way Telegram does: a JSON POST with X-Telegram-Bot-Api-Secret-Token. No traffic leaves 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUser { id: number; is_bot: false; first_name: string; username?: string }
export interface SentMessage { message_id: number; chat_id: number; text: string; reply_markup?: any; date: number; edits: { text: string; reply_markup?: any }[] }
export interface Call { method: string; body: any; at: number; answered: number }
export type Fault = { code: 429; retryAfter: number } | { code: 500 | 502 };

export async function startFakeTelegram(token: string, bot = { id: 777000111, username: 'kami_test_bot' }) {
  const calls: Call[] = [];
  const messages: SentMessage[] = [];
  const faults = new Map<string, Fault[]>();
  let webhook: { url: string; secret: string } | undefined;
  let nextMessageId = 100;
  let nextUpdateId = 5000;

  const ok = (res: ServerResponse, result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
  const fail = (res: ServerResponse, code: number, description: string, parameters?: object) =>
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) }));

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    if (!m) return fail(res, 404, 'Not Found');
    if (m[1] !== token) return fail(res, 401, 'Unauthorized');
    const method = m[2]!;
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const fault = faults.get(method)?.shift();
    calls.push({ method, body, at: Date.now(), answered: fault?.code ?? 200 });
    if (fault?.code === 429) return fail(res, 429, `Too Many Requests: retry after ${fault.retryAfter}`, { retry_after: fault.retryAfter });
    if (fault) return fail(res, fault.code, 'Internal Server Error');
    switch (method) {
      case 'getMe': return ok(res, { id: bot.id, is_bot: true, first_name: 'Kami', username: bot.username });
      case 'setWebhook':
        webhook = { url: body.url, secret: body.secret_token };
        return ok(res, true);
      case 'sendMessage': {
        if (typeof body.chat_id !== 'number' || typeof body.text !== 'string' || !body.text) return fail(res, 400, 'Bad Request: message text is empty');
        const msg: SentMessage = { message_id: nextMessageId++, chat_id: body.chat_id, text: body.text, reply_markup: body.reply_markup, date: Math.floor(Date.now() / 1000), edits: [] };
        messages.push(msg);
        return ok(res, { message_id: msg.message_id, date: msg.date, chat: { id: msg.chat_id, type: 'private' }, text: msg.text, ...(msg.reply_markup ? { reply_markup: msg.reply_markup } : {}) });
      }
      case 'answerCallbackQuery': return ok(res, true);
      case 'editMessageText': {
        const msg = messages.find((x) => x.chat_id === body.chat_id && x.message_id === body.message_id);
        if (!msg) return fail(res, 400, 'Bad Request: message to edit not found');
        msg.edits.push({ text: body.text, reply_markup: body.reply_markup });
        return ok(res, { message_id: msg.message_id, chat: { id: msg.chat_id, type: 'private' }, date: msg.date, text: body.text });
      }
      default: return fail(res, 404, `Not Found: method ${method}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** POSTs an update to the registered webhook as Telegram does; returns Kami's HTTP status. */
  async function deliver(update: object, secret = webhook?.secret): Promise<number> {
    if (!webhook) throw new Error('fake Telegram: no webhook registered (setWebhook was never called)');
    const res = await fetch(webhook.url, {
      method: 'POST', body: JSON.stringify({ update_id: nextUpdateId++, ...update }),
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    });
    await res.arrayBuffer();
    return res.status;
  }

  return {
    apiBase, calls, messages,
    get webhook() { return webhook; },
    /** The next `n` calls of `method` fail with `fault`. */
    failNext(method: string, fault: Fault, n = 1) { faults.set(method, [...(faults.get(method) ?? []), ...Array.from({ length: n }, () => fault)]); },
    /** A user writes to the bot in their private chat. */
    userSays: (user: FakeUser, text: string, secret?: string) =>
      deliver({ message: { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: 'private' }, from: user, text } }, secret),
    /** A user presses an inline button of a message the bot sent. */
    userPresses: (user: FakeUser, msg: SentMessage, data: string) => deliver({
      callback_query: {
        id: `cq-${nextUpdateId}`, from: user, chat_instance: 'ci-1', data,
        message: { message_id: msg.message_id, date: msg.date, chat: { id: msg.chat_id, type: 'private' }, text: msg.text },
      },
    }),
    deliver,
    /** Calls of `method`, in order. */
    callsOf: (method: string) => calls.filter((c) => c.method === method),
    close: () => new Promise((r) => server.close(r)),
  };
}
export type FakeTelegram = Awaited<ReturnType<typeof startFakeTelegram>>;
