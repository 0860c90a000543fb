import { postForm, SmsSendError, unexpectedAnswer, type SmsProvider } from './provider.js';

/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with a form
 * body (To, From or MessagingServiceSid, Body) and HTTP basic auth AccountSid:AuthToken; `201` with
 * the message's `sid`. One call, so a small client over fetch rather than the official `twilio`
 * package (axios, dayjs, jsonwebtoken, qs, xmlbuilder and a client for every Twilio API).
 */

/**
 * Twilio error codes that refuse this message for good: the number is invalid, unreachable, not a
 * mobile, has opted out (STOP), or the body is too long. Every other error (20429 and HTTP 429 rate
 * limits, 5xx, credentials, a sender or region not enabled on the account) is retried: a person can
 * fix those, and the merchant hears of the first failure.
 */
const PERMANENT = new Set([21211, 21214, 21612, 21614, 21610, 21617, 21408]);

export function twilioSms(c: { accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; apiBase: string }): SmsProvider {
  const url = `${c.apiBase}/2010-04-01/Accounts/${encodeURIComponent(c.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send({ to, message }) {
      if (!('text' in message)) throw new SmsSendError('permanent', 'not_a_text', 'Twilio sends a text, not a template');
      const form = new URLSearchParams({ To: to, Body: message.text });
      if (c.messagingServiceSid) form.set('MessagingServiceSid', c.messagingServiceSid);
      else form.set('From', c.from!);
      const { status, json } = await postForm(url, form.toString(), {
        authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json',
      });
      if (status >= 200 && status < 300 && typeof json?.sid === 'string' && json.sid) return { messageId: json.sid };
      const code = typeof json?.code === 'number' ? json.code : undefined;
      if (code === undefined) {
        if (status === 429) throw new SmsSendError('retryable', 'http_429', 'Twilio: too many requests');
        throw unexpectedAnswer(status);
      }
      const words = `Twilio ${code}: ${typeof json?.message === 'string' ? json.message.slice(0, 200) : `HTTP ${status}`}`;
      throw new SmsSendError(PERMANENT.has(code) ? 'permanent' : 'retryable', String(code), words);
    },
  };
}
