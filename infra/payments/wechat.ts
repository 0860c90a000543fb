/**
 * WeChat Pay API v3, Native (QR code): the buyer scans `code_url` with WeChat and pays there.
 *
 * - Every request Kami makes is signed by wechatpay-axios-plugin: `Authorization: WECHATPAY2-SHA256-RSA2048
 *   mchid=…,serial_no=…,timestamp=…,nonce_str=…,signature=…`, SHA256withRSA with the merchant's API key
 *   over `METHOD\npath?query\ntimestamp\nnonce\nbody\n`; every answer's signature (`Wechatpay-*` headers over
 *   `timestamp\nnonce\nbody\n`, 300 s clock window) is checked by the plugin before Kami reads it.
 * - A notification is checked the same way over its raw bytes, with the WeChat Pay public key
 *   (`Wechatpay-Serial` = `PUB_KEY_ID_…`, the mode new merchants must use) or a platform certificate
 *   (`Wechatpay-Serial` = the certificate's serial) — signature first, then the timestamp window, then
 *   `resource` is decrypted (AEAD_AES_256_GCM, the APIv3 key, `nonce`, `associated_data`, the tag being
 *   the ciphertext's last 16 bytes) and its `mchid`/`appid` must be this merchant's.
 * - Answers: 204 with no body when received (duplicates too); 4xx with `{"code":"FAIL","message":…}`
 *   when refused (WeChat then retries: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h).
 * - Query by out_trade_no (signed answer → proof `signed`); refund through /v3/refund/domestic/refunds.
 *
 * Secrets (the merchant's private key, the APIv3 key) stay inside this module: no message, log line or
 * error built here contains them, and axios errors (whose config holds the key) are never passed on.
 */

import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { z } from 'zod';
import {
  defineGateway, NotificationRefused, type AttemptCreated, type GatewayContext, type GatewayHealth, type NotificationFacts,
  type PaymentGateway, type QueryAnswer, type RawNotification, type RefundAnswer,
} from './gateway.js';
import { isLoopback } from './gateway-url.js';

/** The real API; tests point `baseUrl` at a local fake. */
export const WECHAT_API = 'https://api.mch.weixin.qq.com/';
/** How far a signed timestamp may be from our clock, either way (wechatpay-axios-plugin's MAXIMUM_CLOCK_OFFSET). */
export const CLOCK_WINDOW_SECONDS = 300;
/** out_trade_no: 6–32 letters, digits, `_-|*` (Kami's are `ord_` + 22 = 26, then `-n` for later attempts). */
export const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;
/** out_refund_no: up to 64 letters, digits, `_-|*@`. */
const OUT_REFUND_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;
const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
const BASE64 = /^[A-Za-z0-9+/]{1,1024}={0,2}$/;

const pemText = (v: string) => v.trim().replace(/\\n/g, '\n');

const PrivateKeyPem = z.string().min(1).transform((v, ctx) => {
  const text = pemText(v);
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    return text;
  } catch {
    // never echo the value: it is the merchant's private key
    ctx.addIssue({ code: 'custom', message: 'must be the merchant API private key (apiclient_key.pem, RSA, PEM; newlines may be written as \\n)' });
    return z.NEVER;
  }
});

const PublicKeyPem = z.string().min(1).transform((v, ctx) => {
  const text = pemText(v);
  try {
    createPublicKey(text);
    return text;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be the WeChat Pay public key (pub_key.pem, PEM; newlines may be written as \\n)' });
    return z.NEVER;
  }
});

/** One or more platform certificates (PEM, concatenated), keyed by their serial as WeChat names it in Wechatpay-Serial. */
const CertificatesPem = z.string().min(1).transform((v, ctx) => {
  const blocks = pemText(v).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: Array<{ serial: string; pem: string }> = [];
  for (const pem of blocks) {
    try {
      certs.push({ serial: new X509Certificate(pem).serialNumber.toUpperCase(), pem });
    } catch {
      ctx.addIssue({ code: 'custom', message: 'holds a block that is not an X.509 certificate' });
      return z.NEVER;
    }
  }
  if (!certs.length) {
    ctx.addIssue({ code: 'custom', message: 'must be one or more WeChat Pay platform certificates (PEM)' });
    return z.NEVER;
  }
  return certs;
});

const Settings = z.object({
  mchid: z.string().regex(/^[0-9]{1,32}$/, 'must be the merchant id (商户号), digits').describe('Merchant id (商户号)'),
  appid: z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'must be the AppID bound to the merchant (wx…)').describe('AppID bound to the merchant (wx…)'),
  /** The serial of the merchant's API certificate (apiclient_cert.pem), which WeChat uses to pick the key it checks Kami's signature with. */
  merchantSerial: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the merchant API certificate serial (hex)').describe('Serial of the merchant API certificate (apiclient_cert.pem)'),
  merchantPrivateKey: PrivateKeyPem.describe('Merchant API private key (apiclient_key.pem), PEM'),
  apiV3Key: z.string().refine((v) => /^[\x21-\x7e]{32}$/.test(v), 'must be the APIv3 key: exactly 32 ASCII characters').describe('APIv3 key (32 characters): decrypts notifications'),
  /** WeChat Pay public-key mode (new merchants): `PUB_KEY_ID_…` and the key downloaded from the merchant platform. */
  publicKeyId: z.string().regex(/^PUB_KEY_ID_[0-9A-Za-z_]{1,100}$/, 'must be the WeChat Pay public key id (PUB_KEY_ID_…)').optional().describe('WeChat Pay public key id (PUB_KEY_ID_…)'),
  publicKey: PublicKeyPem.optional().describe('WeChat Pay public key (pub_key.pem), PEM'),
  /** Platform-certificate mode (older merchants, or both while migrating): the certificates from GET /v3/certificates, decrypted. */
  platformCertificates: CertificatesPem.optional().describe('Platform certificates (PEM, one or more): for merchants without the public key'),
  /** WeChat Pay's API: https, or plain http to this machine only (a local fake in tests). */
  baseUrl: z.url({ protocol: /^https?$/ }).default(WECHAT_API).refine((v) => {
    const u = new URL(v);
    return u.protocol === 'https:' || isLoopback(u);
  }, 'must be https:// (plain http only to this machine, e.g. a local fake)'),
  /** How long one call to WeChat Pay may take. */
  timeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
}).superRefine((s, ctx) => {
  if (!!s.publicKeyId !== !!s.publicKey) {
    ctx.addIssue({ code: 'custom', path: [s.publicKeyId ? 'publicKey' : 'publicKeyId'], message: 'publicKeyId and publicKey go together' });
  }
  if (!s.publicKey && !s.platformCertificates) {
    ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'set the WeChat Pay public key (publicKeyId + publicKey) and/or platformCertificates: Kami cannot check WeChat\'s signatures without one' });
  }
  if (s.platformCertificates?.some((c) => c.serial === s.merchantSerial.toUpperCase())) {
    ctx.addIssue({ code: 'custom', path: ['platformCertificates'], message: 'holds the merchant\'s own certificate: platform certificates are WeChat Pay\'s' });
  }
});
type WechatSettings = z.infer<typeof Settings>;

/** The notification envelope (plain JSON; only `resource` is encrypted). */
const Envelope = z.object({
  id: z.string().max(128),
  event_type: z.string().max(64),
  resource_type: z.string().max(64).optional(),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string().min(1).max(64 * 1024),
    nonce: z.string().min(1).max(64),
    associated_data: z.string().max(256).optional(),
    original_type: z.string().max(64).optional(),
  }),
});

/** A transaction as WeChat describes it, decrypted from a notification or in a query answer. */
const Transaction = z.object({
  mchid: z.string(),
  appid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().max(64).optional(),
  trade_state: z.string(),
  amount: z.object({ total: z.int().min(0).optional(), currency: z.string().min(1).max(8).optional() }).optional(),
  payer: z.object({ openid: z.string().max(128).optional() }).optional(),
});

/** A refund notification's resource (refund notifications name no appid). */
const RefundResource = z.object({
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().max(64),
  refund_id: z.string().max(64).optional(),
  refund_status: z.string().optional(),
});

const RefundAnswerBody = z.object({ refund_id: z.string(), out_refund_no: z.string(), status: z.string() });

/** Raised for a WeChat Pay call that failed, with a message fit for logs and the database (no secret, no axios config). */
export class WechatPayError extends Error {
  constructor(message: string, readonly status?: number, readonly code?: string, readonly raw?: string) {
    super(message);
    this.name = 'WechatPayError';
  }
}

/** `2026-11-29T18:30:00+08:00`: RFC 3339 in China time, no fractions, as WeChat's examples write time_expire. */
export function chinaTime(d: Date): string {
  const t = new Date(Math.floor(d.getTime() / 1000) * 1000 + 8 * 3_600_000);
  return `${t.toISOString().slice(0, 19)}+08:00`;
}

/** "our clock is 412 s behind WeChat's" (offset = their signed timestamp − our clock, in seconds). */
export function describeSkew(offset: number): string {
  return `our clock is ${Math.abs(offset)} s ${offset > 0 ? 'behind' : 'ahead of'} WeChat's (allowed ±${CLOCK_WINDOW_SECONDS} s)`;
}

type Axiosish = { response?: { status?: number; data?: unknown; headers?: unknown }; code?: string; message?: string };

/** A header of an axios response, whatever its headers object is. */
function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const v = typeof h.get === 'function' ? h.get(name) : h[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try { return JSON.parse(text); } catch { return undefined; }
}

export const wechatGateway = defineGateway<WechatSettings>({
  name: 'wechat',
  displayName: 'WeChat Pay',
  settings: Settings,
  secretFields: ['merchantPrivateKey', 'apiV3Key'],
  canQuery: true,
  canRefund: true,
  create: (s, ctx) => createWechatGateway(s, ctx),
});

export function createWechatGateway(s: WechatSettings, ctx: GatewayContext): PaymentGateway {
  const apiV3Key = Buffer.from(s.apiV3Key, 'ascii');
  /** Wechatpay-Serial → the key that checks its signatures: the public key id and each platform certificate's serial. */
  const verifiers = new Map<string, KeyObject>();
  if (s.publicKeyId && s.publicKey) verifiers.set(s.publicKeyId, createPublicKey(s.publicKey));
  for (const c of s.platformCertificates ?? []) verifiers.set(c.serial, new X509Certificate(c.pem).publicKey);

  const wxpay = new Wechatpay({
    mchid: s.mchid,
    serial: s.merchantSerial,
    privateKey: createPrivateKey(s.merchantPrivateKey),
    certs: Object.fromEntries(verifiers),
    baseURL: s.baseUrl.endsWith('/') ? s.baseUrl : `${s.baseUrl}/`,
    timeout: s.timeoutMs,
    // WeChat answers JSON; read it as text so the raw answer is what Kami keeps (the plugin checks the signature over it first)
    responseType: 'text',
  } as never);

  /**
   * A resource by its whole path. The order number goes in as a `{placeholder}` filled from the
   * request's config: the plugin lower-cases chained segments, and Kami's order numbers are upper case.
   */
  const api = (path: string) => wxpay.chain(path);

  /** The last time a signed timestamp was refused for clock skew, until a later one is within the window. */
  let skew: { at: Date; offset: number; where: string } | undefined;
  const noteSkew = (offset: number, where: string) => {
    skew = { at: new Date(), offset, where };
    ctx.log.warn({ provider: 'wechat', clockOffsetSeconds: offset, where }, `WeChat ${where} refused: ${describeSkew(offset)} — check the server's time (NTP)`);
  };

  /** One call to WeChat Pay; anything that goes wrong becomes a WechatPayError with a plain message. */
  async function call<T>(what: string, run: () => Promise<{ status: number; data: unknown }>): Promise<{ status: number; body: T | undefined; raw: string }> {
    try {
      const res = await run();
      skew = undefined; // the plugin checked this answer's signed timestamp: our clock agrees with WeChat's again
      const raw = typeof res.data === 'string' ? res.data : JSON.stringify(res.data ?? '');
      return { status: res.status, body: parseJson(res.data) as T | undefined, raw };
    } catch (err) {
      const e = err as Axiosish;
      if (e.code === 'EV3_RES_HEADER_TIMESTAMP_OFFSET') {
        const theirs = Number(headerOf(e.response?.headers, 'Wechatpay-Timestamp'));
        const offset = Number.isFinite(theirs) ? theirs - Math.floor(Date.now() / 1000) : NaN;
        if (Number.isFinite(offset)) noteSkew(offset, 'answer');
        throw new WechatPayError(`${what}: WeChat Pay's answer was refused: ${Number.isFinite(offset) ? describeSkew(offset) : 'its timestamp is outside the clock window'} — check the server's time`, e.response?.status, e.code);
      }
      if (e.code === 'EV3_RES_HEADER_SIGNATURE_DIGEST') throw new WechatPayError(`${what}: WeChat Pay's answer failed its signature check`, e.response?.status, e.code);
      if (e.code === 'EV3_RES_HEADER_PLATFORM_SERIAL') {
        throw new WechatPayError(`${what}: WeChat Pay's answer is signed with Wechatpay-Serial ${String(headerOf(e.response?.headers, 'Wechatpay-Serial')).slice(0, 64)}, which is neither the configured public key id nor a configured platform certificate`, e.response?.status, e.code);
      }
      if (e.code === 'EV3_RES_HEADERS_INCOMPLATE') throw new WechatPayError(`${what}: WeChat Pay's answer carries no signature`, e.response?.status, e.code);
      if (e.response?.status) {
        const body = parseJson(e.response.data) as { code?: unknown; message?: unknown } | undefined;
        const code = typeof body?.code === 'string' ? body.code.slice(0, 64) : undefined;
        const message = typeof body?.message === 'string' ? body.message.slice(0, 200) : undefined;
        const raw = typeof e.response.data === 'string' ? e.response.data.slice(0, 2000) : undefined;
        throw new WechatPayError(`${what}: WeChat Pay answered ${e.response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, e.response.status, code, raw);
      }
      if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') throw new WechatPayError(`${what}: no answer from WeChat Pay within ${s.timeoutMs} ms`, undefined, 'timeout');
      throw new WechatPayError(`${what}: WeChat Pay could not be reached (${e.code ?? 'network error'})`, undefined, e.code);
    }
  }

  /** GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid= */
  async function transaction(outTradeNo: string) {
    if (!OUT_TRADE_NO.test(outTradeNo)) throw new WechatPayError(`"${outTradeNo.slice(0, 40)}" is not a WeChat out_trade_no (6–32 letters, digits, _-|*)`);
    let res;
    try {
      res = await call<unknown>(`query ${outTradeNo}`, () => api('v3/pay/transactions/out-trade-no/{out_trade_no}').get({ out_trade_no: outTradeNo, params: { mchid: s.mchid } } as never));
    } catch (err) {
      // unsigned as far as Kami checked (the plugin verifies 2xx answers only): proof of nothing, and it pays nothing
      if (err instanceof WechatPayError && err.status === 404 && err.code === 'ORDER_NOT_EXIST') return { missing: err.raw ?? '{"code":"ORDER_NOT_EXIST"}' } as const;
      throw err;
    }
    const parsed = Transaction.safeParse(res.body);
    if (!parsed.success) throw new WechatPayError(`query ${outTradeNo}: WeChat Pay's answer is not a transaction`);
    const t = parsed.data;
    if (t.mchid !== s.mchid || t.appid !== s.appid) throw new WechatPayError(`query ${outTradeNo}: the answer names another merchant or app (mchid ${t.mchid.slice(0, 32)}, appid ${t.appid.slice(0, 32)})`);
    if (t.out_trade_no !== outTradeNo) throw new WechatPayError(`query ${outTradeNo}: the answer is about another order (${t.out_trade_no.slice(0, 40)})`);
    return { t, raw: res.raw, missing: undefined };
  }

  return {
    name: 'wechat',
    currencies: ['CNY'],

    async createAttempt(a): Promise<AttemptCreated> {
      if (a.currency !== 'CNY') throw new WechatPayError(`WeChat Pay Native takes CNY only; this order is priced in ${a.currency}`);
      if (!OUT_TRADE_NO.test(a.gatewayOrderNo)) throw new WechatPayError(`the order number ${a.gatewayOrderNo} does not fit WeChat's out_trade_no (6–32 letters, digits, _-|*)`);
      if (!Number.isSafeInteger(a.amountMinor) || a.amountMinor < 1) throw new WechatPayError('WeChat Pay takes at least 0.01 CNY');
      if (/[?#]/.test(a.notifyUrl)) throw new WechatPayError('WeChat Pay refuses a notify_url with a query string');
      const body = {
        appid: s.appid,
        mchid: s.mchid,
        description: [...a.subject].slice(0, 127).join('') || a.gatewayOrderNo,
        out_trade_no: a.gatewayOrderNo,
        time_expire: chinaTime(a.expiresAt),
        notify_url: a.notifyUrl,
        amount: { total: a.amountMinor, currency: 'CNY' },
      };
      const res = await call<{ code_url?: unknown }>(`create ${a.gatewayOrderNo}`, () => api('v3/pay/transactions/native').post(body));
      const codeUrl = res.body?.code_url;
      if (typeof codeUrl !== 'string' || !codeUrl.startsWith('weixin://')) throw new WechatPayError(`create ${a.gatewayOrderNo}: WeChat Pay's answer has no code_url`);
      return { qrCode: codeUrl, gatewayAmountMinor: a.amountMinor, gatewayCurrency: 'CNY' };
    },

    verifyNotification(n: RawNotification): NotificationFacts {
      const h = n.headers;
      const [ts, nonce, signature, serial] = [h['wechatpay-timestamp'], h['wechatpay-nonce'], h['wechatpay-signature'], h['wechatpay-serial']];
      if (!ts || !nonce || !signature || !serial) throw new NotificationRefused('invalid_signature', 'missing Wechatpay-Timestamp, Wechatpay-Nonce, Wechatpay-Signature or Wechatpay-Serial header');
      const type = h['wechatpay-signature-type'];
      if (type !== undefined && type !== SIGNATURE_TYPE) throw new NotificationRefused('invalid_signature', `unsupported Wechatpay-Signature-Type (${SIGNATURE_TYPE} only)`);
      if (!/^[0-9]{1,12}$/.test(ts) || nonce.length > 64 || !BASE64.test(signature)) throw new NotificationRefused('invalid_signature', 'malformed Wechatpay-Timestamp, Wechatpay-Nonce or Wechatpay-Signature header');
      const key = verifiers.get(serial) ?? verifiers.get(serial.toUpperCase());
      if (!key) {
        throw new NotificationRefused('invalid_signature', `signed with Wechatpay-Serial ${serial.slice(0, 64)}, which is neither the configured WeChat Pay public key id nor a configured platform certificate`);
      }
      // the signed message is built from the raw bytes as received: "timestamp\nnonce\nbody\n"
      const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), n.body, Buffer.from('\n')]);
      let verified = false;
      try { verified = Rsa.verify(message as unknown as string, signature, key); } catch { verified = false; }
      if (!verified) throw new NotificationRefused('invalid_signature', 'the signature does not match the notification');

      // signed, so the timestamp is WeChat's own: far from ours means our clock is off (or this is an old notification replayed)
      const offset = Number(ts) - Math.floor(Date.now() / 1000);
      if (Math.abs(offset) > CLOCK_WINDOW_SECONDS) {
        noteSkew(offset, 'notification');
        throw new NotificationRefused('stale_signature', `WeChat notification refused: ${describeSkew(offset)} — check the server's time`);
      }
      skew = undefined;

      const envelope = Envelope.safeParse(parseJson(n.body.toString('utf8')));
      if (!envelope.success) throw new NotificationRefused('malformed', 'the notification is not a WeChat Pay v3 event with an AEAD_AES_256_GCM resource');
      const r = envelope.data.resource;
      let plain: string;
      try {
        plain = Aes.AesGcm.decrypt(r.ciphertext, apiV3Key, r.nonce, r.associated_data ?? '');
      } catch {
        throw new NotificationRefused('malformed', 'the resource does not decrypt with the configured APIv3 key (is it the merchant\'s current APIv3 key?)');
      }
      const resource = parseJson(plain);

      if (r.original_type === 'refund' || envelope.data.event_type.startsWith('REFUND.')) {
        const refund = RefundResource.safeParse(resource);
        if (!refund.success) throw new NotificationRefused('malformed', 'the refund resource is not what WeChat Pay sends');
        if (refund.data.mchid !== s.mchid) throw new NotificationRefused('wrong_merchant', 'the refund notification is for another merchant (mchid)');
        return { gatewayOrderNo: refund.data.out_trade_no, txnId: refund.data.transaction_id, paid: false, amountMinor: 0, currency: 'CNY' };
      }

      const parsed = Transaction.safeParse(resource);
      if (!parsed.success) throw new NotificationRefused('malformed', 'the transaction resource is not what WeChat Pay sends');
      const t = parsed.data;
      if (t.mchid !== s.mchid) throw new NotificationRefused('wrong_merchant', 'the notification is for another merchant (mchid)');
      if (t.appid !== s.appid) throw new NotificationRefused('wrong_merchant', 'the notification is for another app (appid)');
      const paid = t.trade_state === 'SUCCESS';
      if (!t.transaction_id) {
        if (paid) throw new NotificationRefused('malformed', 'a successful transaction without transaction_id');
        return { gatewayOrderNo: t.out_trade_no, txnId: `${t.out_trade_no}:${t.trade_state}`.slice(0, 128), paid: false, amountMinor: 0, currency: 'CNY' };
      }
      if (paid && (t.amount?.total === undefined || !t.amount.currency)) throw new NotificationRefused('malformed', 'a successful transaction without amount.total and amount.currency');
      return {
        gatewayOrderNo: t.out_trade_no, txnId: t.transaction_id, paid,
        amountMinor: t.amount?.total ?? 0, currency: t.amount?.currency ?? 'CNY',
        ...(t.payer?.openid ? { account: t.payer.openid } : {}),
      };
    },

    answer(outcome) {
      // "接收成功:HTTP应答状态码需返回200或204,无需返回应答报文" — duplicates too, so WeChat stops
      if (outcome.received) return { status: 204 };
      const status = outcome.code === 'invalid_signature' || outcome.code === 'stale_signature' ? 401 : outcome.code === 'transaction_reused' ? 409 : 400;
      return { status, body: { code: 'FAIL', message: outcome.message.slice(0, 200) } };
    },

    async query(a): Promise<QueryAnswer> {
      const found = await transaction(a.gatewayOrderNo);
      if (found.missing !== undefined) return { state: 'not_found', proof: 'hint', raw: found.missing };
      const { t, raw } = found;
      switch (t.trade_state) {
        case 'SUCCESS':
          if (!t.transaction_id || t.amount?.total === undefined || !t.amount.currency) throw new WechatPayError(`query ${a.gatewayOrderNo}: a successful transaction without its id or amount`);
          return {
            state: 'paid', txnId: t.transaction_id, amountMinor: t.amount.total, currency: t.amount.currency,
            ...(t.payer?.openid ? { account: t.payer.openid } : {}), proof: 'signed', raw,
          };
        case 'NOTPAY':
        case 'USERPAYING':
          return { state: 'pending', proof: 'signed', raw };
        // REFUND: paid once, then refunded (by Kami, or by hand in the merchant platform): nothing to deliver for
        default:
          return { state: 'closed', ...(t.transaction_id ? { txnId: t.transaction_id } : {}), proof: 'signed', raw };
      }
    },

    async refund(r): Promise<RefundAnswer> {
      // WeChat wants the transaction's total with the refund: ask it (signed), and refund only what it says was paid
      const found = await transaction(r.gatewayOrderNo);
      if (found.missing !== undefined) throw new WechatPayError(`refund ${r.refundId}: WeChat Pay knows no order ${r.gatewayOrderNo}`);
      const { t } = found;
      if (t.trade_state !== 'SUCCESS' && t.trade_state !== 'REFUND') throw new WechatPayError(`refund ${r.refundId}: WeChat Pay says ${r.gatewayOrderNo} is ${t.trade_state.slice(0, 32)}, not paid`);
      if (t.transaction_id !== r.txnId) throw new WechatPayError(`refund ${r.refundId}: ${r.gatewayOrderNo} was paid by another transaction than the one to refund`);
      if (t.amount?.total === undefined || t.amount.currency !== r.currency) throw new WechatPayError(`refund ${r.refundId}: the payment was in ${t.amount?.currency ?? '?'}, the refund in ${r.currency}`);
      // the refund's own id is the idempotency key; scoped by the order number so two Kami databases on one merchant never share one
      const outRefundNo = `${r.gatewayOrderNo}-r${r.refundId}`;
      if (!OUT_REFUND_NO.test(outRefundNo)) throw new WechatPayError(`refund ${r.refundId}: ${outRefundNo} does not fit WeChat's out_refund_no`);
      const body = {
        transaction_id: r.txnId,
        out_refund_no: outRefundNo,
        // shown to the buyer in WeChat: no operator's note goes there
        reason: 'Order refund',
        notify_url: ctx.notifyUrl,
        amount: { refund: r.amountMinor, total: t.amount.total, currency: t.amount.currency },
      };
      const res = await call<unknown>(`refund ${outRefundNo}`, () => api('v3/refund/domestic/refunds').post(body));
      const parsed = RefundAnswerBody.safeParse(res.body);
      if (!parsed.success || parsed.data.out_refund_no !== outRefundNo) throw new WechatPayError(`refund ${outRefundNo}: WeChat Pay's answer is not this refund`);
      const { status, refund_id } = parsed.data;
      if (status === 'SUCCESS') return { state: 'succeeded', gatewayRefundId: refund_id };
      if (status === 'PROCESSING') return { state: 'pending', gatewayRefundId: refund_id };
      throw new WechatPayError(`refund ${outRefundNo}: WeChat Pay says ${status.slice(0, 32)} (CLOSED or ABNORMAL: the money did not go back; see the merchant platform)`);
    },

    health(): GatewayHealth {
      if (!skew) return { status: 'ok' };
      return {
        status: 'degraded',
        message: `WeChat ${skew.where} refused at ${skew.at.toISOString()}: ${describeSkew(skew.offset)} — check the server's time`,
      };
    },
  };
}
