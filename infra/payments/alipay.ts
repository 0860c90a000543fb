/**
 * Alipay (支付宝) through the official `alipay-sdk` (OpenAPI 2.0 gateway, RSA2 in public-key mode):
 * 电脑网站支付 `alipay.trade.page.pay` (a signed link to Alipay's cashier) or 当面付
 * `alipay.trade.precreate` (a QR code the buyer scans), the POST-form notification verified with the
 * SDK's `checkNotifySignV2` over the fields exactly as received, `alipay.trade.query` and
 * `alipay.trade.refund`, both of whose answers the SDK verifies against the Alipay public key.
 *
 * Settings (`KAMI_PAY_ALIPAY_<FIELD>` or the panel):
 * - `APP_ID` — the app's id (16 digits);
 * - `PRIVATE_KEY` — the app's RSA private key (≥ 2048 bits): PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`)
 *   or PKCS#8 (`BEGIN PRIVATE KEY`), or the bare base64 of either as Alipay's key tool prints it;
 *   `\n` written literally in an environment variable counts as a line break. Not encrypted.
 * - `ALIPAY_PUBLIC_KEY` — Alipay's public key (not the app's own): PEM (SPKI or PKCS#1) or bare
 *   base64, as the open platform shows it. Certificate mode (公钥证书) is not supported.
 * - `GATEWAY` — the gateway URL, default `https://openapi.alipay.com/gateway.do` (a base URL without a
 *   path gets `/gateway.do`); the sandbox is `https://openapi-sandbox.dl.alipaydev.com/gateway.do`.
 *   https, or http to a loopback address (tests).
 * - `MODE` — `page` (default) or `precreate`.
 */

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { AlipayRequestError, AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import { z } from 'zod';
import { formatMinor, parseMajor } from '../../domain/money.js';
import {
  defineGateway, NotificationRefused, type AttemptCreated, type AttemptRequest, type GatewayAnswer, type NotificationFacts,
  type GatewayContext, type NotificationOutcome, type PaymentGateway, type QueryAnswer, type RawNotification, type RefundAnswer, type RefundRequest,
  type StoredAttempt,
} from './gateway.js';
import { isLoopback } from './gateway-url.js';

export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/** Alipay takes yuan only. */
const CNY = 'CNY';
/** The largest total_amount Alipay accepts (100,000,000.00 yuan), in fen. */
const MAX_TOTAL_FEN = 10_000_000_000;
/** Only these statuses mean the buyer paid: "只有交易通知状态为TRADE_SUCCESS或TRADE_FINISHED时，支付宝才会认定为买家付款成功". */
const PAID = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);
/** Fields that mark a trade_status_sync as a refund's notice (the trade stays TRADE_SUCCESS after a partial refund). */
const REFUND_MARKS = ['out_biz_no', 'refund_fee', 'gmt_refund'] as const;

// ---------------------------------------------------------------------------------------------
// keys and settings

/** An environment variable may carry a PEM with its line breaks written as `\n`. */
const unescapeBreaks = (text: string) => text.replace(/\\r\\n|\\n/g, '\n').trim();

function bareDer(text: string, what: string): Buffer {
  const b64 = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new Error(`${what} is neither a PEM block nor base64`);
  return Buffer.from(b64, 'base64');
}

function checkedRsa(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${what} must be an RSA key (RSA2 is SHA256withRSA), not ${key.asymmetricKeyType}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new Error(`${what} has ${bits} bits; Alipay's RSA2 keys have 2048`);
  return key;
}

/**
 * The app's private key, PKCS#1 or PKCS#8, PEM or bare base64 → a PKCS#8 PEM (what the SDK is then
 * told it gets: `keyType: 'PKCS8'`). Throws a message fit for the owner.
 */
export function appPrivateKey(text: string): KeyObject {
  const what = 'PRIVATE_KEY (the app private key)';
  const t = unescapeBreaks(text);
  if (/ENCRYPTED/.test(t)) throw new Error(`${what} is encrypted; give it without a passphrase`);
  if (/PUBLIC KEY|CERTIFICATE/.test(t)) throw new Error(`${what} holds a public key or certificate, not the app's private key`);
  let key: KeyObject | undefined;
  if (t.includes('-----BEGIN')) {
    try { key = createPrivateKey(t); } catch (err) { throw new Error(`${what} is not a readable PEM private key (${(err as Error).message})`); }
  } else {
    const der = bareDer(t, what);
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      try { key = createPrivateKey({ key: der, format: 'der', type }); break; } catch { /* the other encoding */ }
    }
    if (!key) throw new Error(`${what} is base64 but neither a PKCS#8 nor a PKCS#1 RSA private key`);
  }
  return checkedRsa(key, what);
}

/** Alipay's public key, SPKI or PKCS#1, PEM or bare base64 (as the open platform shows it). */
export function alipayPublicKey(text: string): KeyObject {
  const what = 'ALIPAY_PUBLIC_KEY';
  const t = unescapeBreaks(text);
  if (/CERTIFICATE/.test(t)) throw new Error(`${what} is a certificate: Kami uses public-key mode (公钥模式), paste the Alipay public key itself`);
  if (/PRIVATE KEY/.test(t)) throw new Error(`${what} holds a private key; it must be Alipay's public key`);
  let key: KeyObject | undefined;
  if (t.includes('-----BEGIN')) {
    try { key = createPublicKey(t); } catch (err) { throw new Error(`${what} is not a readable PEM public key (${(err as Error).message})`); }
  } else {
    const der = bareDer(t, what);
    for (const type of ['spki', 'pkcs1'] as const) {
      try { key = createPublicKey({ key: der, format: 'der', type }); break; } catch { /* the other encoding */ }
    }
    if (!key) throw new Error(`${what} is base64 but neither an SPKI nor a PKCS#1 RSA public key`);
  }
  return checkedRsa(key, what);
}

const pem = (key: KeyObject) => String(key.type === 'private' ? key.export({ type: 'pkcs8', format: 'pem' }) : key.export({ type: 'spki', format: 'pem' })).trim();

const asKey = (read: (t: string) => KeyObject) => z.string().min(1).transform((v, ctx) => {
  try { return pem(read(v)); } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const GatewayUrl = z.string().trim().default(ALIPAY_GATEWAY).transform((v, ctx) => {
  let url: URL;
  try { url = new URL(v); } catch {
    ctx.addIssue({ code: 'custom', message: `not a URL: ${v}` });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    ctx.addIssue({ code: 'custom', message: 'the gateway must be https (http only to a loopback address, for tests)' });
    return z.NEVER;
  }
  if (url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'the gateway URL takes no query, fragment or credentials' });
    return z.NEVER;
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/gateway.do';
  return url.toString();
});

export const AlipaySettings = z.strictObject({
  appId: z.string().trim().regex(/^\d{16}$/, 'an Alipay app id is 16 digits (开放平台 → 应用 → APPID)')
    .meta({ title: 'App id (APPID)', description: '16 digits, from the Alipay open platform' }),
  privateKey: asKey(appPrivateKey)
    .meta({ title: 'App private key (应用私钥)', description: 'RSA 2048, PKCS#1 or PKCS#8, PEM or the bare base64 the key tool prints; not encrypted' }),
  alipayPublicKey: asKey(alipayPublicKey)
    .meta({ title: 'Alipay public key (支付宝公钥)', description: 'Alipay\'s key, not the app\'s own public key: PEM or bare base64 (public-key mode; certificates are not supported)' }),
  gateway: GatewayUrl
    .meta({ title: 'Gateway URL', description: `default ${ALIPAY_GATEWAY}; sandbox https://openapi-sandbox.dl.alipaydev.com/gateway.do` }),
  mode: z.enum(['page', 'precreate']).default('page')
    .meta({ title: 'Mode', description: 'page: 电脑网站支付, the buyer goes to Alipay\'s cashier; precreate: 当面付, a QR code to scan' }),
}).superRefine((s, ctx) => {
  // the commonest mistake of all: the app's own public key where Alipay's belongs
  if (pem(createPublicKey(s.privateKey)) === s.alipayPublicKey) {
    ctx.addIssue({ code: 'custom', path: ['alipayPublicKey'], message: "this is the app's own public key (应用公钥); paste the Alipay public key (支付宝公钥) shown beside it" });
  }
});
export type AlipaySettings = z.output<typeof AlipaySettings>;

// ---------------------------------------------------------------------------------------------
// the gateway

/** Alipay's clocks and `time_expire` are Beijing time (UTC+8, no DST): `yyyy-MM-dd HH:mm:ss`. */
export const beijingTime = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** "订单标题…不可使用特殊字符，如 /，=，& 等", at most 256 characters. */
const subjectOf = (s: string) => s.replace(/[/=&]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 256) || 'Order';

/** `out_trade_no`: "64个字符以内，仅支持字母、数字、下划线". */
const OUT_TRADE_NO = /^[A-Za-z0-9_]{1,64}$/;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The application/x-www-form-urlencoded body, every field kept, values decoded once and nothing else. */
export function parseForm(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  const text = body.toString('utf8');
  if (!text) throw new NotificationRefused('malformed', 'the notification has no body');
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('='); // the first '=' only: base64 signatures end in '='
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw new NotificationRefused('malformed', 'the notification body is not valid form encoding');
    }
    if (!key) throw new NotificationRefused('malformed', 'the notification has a field without a name');
    if (key in fields) throw new NotificationRefused('malformed', `the notification repeats the field ${key}`);
    fields[key] = value;
  }
  return fields;
}

type Result = AlipaySdkCommonResult & Record<string, unknown>;
const refusal = (what: string, r: Result) => new Error(`Alipay refused ${what}: ${r.code} ${r.msg ?? ''}${r.sub_code ? ` (${r.sub_code}${r.sub_msg ? `: ${r.sub_msg}` : ''})` : ''}`.trim());

/** An Alipay trade number (28 digits today): what `trade_no` may carry; anything else (an operator's reference) is left out. */
const TRADE_NO = /^\d{16,64}$/;

export function createAlipayGateway(s: AlipaySettings, log?: GatewayContext['log']): PaymentGateway {
  const sdk = new AlipaySdk({
    appId: s.appId, privateKey: s.privateKey, keyType: 'PKCS8', alipayPublicKey: s.alipayPublicKey,
    gateway: s.gateway, signType: 'RSA2', camelcase: false, timeout: 10_000,
  });
  // the SDK writes the request's timestamp in the server's own time zone; Alipay reads Beijing time
  const now = () => beijingTime(new Date());
  /** Every answer is verified: the SDK checks the sign over the exact `<method>_response` text it received. */
  const call = async (method: string, bizContent: Record<string, unknown>, extra: Record<string, string> = {}) => {
    try {
      return await sdk.exec(method, { bizContent, timestamp: now(), ...extra }, { validateSign: true }) as Result;
    } catch (err) {
      // the SDK's messages carry the whole answer; the attempt's error (shown to the buyer) gets the gist, the log the rest
      const message = err instanceof Error ? err.message : String(err);
      const raw = err instanceof AlipayRequestError ? String(err.responseDataRaw ?? '').slice(0, 2000) : undefined;
      log?.warn({ method, err: message, raw }, 'Alipay gave no usable answer');
      if (/验签失败/.test(message)) throw new Error(`${method}: Alipay's answer does not verify with ALIPAY_PUBLIC_KEY (验签失败)`);
      // an answer without its sign fails inside node:crypto, not as 验签失败
      if (!(err instanceof AlipayRequestError)) throw new Error(`${method}: Alipay's answer could not be verified (${message.slice(0, 160)})`);
      throw new Error(`${method}: ${message.slice(0, 200)}`);
    }
  };

  function tradeOf(a: AttemptRequest) {
    if (a.currency.toUpperCase() !== CNY) throw new Error(`Alipay takes CNY only; this order is priced in ${a.currency}`);
    if (!Number.isSafeInteger(a.amountMinor) || a.amountMinor < 1 || a.amountMinor > MAX_TOTAL_FEN) throw new Error(`Alipay cannot collect ${formatMinor(a.amountMinor, CNY)} CNY (0.01 to 100000000.00)`);
    if (!OUT_TRADE_NO.test(a.gatewayOrderNo)) throw new Error(`"${a.gatewayOrderNo}" is not an Alipay out_trade_no (letters, digits and underscores)`);
    return {
      out_trade_no: a.gatewayOrderNo,
      total_amount: formatMinor(a.amountMinor, CNY),
      subject: subjectOf(a.subject),
      // Alipay closes the trade when Kami's hold ends, so a buyer cannot pay an order Kami let go
      time_expire: beijingTime(a.expiresAt),
    };
  }

  const amountOf = (text: unknown, what: string) => {
    const minor = typeof text === 'string' ? parseMajor(text, CNY) : null;
    if (minor === null) throw new Error(`Alipay's ${what} "${String(text)}" is not an amount in yuan`);
    return minor;
  };

  return {
    name: 'alipay',
    currencies: [CNY],

    async createAttempt(a: AttemptRequest): Promise<AttemptCreated> {
      const trade = tradeOf(a);
      if (s.mode === 'page') {
        const payUrl = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
          bizContent: { ...trade, product_code: 'FAST_INSTANT_TRADE_PAY' }, notifyUrl: a.notifyUrl, returnUrl: a.returnUrl, timestamp: now(),
        });
        return { payUrl, gatewayAmountMinor: a.amountMinor, gatewayCurrency: CNY };
      }
      const r = await call('alipay.trade.precreate', trade, { notifyUrl: a.notifyUrl });
      if (r.code !== '10000') throw refusal('the QR code', r);
      if (r.out_trade_no !== a.gatewayOrderNo || !str(r.qr_code)) throw new Error('Alipay answered the precreate without this trade\'s QR code');
      return { qrCode: r.qr_code as string, gatewayAmountMinor: a.amountMinor, gatewayCurrency: CNY };
    },

    verifyNotification(n: RawNotification): NotificationFacts {
      if (n.method !== 'POST') throw new NotificationRefused('malformed', 'Alipay notifies by POST');
      const type = (n.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type && type !== 'application/x-www-form-urlencoded') throw new NotificationRefused('malformed', `an Alipay notification is a form, not ${type}`);
      const f = parseForm(n.body);
      if (f.charset && f.charset.toLowerCase() !== 'utf-8') throw new NotificationRefused('malformed', `charset ${f.charset}: Kami asks Alipay for utf-8`);
      if (!f.sign) throw new NotificationRefused('invalid_signature', 'the notification is not signed');
      // the SDK would take RSA (SHA1) on the notification's word: Kami's app signs RSA2 only
      if (f.sign_type !== 'RSA2') throw new NotificationRefused('invalid_signature', `sign_type ${f.sign_type ?? '(none)'}: only RSA2 is accepted`);
      // over the values as received (decoded once, never re-escaped or trimmed), sign and sign_type left out
      if (!sdk.checkNotifySignV2({ ...f })) throw new NotificationRefused('invalid_signature', 'the signature does not match the notification (Alipay public key, RSA2)');
      if (f.app_id !== s.appId) throw new NotificationRefused('wrong_merchant', `the notification is for app ${f.app_id ?? '(none)'}, not this shop's`);
      if (!f.out_trade_no || !f.trade_no) throw new NotificationRefused('malformed', 'the notification names no out_trade_no or trade_no');
      const amountMinor = parseMajor(f.total_amount ?? '', CNY);
      if (amountMinor === null) throw new NotificationRefused('malformed', `total_amount "${f.total_amount ?? ''}" is not an amount in yuan`);
      const refundNotice = REFUND_MARKS.some((k) => f[k]);
      const paid = f.notify_type === 'trade_status_sync' && PAID.has(f.trade_status ?? '') && !refundNotice;
      const account = f.buyer_logon_id || f.buyer_id || f.buyer_open_id;
      return { gatewayOrderNo: f.out_trade_no, txnId: f.trade_no, paid, amountMinor, currency: CNY, ...(account ? { account: account.slice(0, 128) } : {}) };
    },

    answer(outcome: NotificationOutcome): GatewayAnswer {
      // the 7 characters that stop Alipay's retries; anything else has it notify again (8 times in 25 h)
      return outcome.received ? { status: 200, body: 'success', contentType: 'text/plain' } : { status: 400, body: 'fail', contentType: 'text/plain' };
    },

    async query(a: StoredAttempt): Promise<QueryAnswer> {
      const r = await call('alipay.trade.query', { out_trade_no: a.gatewayOrderNo });
      const raw = JSON.stringify({ alipay_trade_query_response: r });
      // precreate: the trade exists only once the buyer scans (page pay: once the buyer opens the cashier)
      if (r.code === '40004' && r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { state: 'pending', proof: 'signed', raw };
      if (r.code !== '10000') throw refusal('the query', r);
      if (r.out_trade_no !== a.gatewayOrderNo) throw new Error(`Alipay answered about ${String(r.out_trade_no)}, not ${a.gatewayOrderNo}`);
      const status = str(r.trade_status);
      const txnId = str(r.trade_no);
      if (status && PAID.has(status)) {
        if (!txnId) throw new Error('Alipay reports the trade paid without its trade_no');
        const account = str(r.buyer_logon_id) || str(r.buyer_user_id) || str(r.buyer_open_id);
        return { state: 'paid', txnId, amountMinor: amountOf(r.total_amount, 'total_amount'), currency: CNY, proof: 'signed', raw, ...(account ? { account } : {}) };
      }
      if (status === 'TRADE_CLOSED') return { state: 'closed', proof: 'signed', raw, ...(txnId ? { txnId } : {}) };
      if (status === 'WAIT_BUYER_PAY') return { state: 'pending', proof: 'signed', raw, ...(txnId ? { txnId } : {}) };
      throw new Error(`Alipay reports an unknown trade_status "${String(status)}"`);
    },

    async refund(r: RefundRequest): Promise<RefundAnswer> {
      if (r.currency.toUpperCase() !== CNY) throw new Error(`an Alipay payment is refunded in CNY, not ${r.currency}`);
      // out_request_no is Kami's refund id: asking again with it never refunds twice
      const outRequestNo = String(r.refundId);
      const trade = { out_trade_no: r.gatewayOrderNo, ...(TRADE_NO.test(r.txnId) ? { trade_no: r.txnId } : {}) };
      const res = await call('alipay.trade.refund', {
        ...trade, refund_amount: formatMinor(r.amountMinor, CNY),
        out_request_no: outRequestNo, refund_reason: r.reason.slice(0, 256),
      });
      if (res.code !== '10000') throw refusal('the refund', res);
      const gatewayRefundId = `${str(res.trade_no) ?? r.txnId}/${outRequestNo}`;
      // "fund_change=Y为退款成功，fund_change=N或无此字段值返回时需通过退款查询接口进一步确认退款状态"
      if (res.fund_change === 'Y') return { state: 'succeeded', gatewayRefundId };
      const q = await call('alipay.trade.fastpay.refund.query', { ...trade, out_request_no: outRequestNo });
      if (q.code !== '10000') throw refusal('the refund query', q);
      return { state: q.refund_status === 'REFUND_SUCCESS' ? 'succeeded' : 'pending', gatewayRefundId };
    },
  };
}

export const alipayGateway = defineGateway<AlipaySettings>({
  name: 'alipay',
  displayName: 'Alipay (支付宝)',
  settings: AlipaySettings as unknown as z.ZodType<AlipaySettings>,
  secretFields: ['privateKey'],
  canQuery: true,
  canRefund: true,
  create: (settings, ctx) => createAlipayGateway(settings, ctx.log),
});
