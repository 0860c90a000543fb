/**
 * Epay / 易支付 v1 (彩虹易支付 and its many forks: what most Chinese card shops take money through).
 *
 * - Create: `submit.php` (the buyer's browser is sent there with signed parameters; Epay opens its
 *   order when the page loads) or `mapi.php` (Kami posts the same parameters plus `clientip` and
 *   `device`, Epay answers JSON with `payurl` / `qrcode`).
 * - Signature (v1, MD5): every parameter but `sign` and `sign_type` whose value is not empty, keys
 *   sorted by byte, joined `k=v&…` with the decoded values, the merchant key appended with no
 *   separator, MD5 as lowercase hex (`EpayCore::getSign` of the official SDK). The same recipe signs
 *   Kami's requests and verifies Epay's notifications.
 * - Notification: GET with the query string (stock) or POST with a form body (forks); panels that
 *   HTML-escape their query strings (`&amp;`) are read as if they had not. `pid` must be this
 *   merchant's; the answer is the literal `success` (`fail` when refused).
 * - Query: `api.php?act=order&pid=…&key=…&out_trade_no=…`. Its answer is unsigned and the merchant key
 *   travels in the URL, so: the base URL must be https (plain http only to this machine, i.e. a local
 *   fake in tests), redirects are refused (an answer must come from the configured host), the key is
 *   scrubbed from every error and from the answer kept, and a "paid" answer counts as proof (`tls`)
 *   only when its order number, merchant and amount are exactly this attempt's; otherwise it is a
 *   `hint` a person may look at.
 * - Refunds: v1 documents none (payments.md). Some recent builds have `api.php?act=refund`, but the
 *   platform must enable it (`user_refund`) and then each merchant separately; Kami does not count on
 *   it, so a refund is a task for a person.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { formatMinor, parseMajor } from '../../domain/money.js';
import { defineGateway, NotificationRefused, type AttemptRequest, type GatewayAnswer, type NotificationFacts, type PaymentGateway, type QueryAnswer, type RawNotification, type StoredAttempt } from './gateway.js';
import { gatewayBaseUrl } from './gateway-url.js';

/** Epay charges in yuan, with at most two decimals. */
const CURRENCY = 'CNY';
/** How long Kami waits for Epay to answer a create or a query. */
const TIMEOUT_MS = 15_000;
/** Epay cuts `name` at 127 bytes ("如超过127个字节会自动截取"): Kami cuts it first, on a character boundary, so what it signs is what Epay keeps. */
const NAME_MAX_BYTES = 127;
/** A v1 signature as Epay writes it (PHP `md5()`): 32 lowercase hex characters. */
const SIGN_HEX = /^[0-9a-f]{32}$/;

export const EpaySettings = z.object({
  /** The gateway's base URL (`https://pay.example.com/`); `submit.php`, `mapi.php` and `api.php` live under it. */
  url: gatewayBaseUrl({ plainHttp: 'loopback', why: 'the merchant key travels in the query URL' })
    .meta({ title: 'Gateway URL', description: 'https://…/ (plain http only for a gateway on this machine: the order query sends the merchant key in its URL)' }),
  /** The merchant id (商户ID). */
  pid: z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a merchant id of letters, digits, _ or -'))
    .meta({ title: 'Merchant id (pid)' }),
  /** The merchant key (商户密钥): signs both ways and opens the query API. */
  key: z.string().trim().min(8, 'the merchant key is at least 8 characters').max(256).meta({ title: 'Merchant key' }),
  /** `submit` sends the buyer to Epay's cashier page; `mapi` asks Epay for a payment link or QR code server-side. */
  mode: z.enum(['submit', 'mapi']).default('submit')
    .meta({ title: 'Mode', description: 'submit: the buyer goes to Epay\'s cashier page; mapi: Kami asks Epay for a payment link or QR code' }),
  /** The payment method (`alipay`, `wxpay`, `qqpay`…); optional with `submit` (Epay's cashier lets the buyer choose), required with `mapi`. */
  type: z.string().trim().regex(/^[a-z0-9_]{1,32}$/, 'a payment type such as alipay, wxpay or qqpay').optional()
    .meta({ title: 'Payment type', description: 'alipay, wxpay, qqpay…; required in mapi mode' }),
}).refine((s) => s.mode !== 'mapi' || s.type, { path: ['type'], message: 'mapi mode needs a payment type (KAMI_PAY_EPAY_TYPE: alipay, wxpay, qqpay…)' });
export type EpaySettings = z.infer<typeof EpaySettings>;

/** The v1 string to sign: non-empty parameters but `sign`/`sign_type`, keys sorted by byte, `k=v` joined by `&`. */
export function epaySignString(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))))
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** `md5(signString + key)`, lowercase hex: the merchant key appended with no separator. */
export function epaySign(params: Record<string, string>, key: string): string {
  return createHash('md5').update(epaySignString(params) + key, 'utf8').digest('hex');
}

/** `text` cut to at most `max` UTF-8 bytes without splitting a character. */
function cutBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * The parameters of a query string or form body, each exactly once (given twice: which copy did Epay
 * sign?). `&amp;` is read as `&`, for panels that HTML-escape their links.
 */
function formParams(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(text.replace(/&amp;/g, '&'))) {
    if (k === '') continue;
    if (out.has(k)) throw new NotificationRefused('malformed', `parameter "${k.slice(0, 40)}" appears twice in the ${where}`);
    out.set(k, v);
  }
  return out;
}

/** The notification's parameters: its query string, and for a POST its form body (a parameter in both must agree). */
function notificationParams(n: RawNotification): Record<string, string> {
  const q = n.url.indexOf('?');
  const params = q >= 0 ? formParams(n.url.slice(q + 1), 'query string') : new Map<string, string>();
  if (n.method === 'POST' && n.body.length) {
    const type = (n.headers['content-type'] ?? '').toLowerCase();
    if (type && !type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('text/plain')) {
      throw new NotificationRefused('malformed', `an Epay notification is a query string or a form, not ${type.split(';')[0]!.slice(0, 60)}`);
    }
    for (const [k, v] of formParams(n.body.toString('utf8'), 'body')) {
      if (params.has(k) && params.get(k) !== v) throw new NotificationRefused('malformed', `parameter "${k.slice(0, 40)}" differs between the query string and the body`);
      params.set(k, v);
    }
  }
  return Object.fromEntries(params);
}

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** An IPv4-mapped IPv6 address as Epay expects an IP (`::ffff:1.2.3.4` → `1.2.3.4`). */
const plainIp = (ip: string | undefined) => (ip ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') || '127.0.0.1';

export function createEpayGateway(s: EpaySettings): PaymentGateway {
  /** Every text that leaves this module (errors, the answer kept) without the merchant key, however it was encoded. */
  const forms = [...new Set([s.key, encodeURIComponent(s.key), new URLSearchParams({ k: s.key }).toString().slice(2), JSON.stringify(s.key).slice(1, -1)])].filter((f) => f.length > 0);
  const scrub = (text: string) => forms.reduce((t, f) => t.split(f).join('[merchant key]'), text);
  const failure = (what: string, err: unknown) => new Error(scrub(`${what}: ${(err as Error)?.message ?? String(err)}${(err as { cause?: Error })?.cause?.message ? ` (${(err as { cause: Error }).cause.message})` : ''}`));

  async function call(url: string, init: RequestInit, what: string): Promise<{ status: number; text: string }> {
    let res: Response;
    try {
      // an answer must come from the configured host: a redirect is refused, not followed
      res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw failure(`${what} failed`, err);
    }
    const text = await res.text().catch((err: unknown) => { throw failure(`${what} failed reading the answer`, err); });
    return { status: res.status, text };
  }

  function signed(a: AttemptRequest, extra: Record<string, string>): Record<string, string> {
    if (a.currency !== CURRENCY) throw new Error(`Epay charges in CNY; this order is priced in ${a.currency}`);
    if (!(a.amountMinor > 0)) throw new Error('Epay cannot charge an amount of zero');
    const params: Record<string, string> = {
      pid: s.pid, ...(s.type ? { type: s.type } : {}), out_trade_no: a.gatewayOrderNo, notify_url: a.notifyUrl, return_url: a.returnUrl,
      name: cutBytes(a.subject, NAME_MAX_BYTES) || a.gatewayOrderNo, money: formatMinor(a.amountMinor, CURRENCY), ...extra,
    };
    return { ...params, sign: epaySign(params, s.key), sign_type: 'MD5' };
  }

  return {
    name: 'epay',
    currencies: [CURRENCY],

    async createAttempt(a) {
      const amount = { gatewayAmountMinor: a.amountMinor, gatewayCurrency: CURRENCY };
      if (s.mode === 'submit') {
        // nothing to call: Epay opens its order when the buyer's browser loads this (signed) link
        return { payUrl: `${s.url}submit.php?${new URLSearchParams(signed(a, {}))}`, ...amount };
      }
      const body = new URLSearchParams(signed(a, { clientip: plainIp(a.clientIp), device: 'pc' }));
      const { status, text } = await call(`${s.url}mapi.php`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, 'Epay mapi.php');
      let answer: Record<string, unknown>;
      try { answer = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>; } catch { throw new Error(`Epay mapi.php answered HTTP ${status} with no JSON`); }
      if (Number(answer.code) !== 1) throw new Error(scrub(`Epay refused the payment: ${String(answer.msg ?? `code ${String(answer.code)}`).slice(0, 200)}`));
      const link = (v: unknown) => (typeof v === 'string' && /^https?:\/\//i.test(v) ? v : undefined);
      const payUrl = link(answer.payurl);
      const qrCode = typeof answer.qrcode === 'string' && answer.qrcode ? answer.qrcode : undefined;
      if (!payUrl && !qrCode) throw new Error('Epay mapi.php answered neither a payurl nor a qrcode');
      const tradeNo = typeof answer.trade_no === 'string' || typeof answer.trade_no === 'number' ? String(answer.trade_no) : undefined;
      return { ...(tradeNo ? { gatewayRef: tradeNo.slice(0, 128) } : {}), ...(payUrl ? { payUrl } : {}), ...(qrCode ? { qrCode } : {}), ...amount };
    },

    verifyNotification(n: RawNotification): NotificationFacts {
      if (n.method !== 'GET' && n.method !== 'POST') throw new NotificationRefused('malformed', `an Epay notification is a GET or a POST, not ${n.method}`);
      const p = notificationParams(n);
      if (!p.sign) throw new NotificationRefused('invalid_signature', 'the notification carries no sign');
      if (p.sign_type !== undefined && p.sign_type.toUpperCase() !== 'MD5') {
        throw new NotificationRefused('invalid_signature', `sign_type ${p.sign_type.slice(0, 16)} is not Epay v1's MD5`);
      }
      if (p.pid !== s.pid) throw new NotificationRefused('wrong_merchant', 'the notification is not for this merchant id (pid)');
      if (!SIGN_HEX.test(p.sign) || !safeEqual(p.sign, epaySign(p, s.key))) throw new NotificationRefused('invalid_signature', 'the sign does not match the notification');
      const missing = ['out_trade_no', 'trade_no', 'money', 'trade_status'].filter((k) => !p[k]);
      if (missing.length) throw new NotificationRefused('malformed', `the notification lacks ${missing.join(', ')}`);
      const amountMinor = parseMajor(p.money!, CURRENCY);
      if (amountMinor === null) throw new NotificationRefused('malformed', 'money is not an amount in yuan with at most two decimals');
      const account = p.buyer?.trim();
      return {
        gatewayOrderNo: p.out_trade_no!, txnId: p.trade_no!.slice(0, 128), paid: p.trade_status === 'TRADE_SUCCESS', amountMinor, currency: CURRENCY,
        ...(account ? { account: account.slice(0, 128) } : {}),
      };
    },

    answer(outcome): GatewayAnswer {
      const text = { contentType: 'text/plain; charset=utf-8' };
      if (outcome.received) return { status: 200, body: 'success', ...text };
      const status = outcome.code === 'malformed' ? 400 : outcome.code === 'transaction_reused' ? 409 : 401;
      return { status, body: 'fail', ...text };
    },

    async query(a: StoredAttempt): Promise<QueryAnswer> {
      const q = new URLSearchParams({ act: 'order', pid: s.pid, key: s.key, out_trade_no: a.gatewayOrderNo });
      const { status, text } = await call(`${s.url}api.php?${q}`, { headers: { accept: 'application/json' } }, 'Epay order query');
      const raw = scrub(text).slice(0, 64 * 1024);
      if (status !== 200) throw new Error(`Epay order query answered HTTP ${status}`);
      let r: Record<string, unknown>;
      try { r = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>; } catch { throw new Error('Epay order query answered no JSON'); }
      const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
      if (Number(r.code) !== 1) {
        // -1 订单号不存在: Epay opens a submit.php order only when the buyer loads the page, so until
        // then it has never heard of it; for Kami that is "not paid yet" (and not worth a row per poll)
        if (Number(r.code) === -1) return { state: s.mode === 'submit' ? 'pending' : 'not_found', proof: 'tls', raw };
        throw new Error(scrub(`Epay refused the order query: ${str(r.msg).slice(0, 200) || `code ${str(r.code)}`}`));
      }
      const state = str(r.status) === '1' ? 'paid' : str(r.status) === '2' ? 'closed' : 'pending'; // 0 unpaid, 1 paid, 2 refunded, 3 frozen, 4 pre-authorised
      const amountMinor = parseMajor(str(r.money), CURRENCY) ?? undefined;
      const txnId = str(r.trade_no).slice(0, 128) || undefined;
      const account = str(r.buyer).trim().slice(0, 128) || undefined;
      // unsigned: it proves the payment only if it is exactly this attempt's, for this merchant
      const exact = str(r.out_trade_no) === a.gatewayOrderNo && str(r.pid) === s.pid && amountMinor !== undefined
        && a.gatewayAmountMinor !== null && amountMinor === a.gatewayAmountMinor && (a.gatewayCurrency ?? CURRENCY) === CURRENCY;
      return {
        state, proof: exact ? 'tls' : 'hint', raw, currency: CURRENCY,
        ...(txnId ? { txnId } : {}), ...(amountMinor !== undefined ? { amountMinor } : {}), ...(account ? { account } : {}),
      };
    },
  };
}

export const epayGateway = defineGateway<EpaySettings>({
  name: 'epay',
  displayName: 'Epay (易支付)',
  settings: EpaySettings,
  secretFields: ['key'],
  canQuery: true,
  canRefund: false,
  create: (settings) => createEpayGateway(settings),
});
