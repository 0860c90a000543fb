/**
 * A stateful stand-in for Alipay's OpenAPI 2.0 gateway (`gateway.do`) on 127.0.0.1, holding its own
 * "Alipay" RSA key pair. It does what the real one does to Kami's requests and answers:
 *
 * - verifies each request's RSA2 signature with the app's public key, over every parameter (URL and
 *   form body, decoded) but `sign`, sorted, `k=v` joined by `&` — `sign_type` included — and checks
 *   app_id, charset, version, the Beijing-time `timestamp` (within 10 minutes: an assumption, Alipay
 *   documents a format, not a window) and the business fields Alipay documents (out_trade_no of
 *   letters, digits and `_`; total_amount in yuan with at most 2 decimals; a subject without / = &);
 * - answers `{"<method>_response":{…},"sign":"…"}`, signing the exact inner bytes it emits (slashes
 *   escaped as `\/`, as Alipay writes them);
 * - keeps trades: a precreate or page-pay trade does not exist (ACQ.TRADE_NOT_EXIST) until the buyer
 *   scans or opens the cashier (`scan`), then WAIT_BUYER_PAY, TRADE_SUCCESS on `pay`, TRADE_CLOSED
 *   when time_expire passes unpaid or it is refunded in full;
 * - refunds once per out_request_no (asked again: fund_change N, and the refund query says
 *   REFUND_SUCCESS);
 * - notifies like Alipay: a POST form (Java URLEncoder style, `+` for spaces) with
 *   notify_type=trade_status_sync, signed over the decoded values without `sign` and `sign_type`,
 *   delivered until the answer is exactly `success`, on Alipay's schedule compressed by `scale`.
 *
 * Knobs (`fake.knobs`) break it on purpose: answers signed with another key or changed after signing,
 * the next N requests failing with HTTP 502, a refund that answers fund_change N the first time.
 */

import { createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** 4m, 10m, 10m, 1h, 2h, 6h, 15h after the first try: "25 小时以内完成 8 次通知". */
export const ALIPAY_RETRY_SCHEDULE_MS = [4, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000);

export interface FakeTrade {
  outTradeNo: string;
  tradeNo: string;
  method: 'alipay.trade.page.pay' | 'alipay.trade.precreate';
  totalAmount: string;
  subject: string;
  /** `unscanned`: Alipay knows the request but no trade exists yet. */
  status: 'unscanned' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
  notifyUrl?: string;
  returnUrl?: string;
  timeExpire?: string;
  qrCode?: string;
  gmtCreate?: string;
  gmtPayment?: string;
  buyerId: string;
  buyerLogonId: string;
  /** out_request_no → refunded amount in fen. */
  refunds: Map<string, number>;
}

export interface LoggedRequest { method: string; http: 'GET' | 'POST'; params: Record<string, string>; outcome: string }
export interface Delivery { url: string; status: number; body: string; acked: boolean }

const pemOf = (k: KeyObject) => String(k.export({ type: 'spki', format: 'pem' }));
const b64Of = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('base64');
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const beijing = (d = new Date()) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
const fromBeijing = (text: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - 8 * 3_600_000 : NaN;
};
const fen = (yuan: string) => {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(yuan);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
};
const yuan = (f: number) => `${Math.floor(f / 100)}.${pad(f % 100)}`;

/** What Java's URLEncoder writes (Alipay's servers are Java): space as `+`, `*` kept, `!'()~` escaped. */
export const javaUrlEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The string Alipay signs: every field but `sign` (and `sign_type`, for notifications), sorted, `k=v` joined by `&`. */
export const signContent = (params: Record<string, string>, drop: readonly string[]) =>
  Object.keys(params).filter((k) => !drop.includes(k)).sort().map((k) => `${k}=${params[k]}`).join('&');

export const rsa2Sign = (content: string, key: KeyObject) => createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');

function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    if (k in out) throw new Error(`repeated parameter ${k}`);
    out[k] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
  }
  return out;
}

export interface FakeAlipayOptions {
  /** The app Kami is configured as. */
  appId: string;
  /** The app's public key (Kami holds the private half). */
  appPublicKey: KeyObject;
  /** The seller's PID in notifications. */
  sellerId?: string;
}

export async function startFakeAlipay(opts: FakeAlipayOptions) {
  const { privateKey: alipayPrivate, publicKey: alipayPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sellerId = opts.sellerId ?? '2088000000000001';
  const trades = new Map<string, FakeTrade>();
  const requests: LoggedRequest[] = [];
  const deliveries: Delivery[] = [];
  const knobs: {
    /** Sign answers with this key instead of Alipay's. */
    answerKey?: KeyObject;
    /** Change an answer's inner object after it was signed. */
    tamper?: (method: string, inner: Record<string, unknown>) => void;
    /** Answer without a sign, as Alipay does for some gateway-level errors. */
    unsigned?: boolean;
    /** The next N requests answer HTTP 502. */
    failNext: number;
    /** The next new refund answers fund_change N (the refund query then confirms it). */
    refundFundChangeN: boolean;
  } = { failNext: 0, refundFundChangeN: false };
  let tradeSeq = 0;

  const newTradeNo = () => {
    const d = new Date(Date.now() + 8 * 3_600_000);
    return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}22001${pad(++tradeSeq, 6)}${randomBytes(4).readUInt32BE().toString().padStart(9, '0').slice(0, 9)}`;
  };

  /** `{"<key>":<inner>,"sign":"…"}`, signed over exactly the inner bytes sent. */
  function signedAnswer(method: string, inner: Record<string, unknown>): string {
    const key = `${method.replaceAll('.', '_')}_response`;
    const text = (o: unknown) => JSON.stringify(o).replace(/\//g, '\\/');
    const signed = text(inner);
    const sign = rsa2Sign(signed, knobs.answerKey ?? alipayPrivate);
    let emitted = signed;
    if (knobs.tamper) {
      const copy = JSON.parse(signed) as Record<string, unknown>;
      knobs.tamper(method, copy);
      emitted = text(copy);
    }
    return knobs.unsigned ? `{"${key}":${emitted}}` : `{"${key}":${emitted},"sign":"${sign}"}`;
  }

  const business = (subCode: string, subMsg: string, extra: Record<string, unknown> = {}) => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...extra });

  function closeIfExpired(t: FakeTrade) {
    if (t.status === 'WAIT_BUYER_PAY' && t.timeExpire && fromBeijing(t.timeExpire) < Date.now()) t.status = 'TRADE_CLOSED';
  }

  /** Checks the common parameters and the signature; returns a refusal's inner answer, or null. */
  function checkCommon(p: Record<string, string>): Record<string, unknown> | null {
    const invalid = (sub: string, msg: string) => ({ code: '40002', msg: 'Invalid Arguments', sub_code: sub, sub_msg: msg });
    if (p.app_id !== opts.appId) return invalid('isv.invalid-app-id', '无效的AppID参数');
    if (p.sign_type !== 'RSA2') return invalid('isv.invalid-signature-type', '无效的签名类型');
    if (p.charset !== 'utf-8') return invalid('isv.invalid-charset', '字符集错误');
    if (p.version !== '1.0') return invalid('isv.invalid-version', '版本号错误');
    const ts = fromBeijing(p.timestamp ?? '');
    if (!Number.isFinite(ts) || Math.abs(ts - Date.now()) > 10 * 60_000) return invalid('isv.invalid-timestamp', '非法的时间戳参数');
    const ok = !!p.sign && createVerify('RSA-SHA256').update(signContent(p, ['sign']), 'utf8').verify(opts.appPublicKey, p.sign, 'base64');
    if (!ok) return invalid('isv.invalid-signature', `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${signContent(p, ['sign'])}`);
    return null;
  }

  function checkTrade(biz: Record<string, unknown>, page: boolean): Record<string, unknown> | null {
    const invalid = (sub: string, msg: string) => ({ code: '40002', msg: 'Invalid Arguments', sub_code: sub, sub_msg: msg });
    const out = biz.out_trade_no;
    if (typeof out !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(out)) return invalid('isv.invalid-parameter', 'out_trade_no 仅支持字母、数字、下划线');
    const amount = typeof biz.total_amount === 'string' ? fen(biz.total_amount) : NaN;
    if (!(amount >= 1 && amount <= 10_000_000_000)) return invalid('isv.invalid-parameter', 'total_amount 取值范围[0.01,100000000]');
    if (typeof biz.subject !== 'string' || !biz.subject || biz.subject.length > 256 || /[/=&]/.test(biz.subject)) return invalid('isv.invalid-parameter', 'subject 不可使用特殊字符');
    if (biz.time_expire !== undefined && !Number.isFinite(fromBeijing(String(biz.time_expire)))) return invalid('isv.invalid-parameter', 'time_expire 格式错误');
    if (page && biz.product_code !== 'FAST_INSTANT_TRADE_PAY') return invalid('isv.invalid-parameter', 'product_code 必须为 FAST_INSTANT_TRADE_PAY');
    return null;
  }

  function openTrade(method: FakeTrade['method'], biz: Record<string, unknown>, p: Record<string, string>): FakeTrade | Record<string, unknown> {
    const out = biz.out_trade_no as string;
    const prev = trades.get(out);
    if (prev) {
      if (prev.status === 'TRADE_SUCCESS' || prev.status === 'TRADE_FINISHED') return business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      if (prev.status === 'TRADE_CLOSED') return business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      if (prev.totalAmount !== biz.total_amount || prev.method !== method) return business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
      return prev;
    }
    const t: FakeTrade = {
      outTradeNo: out, tradeNo: '', method, totalAmount: biz.total_amount as string, subject: biz.subject as string, status: 'unscanned',
      notifyUrl: p.notify_url, returnUrl: p.return_url, timeExpire: biz.time_expire as string | undefined,
      qrCode: method === 'alipay.trade.precreate' ? `https://qr.alipay.com/bax${randomBytes(12).toString('hex')}` : undefined,
      buyerId: `2088${randomBytes(6).readUIntBE(0, 6).toString().padStart(12, '0').slice(0, 12)}`, buyerLogonId: 'buy***@example.com', refunds: new Map(),
    };
    trades.set(out, t);
    return t;
  }

  const findTrade = (biz: Record<string, unknown>) => {
    const byNo = typeof biz.trade_no === 'string' && biz.trade_no ? [...trades.values()].find((t) => t.tradeNo === biz.trade_no) : undefined;
    const byOut = typeof biz.out_trade_no === 'string' ? trades.get(biz.out_trade_no) : undefined;
    if (byNo && byOut && byNo !== byOut) return undefined;
    const t = byNo ?? byOut;
    return t && t.status !== 'unscanned' ? t : undefined;
  };

  function handleApi(method: string, p: Record<string, string>): Record<string, unknown> {
    let biz: Record<string, unknown>;
    try { biz = JSON.parse(p.biz_content ?? '{}') as Record<string, unknown>; } catch { return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter', sub_msg: 'biz_content 不是 JSON' }; }
    switch (method) {
      case 'alipay.trade.precreate': {
        const bad = checkTrade(biz, false);
        if (bad) return bad;
        const t = openTrade('alipay.trade.precreate', biz, p);
        if (!('refunds' in t)) return t;
        return { code: '10000', msg: 'Success', out_trade_no: t.outTradeNo, qr_code: t.qrCode };
      }
      case 'alipay.trade.query': {
        const t = findTrade(biz);
        if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在', { buyer_pay_amount: '0.00', invoice_amount: '0.00', out_trade_no: biz.out_trade_no, point_amount: '0.00', receipt_amount: '0.00' });
        closeIfExpired(t);
        const paid = t.status === 'TRADE_SUCCESS' || t.status === 'TRADE_FINISHED';
        return {
          code: '10000', msg: 'Success', buyer_logon_id: t.buyerLogonId, buyer_pay_amount: paid ? t.totalAmount : '0.00', buyer_user_id: t.buyerId,
          invoice_amount: paid ? t.totalAmount : '0.00', out_trade_no: t.outTradeNo, point_amount: '0.00', receipt_amount: paid ? t.totalAmount : '0.00',
          ...(t.gmtPayment ? { send_pay_date: t.gmtPayment } : {}), total_amount: t.totalAmount, trade_no: t.tradeNo, trade_status: t.status,
        };
      }
      case 'alipay.trade.refund': {
        const t = findTrade(biz);
        if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const no = typeof biz.out_request_no === 'string' && biz.out_request_no ? biz.out_request_no : t.tradeNo;
        const amount = typeof biz.refund_amount === 'string' ? fen(biz.refund_amount) : NaN;
        if (!(amount >= 1)) return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter', sub_msg: 'refund_amount 格式错误' };
        const refunded = () => [...t.refunds.values()].reduce((a, b) => a + b, 0);
        const answer = (fundChange: 'Y' | 'N') => ({
          code: '10000', msg: 'Success', buyer_logon_id: t.buyerLogonId, buyer_user_id: t.buyerId, fund_change: fundChange,
          gmt_refund_pay: beijing(), out_trade_no: t.outTradeNo, refund_fee: yuan(refunded()), send_back_fee: biz.refund_amount, trade_no: t.tradeNo,
        });
        const before = t.refunds.get(no);
        if (before !== undefined) return before === amount ? answer('N') : business('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
        if (t.status !== 'TRADE_SUCCESS') return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        if (refunded() + amount > fen(t.totalAmount)) return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
        t.refunds.set(no, amount);
        if (refunded() === fen(t.totalAmount)) t.status = 'TRADE_CLOSED';
        const n = knobs.refundFundChangeN;
        knobs.refundFundChangeN = false;
        return answer(n ? 'N' : 'Y');
      }
      case 'alipay.trade.fastpay.refund.query': {
        const t = findTrade(biz);
        const no = typeof biz.out_request_no === 'string' ? biz.out_request_no : '';
        const amount = t?.refunds.get(no);
        if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        if (amount === undefined) return { code: '10000', msg: 'Success', out_request_no: no, out_trade_no: t.outTradeNo, trade_no: t.tradeNo };
        return { code: '10000', msg: 'Success', out_request_no: no, out_trade_no: t.outTradeNo, refund_amount: yuan(amount), refund_status: 'REFUND_SUCCESS', total_amount: t.totalAmount, trade_no: t.tradeNo };
      }
      default:
        return { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method', sub_msg: '不存在的方法名' };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (url.pathname !== '/gateway.do') return void res.writeHead(404).end('not found');
    if (knobs.failNext > 0) {
      knobs.failNext--;
      return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
    }
    const http = req.method === 'GET' ? 'GET' : 'POST';
    let p: Record<string, string>;
    try {
      p = parseForm(url.search.slice(1));
      const form = http === 'POST' ? parseForm(body) : {};
      for (const [k, v] of Object.entries(form)) {
        if (k in p) throw new Error(`repeated parameter ${k}`);
        p[k] = v;
      }
    } catch (err) {
      requests.push({ method: '?', http, params: {}, outcome: `malformed: ${(err as Error).message}` });
      return void res.writeHead(400).end('malformed');
    }
    const method = p.method ?? '';
    const refusal = checkCommon(p);
    if (method === 'alipay.trade.page.pay') {
      // the buyer's browser: Alipay's cashier page, or its error page
      let biz: Record<string, unknown> = {};
      try { biz = JSON.parse(p.biz_content ?? '{}') as Record<string, unknown>; } catch { /* refused below */ }
      const bad = refusal ?? checkTrade(biz, true);
      const t = bad ? undefined : openTrade('alipay.trade.page.pay', biz, p);
      const error = bad ?? (t && !('refunds' in t) ? t : undefined);
      requests.push({ method, http, params: p, outcome: error ? String(error.sub_code) : 'cashier' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(error
        ? `<html><body><h1>支付宝 - 错误</h1><p id="code">${String(error.sub_code)}</p><p>${String(error.sub_msg)}</p></body></html>`
        : `<html><body><h1>支付宝 收银台</h1><p id="amount">${String(biz.total_amount)}</p><p id="trade">${String(biz.out_trade_no)}</p></body></html>`);
    }
    const inner = refusal ?? handleApi(method, p);
    requests.push({ method, http, params: p, outcome: `${String(inner.code)}${inner.sub_code ? ` ${String(inner.sub_code)}` : ''}` });
    res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' }); // sic: Alipay's gateway says text/html
    res.end(signedAnswer(method || 'error', inner));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => { if (!res.headersSent) res.writeHead(500).end(err.message); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const tradeOf = (outTradeNo: string) => {
    const t = trades.get(outTradeNo);
    if (!t) throw new Error(`the fake Alipay has no trade ${outTradeNo}`);
    return t;
  };

  /**
   * The trade_status_sync Alipay would post for this trade now: fields in Alipay's order, values as
   * signed. `fields` adds or replaces fields after signing unless `signAfter`; `signWith` another key.
   */
  function notification(outTradeNo: string, over: {
    fields?: Record<string, string | undefined>; signAfter?: Record<string, string>; signWith?: KeyObject; signType?: string; appId?: string;
    /** Sign with sign_type among the fields (what rsaCheckV2 verifies). */
    includeSignType?: boolean;
  } = {}) {
    const t = tradeOf(outTradeNo);
    const now = beijing();
    const paid = t.status === 'TRADE_SUCCESS' || t.status === 'TRADE_FINISHED';
    const refunded = [...t.refunds.values()].reduce((a, b) => a + b, 0);
    const lastRefund = [...t.refunds.keys()].at(-1);
    const base: Record<string, string | undefined> = {
      gmt_create: t.gmtCreate, charset: 'utf-8', seller_email: 'shop@example.com', subject: t.subject, buyer_id: t.buyerId,
      invoice_amount: paid ? t.totalAmount : undefined, notify_id: `${now.replace(/\D/g, '').slice(0, 8)}00222${randomBytes(8).toString('hex')}`,
      fund_bill_list: paid ? `[{"amount":"${t.totalAmount}","fundChannel":"ALIPAYACCOUNT"}]` : undefined, notify_type: 'trade_status_sync',
      trade_status: t.status, receipt_amount: paid ? t.totalAmount : undefined, buyer_pay_amount: paid ? t.totalAmount : undefined,
      app_id: over.appId ?? opts.appId, seller_id: sellerId, gmt_payment: t.gmtPayment, notify_time: now, version: '1.0',
      out_trade_no: t.outTradeNo, total_amount: t.totalAmount, trade_no: t.tradeNo, auth_app_id: over.appId ?? opts.appId,
      buyer_logon_id: t.buyerLogonId, point_amount: paid ? '0.00' : undefined,
      ...(refunded ? { refund_fee: yuan(refunded), gmt_refund: `${now}.000`, out_biz_no: lastRefund } : {}),
      ...over.fields,
    };
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) if (v !== undefined) fields[k] = v;
    const signType = over.signType ?? 'RSA2';
    const signed = over.includeSignType ? { ...fields, sign_type: signType } : fields;
    const sign = rsa2Sign(signContent(signed, ['sign']), over.signWith ?? alipayPrivate);
    // sign and sign_type sit among the fields, as Alipay posts them
    const sent: Record<string, string> = { ...fields, sign_type: signType, sign, ...over.signAfter };
    const body = Object.entries(sent).map(([k, v]) => `${k}=${javaUrlEncode(v)}`).join('&');
    return { fields: sent, body };
  }

  async function post(url: string, body: string): Promise<Delivery> {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body, redirect: 'manual' });
      const text = await res.text();
      const d = { url, status: res.status, body: text, acked: text === 'success' };
      deliveries.push(d);
      return d;
    } catch (err) {
      const d = { url, status: 0, body: (err as Error).message, acked: false };
      deliveries.push(d);
      return d;
    }
  }

  /** The buyer scans the QR code (or opens the cashier): the trade now exists, waiting for payment. */
  function scan(outTradeNo: string) {
    const t = tradeOf(outTradeNo);
    if (t.status === 'unscanned') {
      t.status = 'WAIT_BUYER_PAY';
      t.tradeNo = newTradeNo();
      t.gmtCreate = beijing();
    }
    return t;
  }

  /** The buyer pays; Alipay then notifies (unless `notify: false`: the notification is lost). */
  async function pay(outTradeNo: string, o: { notify?: boolean } = {}) {
    const t = scan(outTradeNo);
    closeIfExpired(t);
    if (t.status !== 'WAIT_BUYER_PAY') throw new Error(`trade ${outTradeNo} is ${t.status}: it cannot be paid`);
    t.status = 'TRADE_SUCCESS';
    t.gmtPayment = beijing();
    if (o.notify === false) return { trade: t, delivered: undefined };
    if (!t.notifyUrl) throw new Error('no notify_url to deliver to');
    return { trade: t, delivered: await post(t.notifyUrl, notification(outTradeNo).body) };
  }

  return {
    url: `${base}/gateway.do`,
    /** The key Kami verifies with (ALIPAY_PUBLIC_KEY): PEM and the bare base64 the open platform shows. */
    alipayPublicKeyPem: pemOf(alipayPublic),
    alipayPublicKeyBase64: b64Of(alipayPublic),
    trades, requests, deliveries, knobs,
    trade: tradeOf,

    scan,
    pay,
    notification,

    /** Posts a notification body once to the trade's notify_url (or `url`). */
    async deliver(body: string, url?: string): Promise<Delivery> {
      if (!url) throw new Error('no notify_url to deliver to');
      return post(url, body);
    },

    /**
     * Posts until the answer is exactly `success`, on Alipay's schedule multiplied by `scale`
     * (1/1000: the 25 hours in 90 seconds). Returns every try.
     */
    async deliverUntilAcked(body: string, url: string, scale: number): Promise<Delivery[]> {
      const tries = [await post(url, body)];
      for (const wait of ALIPAY_RETRY_SCHEDULE_MS) {
        if (tries.at(-1)!.acked) break;
        await new Promise((r) => setTimeout(r, wait * scale));
        tries.push(await post(url, body));
      }
      return tries;
    },

    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
export type FakeAlipay = Awaited<ReturnType<typeof startFakeAlipay>>;
