import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The web page shows mail as its HTML, and mail is written by whoever sent it: nothing in it may run.
 * No scripts, frames, plugins, fetches or forms anywhere (default-src 'none'); inline styles (emails
 * are styled inline) and images. A mail itself is also sandboxed (no scripts, forms, popups or
 * same-origin access even if a directive were missed); the list is not, so its refresh keeps working.
 */
const LIST_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MAIL_CSP = `${LIST_CSP}; img-src data: http: https:; sandbox`;

export interface CaughtMail { id: number; to: string; subject: string; text: string; html: string; messageId: string; receivedAt: Date }

/**
 * A real SMTP server that keeps what it receives in memory. `npm start` runs it when no SMTP_URL is
 * set (with a web page to read the mail); tests use it as the buyer's inbox. `down = true` answers
 * every message with a temporary failure, like a mail server that is briefly unavailable; `delayMs`
 * holds each message that long before accepting it, like a slow or overloaded one.
 */
export async function startMailCatcher(opts: { smtpPort?: number; httpPort?: number; host?: string } = {}) {
  const host = opts.host ?? '127.0.0.1';
  const messages: CaughtMail[] = [];
  const state = { down: false, delayMs: 0 };
  const waiters = new Set<() => void>();

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      if (state.down) {
        stream.resume();
        return stream.on('end', () => callback(Object.assign(new Error('mail service temporarily unavailable'), { responseCode: 451 })));
      }
      simpleParser(stream).then(async (mail: ParsedMail) => {
        if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
        messages.push({
          id: messages.length + 1,
          to: [mail.to].flat().map((a) => a?.text ?? '').join(', '),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          messageId: mail.messageId ?? '',
          receivedAt: new Date(),
        });
        for (const w of waiters) w();
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve, reject) => { smtp.once('error', reject); smtp.listen(opts.smtpPort ?? 0, host, () => resolve()); });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let http: Server | undefined;
  if (opts.httpPort !== undefined) {
    http = createServer((req, res) => {
      const id = Number(req.url?.match(/^\/(\d+)$/)?.[1]);
      const mail = messages.find((m) => m.id === id);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-security-policy', mail ? MAIL_CSP : LIST_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      res.setHeader('cache-control', 'no-store'); // caught mail holds card keys
      if (mail) return void res.end(mail.html || `<pre>${mail.text.replace(/</g, '&lt;')}</pre>`);
      const rows = messages.slice().reverse().map((m) => `<tr><td>${m.receivedAt.toISOString().slice(11, 19)}</td><td>${m.to.replace(/</g, '&lt;')}</td><td><a href="/${m.id}">${m.subject.replace(/</g, '&lt;')}</a></td></tr>`);
      res.end(`<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Kami mail catcher</title>
<body style="font-family:system-ui;margin:32px"><h1>Kami mail catcher</h1><p>Every email Kami sends while no SMTP_URL is set lands here (newest first).</p>
<table cellpadding="6">${rows.join('') || '<tr><td>No mail yet.</td></tr>'}</table></body>`);
    });
    await new Promise<void>((resolve, reject) => { http!.once('error', reject); http!.listen(opts.httpPort, host, () => resolve()); });
  }

  return {
    smtpPort,
    httpPort: http ? (http.address() as AddressInfo).port : undefined,
    url: `smtp://${host}:${smtpPort}`,
    messages,
    state,
    /** Resolves with the first message matching `pred`, waiting up to `timeoutMs`. */
    waitFor(pred: (m: CaughtMail) => boolean, timeoutMs = 10_000): Promise<CaughtMail> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (m) { waiters.delete(check); clearTimeout(timer); resolve(m); }
        };
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error('no matching mail arrived')); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      await new Promise<void>((r) => smtp.close(() => r()));
      if (http) await new Promise<void>((r) => http!.close(() => r()));
    },
  };
}
export type MailCatcher = Awaited<ReturnType<typeof startMailCatcher>>;
