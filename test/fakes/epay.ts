import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an Epay (易支付 v1) platform, on 127.0.0.1: it checks Kami's signed requests the
 * way Epay does (its own MD5 recipe, written here from the PHP SDK, not Kami's), keeps orders, sends
 * signed notifications to Kami's notify_url and records Kami's answers, and answers the unsigned
 * `api.php?act=order` query after checking pid and key. Knobs let a test make it misbehave.
 */

/** EpayCore::getSign: ksort; skip sign, sign_type and ''; `k=v&…`; the key appended; md5. */
export function epayFakeSign(params: Record<string, string>, key: string): string {
  const keys = Object.keys(params).sort();
  let str = '';
  for (const k of keys) {
    if (k !== 'sign' && k !== 'sign_type' && params[k] !== '') str += `${k}=${params[k]}&`;
  }
  return createHash('md5').update(str.slice(0, -1) + key).digest('hex');
}

export interface FakeEpayOrder {
  tradeNo: string;
  outTradeNo: string;
  pid: string;
  type: string;
  name: string;
  money: string;
  notifyUrl: string;
  returnUrl: string;
  /** 0 unpaid, 1 paid, 2 refunded */
  status: number;
  via: 'submit' | 'mapi';
  clientip?: string;
}

export interface FakeRequest { method: string; path: string; query: URLSearchParams; body: string }
export interface Delivery { method: string; url: string; status: number; body: string; delivered: boolean }

export interface NotifyOptions {
  /** GET with a query string (stock Epay) or POST with a form body (forks). */
  method?: 'GET' | 'POST';
  /** Writes the query string HTML-escaped (`&amp;`), as some panels do. */
  escapeAmp?: boolean;
  tradeStatus?: string;
  /** Overrides or extra parameters, signed along (undefined removes one). */
  params?: Record<string, string | undefined>;
  /** Signs with another key. */
  key?: string;
  /** The sign sent, verbatim (after signing). */
  sign?: string;
  /** Changes parameters after signing (a tampered notification). */
  tamper?: Record<string, string>;
}

export async function startFakeEpay(opts: { pid?: string; key?: string; mapiAnswer?: 'payurl' | 'qrcode' | 'both' } = {}) {
  const pid = opts.pid ?? String(1000 + Math.floor(Math.random() * 8999));
  const key = opts.key ?? randomBytes(16).toString('hex');
  const orders = new Map<string, FakeEpayOrder>();
  const requests: FakeRequest[] = [];
  const deliveries: Delivery[] = [];
  let seq = 0;
  const knobs: {
    /** What api.php answers about an order, instead of the truth. */
    queryOverride?: (o: FakeEpayOrder) => Record<string, unknown>;
    /** api.php answers with a redirect to this URL. */
    queryRedirect?: string;
    /** api.php answers this HTTP status with an error page. */
    queryStatus?: number;
    /** mapi.php refuses with this message. */
    mapiRefusal?: string;
  } = {};

  const readBody = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  const json = (res: ServerResponse, body: unknown) => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(body)); };

  /** Checks a signed create request as Epay does; returns an error message or the order. */
  function open(p: Record<string, string>, via: 'submit' | 'mapi'): FakeEpayOrder | string {
    if (p.pid !== pid) return '商户ID不存在';
    if (!p.sign || p.sign !== epayFakeSign(p, key)) return '签名校验失败！';
    for (const f of ['out_trade_no', 'notify_url', 'name', 'money']) if (!p[f]) return `缺少参数 ${f}`;
    if (!/^\d+(\.\d{1,2})?$/.test(p.money!) || Number(p.money) <= 0) return '金额不合法';
    if (via === 'mapi' && !p.type) return '支付方式(type)不能为空';
    if (via === 'mapi' && !p.clientip) return '用户IP地址不能为空';
    const existing = orders.get(p.out_trade_no!);
    if (existing) return existing.money === p.money ? existing : '该订单号已存在';
    const order: FakeEpayOrder = {
      tradeNo: `2026${String(++seq).padStart(10, '0')}${randomBytes(2).toString('hex')}`, outTradeNo: p.out_trade_no!, pid, type: p.type || 'alipay',
      name: p.name!, money: p.money!, notifyUrl: p.notify_url!, returnUrl: p.return_url ?? '', status: 0, via, ...(p.clientip ? { clientip: p.clientip } : {}),
    };
    orders.set(order.outTradeNo, order);
    return order;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://fake');
    const body = await readBody(req);
    requests.push({ method: req.method!, path: url.pathname, query: url.searchParams, body });
    const params = { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(req.method === 'POST' ? body : '')) };

    if (url.pathname === '/submit.php') {
      const o = open(params, 'submit');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(typeof o === 'string' ? `<h3>${o}</h3>` : `<h1>收银台</h1><p>${o.name} ¥${o.money}</p><p id="trade_no">${o.tradeNo}</p>`);
    }
    if (url.pathname === '/mapi.php' && req.method === 'POST') {
      if (knobs.mapiRefusal) return json(res, { code: -1, msg: knobs.mapiRefusal });
      const o = open(params, 'mapi');
      if (typeof o === 'string') return json(res, { code: -1, msg: o });
      const address = (server.address() as AddressInfo);
      const payurl = `http://127.0.0.1:${address.port}/pay/${o.tradeNo}`;
      const qrcode = `https://qr.alipay.com/fake${o.tradeNo}`;
      const answer = opts.mapiAnswer ?? 'payurl';
      return json(res, { code: 1, msg: 'succ', trade_no: o.tradeNo, ...(answer !== 'qrcode' ? { payurl } : {}), ...(answer !== 'payurl' ? { qrcode } : {}) });
    }
    if (url.pathname === '/api.php' && params.act === 'order') {
      if (knobs.queryRedirect) { res.writeHead(302, { location: knobs.queryRedirect }); return void res.end(); }
      if (knobs.queryStatus) { res.writeHead(knobs.queryStatus, { 'content-type': 'text/html' }); return void res.end('<h1>502 Bad Gateway</h1>'); }
      if (params.pid !== pid) return json(res, { code: -3, msg: '商户ID不存在' });
      if (params.key !== key) return json(res, { code: -3, msg: '商户密钥错误' });
      const o = params.trade_no ? [...orders.values()].find((x) => x.tradeNo === params.trade_no) : orders.get(params.out_trade_no ?? '');
      if (!params.trade_no && !params.out_trade_no) return json(res, { code: -4, msg: '订单号不能为空' });
      if (!o) return json(res, { code: -1, msg: '订单号不存在' });
      const truth = {
        code: 1, msg: 'succ', trade_no: o.tradeNo, out_trade_no: o.outTradeNo, api_trade_no: '', type: o.type, pid: Number(o.pid),
        addtime: '2026-11-29 00:00:00', endtime: o.status ? '2026-11-29 00:01:00' : null, name: o.name, money: o.money, param: '', buyer: o.status ? 'buyer@example.com' : '', status: o.status,
      };
      return json(res, { ...truth, ...knobs.queryOverride?.(o) });
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}/`;

  /** The notification Epay would send about an order now (optionally bent by `n`). */
  function notification(o: FakeEpayOrder, n: NotifyOptions = {}): Record<string, string> {
    const p: Record<string, string> = {
      pid: o.pid, trade_no: o.tradeNo, out_trade_no: o.outTradeNo, type: o.type, name: o.name, money: o.money,
      trade_status: n.tradeStatus ?? 'TRADE_SUCCESS', param: '',
    };
    for (const [k, v] of Object.entries(n.params ?? {})) {
      if (v === undefined) delete p[k];
      else p[k] = v;
    }
    const signed = { ...p, sign: n.sign ?? epayFakeSign(p, n.key ?? key), sign_type: 'MD5' };
    return { ...signed, ...n.tamper };
  }

  async function send(o: FakeEpayOrder, n: NotifyOptions = {}): Promise<Delivery> {
    const p = notification(o, n);
    const method = n.method ?? 'GET';
    let qs = new URLSearchParams(p).toString();
    if (n.escapeAmp) qs = qs.replace(/&/g, '&amp;');
    const url = method === 'GET' ? `${o.notifyUrl}${o.notifyUrl.includes('?') ? '&' : '?'}${qs}` : o.notifyUrl;
    const res = await fetch(url, {
      method, redirect: 'manual',
      ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs } : {}),
    });
    const body = await res.text();
    // Epay's cron counts a notification delivered when the merchant printed "success"
    const d = { method, url, status: res.status, body, delivered: body.trim() === 'success' };
    deliveries.push(d);
    return d;
  }

  const order = (outTradeNo: string) => {
    const o = orders.get(outTradeNo);
    if (!o) throw new Error(`the fake Epay has no order ${outTradeNo} (was its page opened?)`);
    return o;
  };

  return {
    pid, key, baseUrl, orders, requests, deliveries, knobs,
    /** What a buyer's browser does with a submit.php link: loads it (Epay opens its order then). */
    async openPayUrl(payUrl: string): Promise<{ status: number; text: string }> {
      const res = await fetch(payUrl);
      return { status: res.status, text: await res.text() };
    },
    order,
    /** The buyer pays: the order is paid at Epay, which notifies Kami (unless `notify` is false: a lost callback). */
    async pay(outTradeNo: string, n: NotifyOptions & { notify?: boolean } = {}): Promise<Delivery | undefined> {
      const o = order(outTradeNo);
      o.status = 1;
      return n.notify === false ? undefined : send(o, n);
    },
    /** Sends a notification about an order as it stands, without changing it. */
    notify: (outTradeNo: string, n: NotifyOptions = {}) => send(order(outTradeNo), n),
    notification: (outTradeNo: string, n: NotifyOptions = {}) => notification(order(outTradeNo), n),
    /** The order queries Kami sent (each carries the key: Epay's design). */
    queries: () => requests.filter((r) => r.path === '/api.php'),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
export type FakeEpay = Awaited<ReturnType<typeof startFakeEpay>>;
