/**
 * A faithful local WeChat Pay API v3 (Native) on 127.0.0.1:0, with key material of its own per run:
 *
 * - the merchant's API key pair (Kami signs with the private key; the fake checks `Authorization:
 *   WECHATPAY2-SHA256-RSA2048 …` over `METHOD\npath?query\ntimestamp\nnonce\nbody\n` with the public key,
 *   the merchant id and the merchant certificate serial, as WeChat does);
 * - a "WeChat Pay public key" pair with id `PUB_KEY_ID_…` and a self-signed "platform certificate" pair
 *   (every answer and notification is signed with one of them: `Wechatpay-Timestamp/Nonce/Serial/Signature`
 *   over `timestamp\nnonce\nbody\n`);
 * - the APIv3 key (32 ASCII characters) that encrypts each notification's `resource` (AES-256-GCM, tag last).
 *
 * It keeps orders (NOTPAY → SUCCESS → REFUND), answers Native create with a `code_url`, queries by
 * out_trade_no and refunds (idempotent per out_refund_no), sends notifications to the order's notify_url
 * on WeChat's retry schedule (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, compressed by
 * `timeScale`) until Kami answers 200 or 204, and records every request and every answer. Knobs: drop or
 * lose notifications, replay them (also concurrently), pay late, pay another amount or currency, sign with
 * the wrong key or an unknown serial, skew the clock, forge resources (mchid, appid, out_trade_no), and make
 * queries time out or fail with 5xx.
 */

import {
  createCipheriv, generateKeyPairSync, randomBytes, randomInt, sign, verify, type KeyObject,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** WeChat's notification retry schedule, in seconds (24h4m in all). */
export const RETRY_SCHEDULE_S = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];

export type SignWith = 'publicKey' | 'certificate' | 'wrongKey' | 'unknownSerial';

export interface FakeTransaction {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  notify_url: string;
  time_expire?: string;
  amount: { total: number; currency: string };
  code_url: string;
  trade_state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  transaction_id?: string;
  success_time?: string;
  paid?: { total: number; currency: string };
  openid?: string;
  refunded: number;
  /** Query knobs for this order: the next `timeouts` queries answer after `delayMs`; the next `failures` answer 500; `wrongKey` signs answers with a key Kami does not know. */
  query: { timeouts: number; delayMs: number; failures: number; wrongKey: boolean };
}

export interface Delivery {
  outTradeNo: string;
  /** 0 for the first send, n for the n-th retry, -1 for a replay or a forged one the test sent. */
  attempt: number;
  at: number;
  /** Kami's HTTP status, or null when the notification was lost in transit (never reached Kami). */
  status: number | null;
  answer: string;
  contentType: string | null;
  delivered: boolean;
}

export interface FakeRequest { method: string; path: string; authOk: boolean; authError?: string; status: number }

export interface RefundRecord { out_refund_no: string; refund_id: string; transaction_id: string; out_trade_no: string; refund: number; total: number; currency: string; reason?: string; notify_url?: string }

export interface PayOptions {
  /** `drop`: the notification never reaches Kami (Kami must find the payment itself). */
  notify?: 'send' | 'drop';
  /** The first `lose` sends are lost in transit; WeChat retries on its schedule. */
  lose?: number;
  /** Pay although the order's time_expire has passed (a payment Kami learns of late). */
  late?: boolean;
  /** What WeChat says was paid (as if the order had been created with another amount). */
  amount?: number;
  currency?: string;
  openid?: string;
}

/** What a forged or odd notification changes (resource fields, or how it is signed and encrypted). */
export interface ForgeOptions {
  mchid?: string;
  appid?: string;
  out_trade_no?: string;
  transaction_id?: string;
  total?: number;
  currency?: string;
  trade_state?: string;
  signWith?: SignWith;
  /** Seconds added to the signed timestamp (the notification claims to come from a clock this far off). */
  skewSeconds?: number;
  /** Changes the body after it was signed. */
  tamper?: (body: string) => string;
  /** Encrypts the resource with another APIv3 key. */
  apiV3Key?: string;
}

const pem = (der: Buffer, label: string) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

// --- a minimal DER writer: enough for one self-signed X.509 v1 certificate ---
const derLength = (n: number) => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, ...parts: Buffer[]) => { const body = Buffer.concat(parts); return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]); };
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const oid = (dotted: string) => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a! + b!];
  for (const n of rest) {
    const chunk: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) { chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0)); if (v < 128) break; }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
};
const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

/** A self-signed certificate for `key`, with `serialHex` (what WeChat's platform certificates are named by). */
function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, serialHex: string, cn: string): string {
  const name = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));
  const now = Date.now();
  const tbs = seq(
    tlv(0x02, Buffer.from(serialHex, 'hex')), SHA256_WITH_RSA, name,
    seq(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 5 * 365 * 86_400_000))), name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  return pem(seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0]), signature)), 'CERTIFICATE');
}

const rsaPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const upperHex = (bytes: number) => { const b = randomBytes(bytes); b[0] = (b[0]! & 0x7f) | 0x10; return b.toString('hex').toUpperCase(); };
const alnum = (n: number) => { const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'; let s = ''; for (let i = 0; i < n; i++) s += a[randomInt(a.length)]; return s; };
const chinaTime = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;
const TIME_EXPIRE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

export interface WechatFakeOptions {
  mchid?: string;
  appid?: string;
  /** Real seconds of the retry schedule per fake second (0.01: the 15 s first retry comes after 150 ms). */
  timeScale?: number;
}

export async function startWechatFake(opts: WechatFakeOptions = {}) {
  const mchid = opts.mchid ?? `19${randomInt(10_000_000, 99_999_999)}`;
  const appid = opts.appid ?? `wx${randomBytes(8).toString('hex')}`;
  const timeScale = opts.timeScale ?? 0.01;

  const merchant = rsaPair();
  const merchantSerial = upperHex(20);
  const wechatKey = rsaPair();
  const publicKeyId = `PUB_KEY_ID_01${randomInt(10 ** 9, 10 ** 10 - 1)}${randomInt(10 ** 9, 10 ** 10 - 1)}`;
  const platform = rsaPair();
  const platformSerial = upperHex(20);
  const platformCertificate = selfSignedCertificate(platform.privateKey, platform.publicKey, platformSerial, 'Tenpay.com Root CA (fake)');
  const stranger = rsaPair(); // a key nobody configured: "signed with the wrong key"
  const apiV3Key = alnum(32);
  const merchantPrivateKeyPem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  const orders = new Map<string, FakeTransaction>();
  const requests: FakeRequest[] = [];
  const deliveries: Delivery[] = [];
  const refunds: RefundRecord[] = [];
  /** Last notification sent per out_trade_no, byte for byte, for replays. */
  const lastSent = new Map<string, { url: string; body: string; headers: Record<string, string> }>();
  const timers = new Set<NodeJS.Timeout>();
  const knobs = {
    /** The fake's clock runs this many seconds off the real one (its signed timestamps, and the window it checks Kami's in). */
    skewSeconds: 0,
    /** Which key signs answers and notifications. */
    signWith: 'publicKey' as SignWith,
    /** Status of the next refunds (SUCCESS, PROCESSING, ABNORMAL). */
    refundStatus: 'SUCCESS',
  };
  let closed = false;

  const nowS = () => Math.floor(Date.now() / 1000) + knobs.skewSeconds;

  function signHeaders(body: string, how: SignWith = knobs.signWith, skew = 0): Record<string, string> {
    const ts = String(nowS() + skew);
    const nonce = alnum(32);
    const message = `${ts}\n${nonce}\n${body}\n`;
    const key = how === 'certificate' ? platform.privateKey : how === 'wrongKey' ? stranger.privateKey : wechatKey.privateKey;
    const serial = how === 'certificate' ? platformSerial : how === 'unknownSerial' ? 'PUB_KEY_ID_0000000000UNKNOWN' : publicKeyId;
    return {
      'Wechatpay-Timestamp': ts, 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': serial,
      'Wechatpay-Signature': sign('sha256', Buffer.from(message), key).toString('base64'), 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    };
  }

  function answer(res: ServerResponse, status: number, obj?: unknown, how?: SignWith) {
    const body = obj === undefined ? '' : JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Request-ID': randomBytes(12).toString('hex'), ...signHeaders(body, how) });
    res.end(body);
  }

  /** Kami's Authorization header, checked the way WeChat checks it; the reason when it fails. */
  function checkAuthorization(req: IncomingMessage, body: string): string | undefined {
    const m = /^WECHATPAY2-SHA256-RSA2048 (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return 'no WECHATPAY2-SHA256-RSA2048 Authorization';
    const p = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (p.mchid !== mchid) return `mchid ${p.mchid} is not the merchant`;
    if (p.serial_no !== merchantSerial) return `serial_no ${p.serial_no} is not the merchant certificate's`;
    if (!p.nonce_str || !p.signature || !/^\d+$/.test(p.timestamp ?? '')) return 'incomplete Authorization';
    if (Math.abs(nowS() - Number(p.timestamp)) > 300) return 'timestamp more than 5 minutes off';
    const message = `${req.method}\n${req.url}\n${p.timestamp}\n${p.nonce_str}\n${body}\n`;
    if (!verify('sha256', Buffer.from(message), merchant.publicKey, Buffer.from(p.signature, 'base64'))) return 'signature does not verify';
    return undefined;
  }

  const transactionJson = (o: FakeTransaction, over: ForgeOptions = {}) => {
    const paid = o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND' || over.trade_state === 'SUCCESS';
    const total = over.total ?? o.paid?.total ?? o.amount.total;
    const currency = over.currency ?? o.paid?.currency ?? o.amount.currency;
    return {
      appid: over.appid ?? o.appid, mchid: over.mchid ?? o.mchid, out_trade_no: over.out_trade_no ?? o.out_trade_no,
      ...(paid ? { transaction_id: over.transaction_id ?? o.transaction_id ?? newTransactionId() } : {}),
      trade_type: 'NATIVE', trade_state: over.trade_state ?? o.trade_state,
      trade_state_desc: (over.trade_state ?? o.trade_state) === 'SUCCESS' ? '支付成功' : o.trade_state === 'NOTPAY' ? '未支付' : '',
      bank_type: paid ? 'OTHERS' : '', attach: '',
      ...(paid ? { success_time: o.success_time ?? chinaTime(Date.now()), payer: { openid: o.openid ?? 'oFake' } } : {}),
      amount: paid ? { total, payer_total: total, currency, payer_currency: currency } : { total: o.amount.total, currency: o.amount.currency },
    };
  };

  const newTransactionId = () => `4200${randomInt(100_000, 999_999)}${new Date().toISOString().slice(0, 10).replace(/-/g, '')}${randomInt(10 ** 9, 10 ** 10 - 1)}`;

  /** The notification WeChat sends for `o` (or a forged variant): its exact body and signed headers. */
  function buildNotification(o: FakeTransaction, over: ForgeOptions = {}) {
    const plain = JSON.stringify(transactionJson(o, over));
    const nonce = alnum(12);
    const aad = 'transaction';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(over.apiV3Key ?? apiV3Key, 'ascii'), nonce).setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const body = JSON.stringify({
      id: `EV-${randomBytes(16).toString('hex')}`, create_time: chinaTime(Date.now()), resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce },
    });
    return { body, plain };
  }

  async function post(outTradeNo: string, url: string, body: string, headers: Record<string, string>, attempt: number): Promise<Delivery> {
    const at = Date.now();
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/4.0', ...headers }, body, redirect: 'manual' });
      const text = await res.text();
      const d: Delivery = { outTradeNo, attempt, at, status: res.status, answer: text, contentType: res.headers.get('content-type'), delivered: res.status === 200 || res.status === 204 };
      deliveries.push(d);
      return d;
    } catch (err) {
      const d: Delivery = { outTradeNo, attempt, at, status: null, answer: `connection failed: ${(err as Error).message}`, contentType: null, delivered: false };
      deliveries.push(d);
      return d;
    }
  }

  const later = (ms: number, fn: () => void) => {
    if (closed) return;
    const t = setTimeout(() => { timers.delete(t); if (!closed) fn(); }, ms);
    timers.add(t);
  };

  /** Sends the order's notification and retries on WeChat's schedule until Kami acknowledges it (re-signed each time, same body). */
  function notifyWithRetries(o: FakeTransaction, body: string, lose: number) {
    const send = async (attempt: number) => {
      const headers = signHeaders(body);
      lastSent.set(o.out_trade_no, { url: o.notify_url, body, headers });
      let d: Delivery;
      if (attempt < lose) {
        d = { outTradeNo: o.out_trade_no, attempt, at: Date.now(), status: null, answer: 'lost in transit', contentType: null, delivered: false };
        deliveries.push(d);
      } else {
        d = await post(o.out_trade_no, o.notify_url, body, headers, attempt);
      }
      if (!d.delivered && attempt < RETRY_SCHEDULE_S.length) later(RETRY_SCHEDULE_S[attempt]! * 1000 * timeScale, () => void send(attempt + 1));
    };
    void send(0);
  }

  const readBody = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://fake');
      const record = (status: number, authError?: string) => requests.push({ method: req.method ?? '', path: req.url ?? '', authOk: !authError, ...(authError ? { authError } : {}), status });
      const authError = checkAuthorization(req, body);
      if (authError) {
        record(401, authError);
        return answer(res, 401, { code: 'SIGN_ERROR', message: `签名错误: ${authError}` });
      }
      const fail = (status: number, code: string, message: string) => { record(status); answer(res, status, { code, message }); };

      // Native create
      if (req.method === 'POST' && url.pathname === '/v3/pay/transactions/native') {
        let b: any;
        try { b = JSON.parse(body); } catch { return fail(400, 'PARAM_ERROR', '请求体不是JSON'); }
        if (b.mchid !== mchid) return fail(400, 'PARAM_ERROR', 'mchid与请求头不一致');
        if (b.appid !== appid) return fail(400, 'PARAM_ERROR', 'appid和mch_id不匹配');
        if (typeof b.out_trade_no !== 'string' || !OUT_TRADE_NO.test(b.out_trade_no)) return fail(400, 'PARAM_ERROR', 'out_trade_no 要求6-32个字符内，只能是数字、大小写字母_-|*');
        if (typeof b.description !== 'string' || !b.description || [...b.description].length > 127) return fail(400, 'PARAM_ERROR', 'description 必填 string(127)');
        if (typeof b.notify_url !== 'string' || !/^https?:\/\/[^?#\s]+$/.test(b.notify_url)) return fail(400, 'PARAM_ERROR', 'notify_url 格式不正确（不能携带参数）');
        if (b.time_expire !== undefined && (typeof b.time_expire !== 'string' || !TIME_EXPIRE.test(b.time_expire))) return fail(400, 'PARAM_ERROR', 'time_expire 格式不正确');
        if (!Number.isInteger(b.amount?.total) || b.amount.total < 1) return fail(400, 'PARAM_ERROR', 'amount.total 必须为正整数（分）');
        if ((b.amount.currency ?? 'CNY') !== 'CNY') return fail(400, 'PARAM_ERROR', 'amount.currency 仅支持CNY');
        const existing = orders.get(b.out_trade_no);
        if (existing) {
          if (existing.trade_state === 'SUCCESS') return fail(400, 'ORDERPAID', '该订单已支付');
          if (existing.amount.total !== b.amount.total || existing.description !== b.description) return fail(400, 'INVALID_REQUEST', '201 商户订单号重复');
          record(200);
          return answer(res, 200, { code_url: existing.code_url });
        }
        const o: FakeTransaction = {
          appid, mchid, description: b.description, out_trade_no: b.out_trade_no, notify_url: b.notify_url, time_expire: b.time_expire,
          amount: { total: b.amount.total, currency: 'CNY' }, code_url: `weixin://wxpay/bizpayurl?pr=${alnum(7)}`, trade_state: 'NOTPAY', refunded: 0,
          query: { timeouts: 0, delayMs: 0, failures: 0, wrongKey: false },
        };
        orders.set(o.out_trade_no, o);
        record(200);
        return answer(res, 200, { code_url: o.code_url });
      }

      // Query by out_trade_no
      const q = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && q) {
        if (url.searchParams.get('mchid') !== mchid) return fail(400, 'PARAM_ERROR', 'mchid 必填，且与请求头一致');
        const o = orders.get(decodeURIComponent(q[1]!));
        if (!o) return fail(404, 'ORDER_NOT_EXIST', '订单不存在');
        if (o.query.timeouts > 0) {
          o.query.timeouts--;
          await new Promise((r) => setTimeout(r, o.query.delayMs));
          record(0); // 0: answered after the caller's timeout
          if (res.destroyed || res.writableEnded) return;
          return answer(res, 200, transactionJson(o));
        }
        if (o.query.failures > 0) {
          o.query.failures--;
          return fail(500, 'SYSTEM_ERROR', '系统错误');
        }
        record(200);
        return answer(res, 200, transactionJson(o), o.query.wrongKey ? 'wrongKey' : undefined);
      }

      // Refund
      if (req.method === 'POST' && url.pathname === '/v3/refund/domestic/refunds') {
        let b: any;
        try { b = JSON.parse(body); } catch { return fail(400, 'PARAM_ERROR', '请求体不是JSON'); }
        if (typeof b.out_refund_no !== 'string' || !/^[A-Za-z0-9_\-|*@]{1,64}$/.test(b.out_refund_no)) return fail(400, 'PARAM_ERROR', 'out_refund_no 格式不正确');
        const o = [...orders.values()].find((x) => (b.transaction_id && x.transaction_id === b.transaction_id) || (!b.transaction_id && x.out_trade_no === b.out_trade_no));
        if (!o || !o.transaction_id) return fail(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
        const done = refunds.find((r) => r.out_refund_no === b.out_refund_no);
        const refundAnswer = (r: RefundRecord, status: string) => ({
          refund_id: r.refund_id, out_refund_no: r.out_refund_no, transaction_id: r.transaction_id, out_trade_no: r.out_trade_no,
          channel: 'ORIGINAL', user_received_account: '支付用户零钱', success_time: chinaTime(Date.now()), create_time: chinaTime(Date.now()),
          status, funds_account: 'AVAILABLE', amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund, settlement_refund: r.refund, settlement_total: r.total, discount_refund: 0, currency: r.currency },
        });
        if (done) {
          // the same out_refund_no again: the same refund, never a second one
          if (done.refund !== b.amount?.refund || done.transaction_id !== o.transaction_id) return fail(400, 'INVALID_REQUEST', '同一退款单号参数不一致');
          record(200);
          return answer(res, 200, refundAnswer(done, 'SUCCESS'));
        }
        const paid = o.paid ?? o.amount;
        if (!Number.isInteger(b.amount?.refund) || b.amount.refund < 1) return fail(400, 'PARAM_ERROR', 'amount.refund 必须为正整数');
        if (b.amount.total !== paid.total) return fail(400, 'PARAM_ERROR', 'amount.total 与原订单金额不一致');
        if ((b.amount.currency ?? 'CNY') !== paid.currency) return fail(400, 'PARAM_ERROR', 'amount.currency 与原订单不一致');
        if (o.refunded + b.amount.refund > paid.total) return fail(400, 'NOT_ENOUGH', '退款金额超过可退金额');
        const r: RefundRecord = {
          out_refund_no: b.out_refund_no, refund_id: `50${randomInt(10 ** 9, 10 ** 10 - 1)}${randomInt(10 ** 9, 10 ** 10 - 1)}`, transaction_id: o.transaction_id,
          out_trade_no: o.out_trade_no, refund: b.amount.refund, total: paid.total, currency: paid.currency, reason: b.reason, notify_url: b.notify_url,
        };
        refunds.push(r);
        o.refunded += r.refund;
        o.trade_state = 'REFUND';
        record(200);
        return answer(res, 200, refundAnswer(r, knobs.refundStatus));
      }

      fail(404, 'NOT_FOUND', `no such API: ${req.method} ${url.pathname}`);
    })().catch((err: unknown) => {
      if (!res.headersSent) answer(res, 500, { code: 'SYSTEM_ERROR', message: String(err) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const order = (outTradeNo: string) => {
    const o = orders.get(outTradeNo);
    if (!o) throw new Error(`the fake has no order ${outTradeNo} (Kami never created it)`);
    return o;
  };

  return {
    url, mchid, appid, apiV3Key, publicKeyId, platformSerial, merchantSerial,
    orders, requests, deliveries, refunds, knobs,
    /** What Kami needs to talk to this fake: `KAMI_PAY_WECHAT_…` (public key and platform certificate both configured). */
    env(extra: Record<string, string> = {}): Record<string, string> {
      return {
        KAMI_PAY_WECHAT_MCHID: mchid,
        KAMI_PAY_WECHAT_APPID: appid,
        KAMI_PAY_WECHAT_MERCHANT_SERIAL: merchantSerial,
        KAMI_PAY_WECHAT_MERCHANT_PRIVATE_KEY: merchantPrivateKeyPem,
        KAMI_PAY_WECHAT_API_V3_KEY: apiV3Key,
        KAMI_PAY_WECHAT_PUBLIC_KEY_ID: publicKeyId,
        KAMI_PAY_WECHAT_PUBLIC_KEY: wechatKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        KAMI_PAY_WECHAT_PLATFORM_CERTIFICATES: platformCertificate,
        KAMI_PAY_WECHAT_BASE_URL: url,
        ...extra,
      };
    },
    /** Strings that must never show up in a log line, a stored row or an error: the merchant private key's body and the APIv3 key. */
    secrets(): string[] {
      const body = merchantPrivateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
      return [apiV3Key, ...body.filter((_, i) => i % 4 === 1)];
    },
    order,
    /** The buyer scans and pays; WeChat then notifies Kami (unless `notify: 'drop'`). Returns the transaction id. */
    pay(outTradeNo: string, p: PayOptions = {}): string {
      const o = order(outTradeNo);
      if (o.trade_state !== 'NOTPAY') throw new Error(`${outTradeNo} is ${o.trade_state}`);
      if (!p.late && o.time_expire && Date.parse(o.time_expire) < Date.now()) throw new Error(`${outTradeNo} expired at ${o.time_expire}: WeChat no longer takes its payment`);
      o.trade_state = 'SUCCESS';
      o.transaction_id = newTransactionId();
      o.success_time = chinaTime(Date.now());
      o.openid = p.openid ?? `o${alnum(27)}`;
      if (p.amount !== undefined || p.currency !== undefined) o.paid = { total: p.amount ?? o.amount.total, currency: p.currency ?? o.amount.currency };
      // what WeChat sends (kept for replays even when it is dropped on the way)
      const { body } = buildNotification(o);
      lastSent.set(o.out_trade_no, { url: o.notify_url, body, headers: signHeaders(body) });
      if (p.notify !== 'drop') notifyWithRetries(o, body, p.lose ?? 0);
      return o.transaction_id;
    },
    /**
     * Sends the order's last notification (or the one a dropped payment would have sent) again, byte for
     * byte (same signature): `times` in a row, or all at once.
     */
    async replay(outTradeNo: string, times: number, how: { concurrent?: boolean } = {}): Promise<Delivery[]> {
      const last = lastSent.get(outTradeNo);
      if (!last) throw new Error(`no notification was sent for ${outTradeNo}`);
      if (how.concurrent) return Promise.all(Array.from({ length: times }, () => post(outTradeNo, last.url, last.body, last.headers, -1)));
      const out: Delivery[] = [];
      for (let i = 0; i < times; i++) out.push(await post(outTradeNo, last.url, last.body, last.headers, -1));
      return out;
    },
    /** Sends the order's notification once more, freshly signed (what WeChat's next retry does). */
    async resend(outTradeNo: string): Promise<Delivery> {
      const last = lastSent.get(outTradeNo);
      if (!last) throw new Error(`no notification was sent for ${outTradeNo}`);
      const headers = signHeaders(last.body);
      lastSent.set(outTradeNo, { ...last, headers });
      return post(outTradeNo, last.url, last.body, headers, -1);
    },
    /**
     * Sends one notification about `outTradeNo` that WeChat's state does not back: a paid resource with
     * `over` applied, signed and encrypted as `over` says. The order itself stays as it is at the fake.
     */
    async forge(outTradeNo: string, over: ForgeOptions = {}, notifyUrl?: string): Promise<Delivery & { body: string }> {
      const o = order(outTradeNo);
      const forged = { ...o, trade_state: 'SUCCESS' as const, transaction_id: over.transaction_id ?? o.transaction_id ?? newTransactionId(), openid: o.openid ?? `o${alnum(27)}` };
      const { body } = buildNotification(forged, over);
      const headers = signHeaders(body, over.signWith ?? knobs.signWith, over.skewSeconds ?? 0);
      const sent = over.tamper ? over.tamper(body) : body;
      const d = await post(outTradeNo, notifyUrl ?? o.notify_url, sent, headers, -1);
      return { ...d, body: sent };
    },
    /** Deliveries to Kami for one order, in order. */
    deliveriesOf: (outTradeNo: string) => deliveries.filter((d) => d.outTradeNo === outTradeNo),
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
export type WechatFake = Awaited<ReturnType<typeof startWechatFake>>;
