import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an epusdt-compatible USDT-TRC20 gateway (epusdt, BEpusdt or GMPay) on 127.0.0.1.
 * Like the Go servers it reads Kami's JSON into float64s and signs what it re-prints
 * (strconv.FormatFloat(v, 'f', -1, 64), which JavaScript's shortest number printing matches for
 * prices), sorting the `k=v` strings as Go's sort.Strings does; it keeps orders (one unique USDT
 * amount per address, as epusdt allocates them), posts signed JSON callbacks to Kami and records the
 * answer against the flavour's own rule, and answers the unsigned status endpoint (epusdt, GMPay;
 * BEpusdt's pay/info serves only the buyer's browser, so the fake has none).
 */

export type Flavor = 'epusdt' | 'bepusdt' | 'gmpay';
export type SignMode = 'md5' | 'hmac-sha256';

const sign = (str: string, token: string, mode: SignMode) =>
  mode === 'hmac-sha256' ? createHmac('sha256', token).update(str).digest('hex') : createHash('md5').update(str + token).digest('hex');

/** The Go servers' recipe over decoded JSON: nil and '' skipped, float64 printed shortest, "k=v" strings sorted. */
function goSignString(m: Record<string, unknown>): string | null {
  const entries: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (k === 'signature' || v === null || v === undefined) continue;
    let text: string;
    if (typeof v === 'number') text = String(v);
    else if (typeof v === 'string') text = v;
    else return null; // "signature marshal error"
    if (text !== '') entries.push(`${k}=${text}`);
  }
  return entries.sort().join('&');
}

/** A field of a hand-written callback: a string, or a number written exactly as `num`. */
export type RawField = string | { num: string };

/** Writes a JSON object field by field (numbers as given), and the string its signer signs over those texts. */
export function rawJson(fields: Array<[string, RawField]>): { body: string; signString: string } {
  const body = `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'string' ? JSON.stringify(v) : v.num}`).join(',')}}`;
  const signString = fields.filter(([k, v]) => k !== 'signature' && (typeof v === 'string' ? v : v.num) !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v.num}`).sort().join('&');
  return { body, signString };
}

export interface FakeUsdtOrder {
  tradeId: string;
  orderId: string;
  /** The fiat amount as the server holds it (float64). */
  amount: number;
  fiat: string;
  /** USDT in 10^-4 units. */
  usdtMinor: number;
  address: string;
  notifyUrl: string;
  redirectUrl: string;
  /** 1 waiting, 2 paid, 3 expired */
  status: number;
  /** The create request exactly as Kami sent it. */
  request: string;
}

export interface Ack { status: number; body: string; delivered: boolean }

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** A TRON-looking address (the fake checks no checksum; Kami checks only the shape). */
export const fakeTronAddress = () => `T${Array.from(randomBytes(33), (b) => BASE58[b % 58]).join('')}`;

export async function startFakeUsdt(opts: { flavor?: Flavor; token?: string; signature?: SignMode; pid?: string; rates?: Record<string, number>; address?: string } = {}) {
  const flavor = opts.flavor ?? 'epusdt';
  const token = opts.token ?? randomBytes(12).toString('hex');
  const mode = opts.signature ?? 'md5';
  const pid = opts.pid ?? (flavor === 'gmpay' ? '1000' : undefined);
  const rates = { CNY: 7.2, USD: 1, EUR: 0.92, GBP: 0.79, JPY: 150, ...opts.rates };
  const address = opts.address ?? fakeTronAddress();
  const orders = new Map<string, FakeUsdtOrder>();
  const requests: Array<{ method: string; path: string; body: string }> = [];
  const acks: Ack[] = [];
  let seq = 0;
  const createPath = flavor === 'gmpay' ? '/payments/gmpay/v1/order/create-transaction' : '/api/v1/order/create-transaction';

  const readBody = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  const reply = (res: ServerResponse, http: number, code: number, message: string, data: unknown = null) => {
    res.writeHead(http, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ status_code: code, message, data, request_id: randomBytes(8).toString('hex') }));
  };
  /** epusdt answers its errors with HTTP 200; GMPay with 401/400. */
  const fail = (res: ServerResponse, code: number, message: string) => reply(res, flavor === 'gmpay' ? (code === 401 ? 401 : 400) : 200, code, message);

  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://fake');
    const body = await readBody(req);
    requests.push({ method: req.method!, path: url.pathname, body });

    if (req.method === 'POST' && url.pathname === createPath) {
      let m: Record<string, unknown>;
      try { m = JSON.parse(body) as Record<string, unknown>; } catch { return fail(res, 10009, '无法解析请求参数'); }
      const str = goSignString(m);
      if (str === null || typeof m.signature !== 'string' || sign(str, token, mode) !== m.signature) return fail(res, 401, '签名认证错误');
      if (flavor === 'gmpay' && String(m.pid) !== pid) return fail(res, 401, '签名认证错误');
      if (typeof m.order_id !== 'string' || !m.order_id || m.order_id.length > 32) return fail(res, 400, 'order_id');
      if (typeof m.amount !== 'number' || !(m.amount > 0.01)) return fail(res, 10004, '支付金额有误, 无法满足最小支付单位');
      if (typeof m.notify_url !== 'string' || !m.notify_url) return fail(res, 400, 'notify_url');
      if (flavor === 'gmpay' && (m.token !== 'usdt' || m.network !== 'tron')) return fail(res, 10016, '支持的资产不存在');
      if ([...orders.values()].some((o) => o.orderId === m.order_id)) return fail(res, 10002, '支付交易已存在，请勿重复创建');
      const fiat = flavor === 'epusdt' ? 'CNY' : String(flavor === 'gmpay' ? m.currency : m.fiat ?? 'CNY').toUpperCase();
      const rate = rates[fiat as keyof typeof rates];
      if (!rate) return fail(res, 10006, '汇率计算错误');
      // one amount per address while open: the next order of the same price pays 0.0001 more
      let usdtMinor = Math.round((m.amount * 10_000) / rate);
      while ([...orders.values()].some((o) => o.status === 1 && o.address === address && o.usdtMinor === usdtMinor)) usdtMinor++;
      const order: FakeUsdtOrder = {
        tradeId: `${Date.now()}${String(++seq).padStart(6, '0')}`, orderId: m.order_id, amount: m.amount, fiat, usdtMinor, address,
        notifyUrl: m.notify_url, redirectUrl: typeof m.redirect_url === 'string' ? m.redirect_url : '', status: 1, request: body,
      };
      orders.set(order.tradeId, order);
      const port = (server.address() as AddressInfo).port;
      const usdt = usdtMinor / 10_000;
      const common = { trade_id: order.tradeId, order_id: order.orderId, expiration_time: Math.floor(Date.now() / 1000) + 600, payment_url: `http://127.0.0.1:${port}/pay/checkout-counter/${order.tradeId}` };
      if (flavor === 'epusdt') return reply(res, 200, 200, 'success', { ...common, amount: order.amount, actual_amount: usdt, token: address });
      if (flavor === 'bepusdt') return reply(res, 200, 200, 'success', { ...common, fiat, amount: order.amount.toFixed(2), actual_amount: usdt.toFixed(4).replace(/0+$/, '').replace(/\.$/, ''), token: address, status: 1 });
      return reply(res, 200, 200, 'success', { ...common, amount: order.amount, currency: fiat, actual_amount: usdt, receive_address: address, token: 'USDT', status: 1 });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/pay/check-status/') && flavor !== 'bepusdt') {
      const o = orders.get(decodeURIComponent(url.pathname.slice('/pay/check-status/'.length)));
      if (!o) return fail(res, 10008, '订单不存在');
      return reply(res, 200, 200, 'success', { trade_id: o.tradeId, status: o.status });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/pay/checkout-counter/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<h1>USDT checkout</h1>');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const byOrderId = (orderId: string) => {
    const o = [...orders.values()].find((x) => x.orderId === orderId);
    if (!o) throw new Error(`the fake USDT gateway has no order ${orderId}`);
    return o;
  };

  /** The callback the server would send now, field by field, numbers printed the Go way (BEpusdt: actual_amount as a string). */
  function callbackFields(o: FakeUsdtOrder, status = o.status): Array<[string, RawField]> {
    const usdt = String(o.usdtMinor / 10_000);
    const fields: Array<[string, RawField]> = [
      ['trade_id', o.tradeId], ['order_id', o.orderId], ['amount', { num: String(o.amount) }],
      ['actual_amount', flavor === 'bepusdt' ? usdt : { num: usdt }],
    ];
    if (flavor === 'gmpay') {
      fields.unshift(['pid', pid!]);
      fields.push(['receive_address', o.address], ['token', 'USDT']);
    } else {
      fields.push(['token', o.address]);
    }
    fields.push(['block_transaction_id', randomBytes(32).toString('hex')], ['status', { num: String(status) }]);
    return fields;
  }

  /** Did the merchant's answer satisfy this server? epusdt: exactly `ok`; BEpusdt: `success` or `ok` in the body; GMPay: HTTP 200 and `ok`/`success`, any case. */
  const delivered = (status: number, body: string) =>
    flavor === 'epusdt' ? body === 'ok'
      : flavor === 'bepusdt' ? /success|ok/i.test(body)
        : status === 200 && ['ok', 'success'].includes(body.trim().toLowerCase());

  /** POSTs a callback body to an order's notify_url and records the answer. */
  async function post(notifyUrl: string, body: string): Promise<Ack> {
    const res = await fetch(notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'powered-by': 'fake-usdt' }, body, redirect: 'manual' });
    const text = await res.text();
    const ack = { status: res.status, body: text, delivered: delivered(res.status, text) };
    acks.push(ack);
    return ack;
  }

  type CallbackOptions = { edit?: (f: Array<[string, RawField]>) => Array<[string, RawField]>; after?: (body: string) => string; token?: string; signature?: string };

  /** Sends a signed callback about an order as it stands (status as it is, or as `edit` says). */
  async function callback(orderId: string, n: CallbackOptions = {}): Promise<Ack> {
    const o = byOrderId(orderId);
    const fields = (n.edit ?? ((f) => f))(callbackFields(o));
    const { signString } = rawJson(fields);
    const signed: Array<[string, RawField]> = [...fields, ['signature', n.signature ?? sign(signString, n.token ?? token, mode)]];
    const body = (n.after ?? ((b) => b))(rawJson(signed).body);
    return post(o.notifyUrl, body);
  }

  return {
    flavor, token, pid, address, baseUrl, orders, requests, acks, mode,
    order: byOrderId,
    callback,
    /**
     * The buyer sends the USDT: the order is paid and the server calls back (unless `notify` is
     * false: a lost callback). `edit` rewrites the fields before signing; `after` after it.
     */
    async pay(orderId: string, n: CallbackOptions & { notify?: boolean } = {}): Promise<Ack | undefined> {
      byOrderId(orderId).status = 2;
      return n.notify === false ? undefined : callback(orderId, n);
    },
    /** POSTs any body to an order's notify_url. */
    raw: (orderId: string, body: string) => post(byOrderId(orderId).notifyUrl, body),
    sign: (signString: string, key = token) => sign(signString, key, mode),
    expire(orderId: string) { byOrderId(orderId).status = 3; },
    statusRequests: () => requests.filter((r) => r.path.startsWith('/pay/check-status/')),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
export type FakeUsdt = Awaited<ReturnType<typeof startFakeUsdt>>;
