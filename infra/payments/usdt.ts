/**
 * USDT-TRC20 through an epusdt-compatible gateway: epusdt (assimon), BEpusdt (v03413) or GMPay
 * (GMWalletApp/epusdt), usually run by the shop itself.
 *
 * - Create: `POST /api/v1/order/create-transaction` (epusdt, BEpusdt) or
 *   `POST /payments/gmpay/v1/order/create-transaction` (GMPay, with `pid`, `currency`, `token=usdt`,
 *   `network=tron`), JSON, signed. The answer names the USDT amount to send (`actual_amount`, 4
 *   decimals: the attempt is in USDT minor units of 10⁻⁴), the wallet address (`token` for epusdt and
 *   BEpusdt, `receive_address` for GMPay) and the gateway's own checkout page (`payment_url`).
 * - Signature: every non-empty parameter but `signature`, sorted, joined `k=v&…`; MD5 of that string
 *   with the API token appended (lowercase hex), or HMAC-SHA256 of it keyed by the token (the newer
 *   GMPay servers; dujiao-next#263). Numbers are signed as their text: Kami writes the fiat amount the
 *   way the Go servers print it (`42`, `4.5`), and verifies a callback over the numbers exactly as they
 *   arrived in its JSON, never re-formatted (`42.50` is not `42.5`).
 * - Callback: POST JSON; only `status` 2 is a payment (BEpusdt also reports 1 waiting and 3 expired).
 *   The acknowledgement is configurable: epusdt wants exactly `ok`, BEpusdt `success`, GMPay either.
 * - Query: `GET /pay/check-status/{trade_id}` (epusdt, GMPay): unsigned and unauthenticated (anyone
 *   can ask, and anyone on the path could answer), so every answer is a `hint` for a person: it never
 *   pays an order on its own. BEpusdt is not asked at all: its `POST /api/v1/pay/info` answers only
 *   the browser that opened its checkout page ("order not found" to everyone else).
 * - No refund API: paying USDT back is a task for a person.
 *
 * The create answer is unsigned too, and it says where the buyer's money goes: over plain http on an
 * untrusted network, whoever sits in between could swap the wallet address. Use https unless the
 * gateway runs on this machine or a network the shop controls (a warning says so at start).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { formatMinor, parseMajor } from '../../domain/money.js';
import { defineGateway, NotificationRefused, type AttemptRequest, type GatewayAnswer, type GatewayContext, type NotificationFacts, type PaymentGateway, type QueryAnswer, type RawNotification, type StoredAttempt } from './gateway.js';
import { gatewayBaseUrl, isLoopback } from './gateway-url.js';

const USDT = 'USDT';
const TIMEOUT_MS = 15_000;
/** A TRON (TRC20) address: base58check, 34 characters starting with T. */
const TRON_ADDRESS = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

export type UsdtFlavor = 'epusdt' | 'bepusdt' | 'gmpay';

/** What differs between the three servers. */
const FLAVORS: Record<UsdtFlavor, { createPath: string; ack: 'ok' | 'success'; fiats: readonly string[] }> = {
  // assimon/epusdt converts from CNY with its own rate; it takes no other fiat
  epusdt: { createPath: 'api/v1/order/create-transaction', ack: 'ok', fiats: ['CNY'] },
  // BEpusdt's `fiat`: CNY, USD, EUR, GBP, JPY
  bepusdt: { createPath: 'api/v1/order/create-transaction', ack: 'success', fiats: ['CNY', 'USD', 'EUR', 'GBP', 'JPY'] },
  // GMPay's `currency` (its docs name cny and usd)
  gmpay: { createPath: 'payments/gmpay/v1/order/create-transaction', ack: 'ok', fiats: ['CNY', 'USD'] },
};

export const UsdtSettings = z.object({
  /** The gateway's base URL (`https://usdt.example.com/`). */
  url: gatewayBaseUrl({ plainHttp: 'any', why: 'the wallet address it answers is unsigned' })
    .meta({ title: 'Gateway URL', description: 'https://…/ (plain http only where nobody else can read or change the traffic: the wallet address it answers is unsigned)' }),
  /** The API token (epusdt `api_auth_token`, BEpusdt auth token, GMPay `secret_key`). */
  token: z.string().min(6, 'the API token is at least 6 characters').max(256).meta({ title: 'API token / secret key' }),
  /** How the gateway signs: MD5 with the token appended, or HMAC-SHA256 keyed by it. */
  signature: z.enum(['md5', 'hmac-sha256']).default('md5').meta({ title: 'Signature', description: 'md5 (epusdt, BEpusdt, older GMPay) or hmac-sha256 (newer GMPay)' }),
  /** Which server it is: the create path, the status endpoint (none for BEpusdt) and the default acknowledgement differ. */
  flavor: z.enum(['epusdt', 'bepusdt', 'gmpay']).default('epusdt').meta({ title: 'Server', description: 'epusdt, BEpusdt or GMPay: the create path and status endpoint differ' }),
  /** What Kami answers a callback it took (default: `ok` for epusdt and GMPay, `success` for BEpusdt). */
  ack: z.enum(['ok', 'success']).optional().meta({ title: 'Acknowledgement', description: 'what Kami answers a callback (default: ok for epusdt and GMPay, success for BEpusdt)' }),
  /** GMPay's merchant id (required there; callbacks must carry it). */
  pid: z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a merchant id of letters, digits, _ or -')).optional()
    .meta({ title: 'Merchant id (pid)', description: 'GMPay only' }),
}).refine((s) => s.flavor !== 'gmpay' || s.pid, { path: ['pid'], message: 'GMPay needs its merchant id (KAMI_PAY_USDT_PID)' });
export type UsdtSettings = z.infer<typeof UsdtSettings>;

// ---------------------------------------------------------------------------------------------
// JSON read with its numbers kept as text: a signature covers the digits the gateway printed.

/** A JSON number exactly as written in the document. */
export class JsonNumber {
  constructor(readonly text: string) {}
}
export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | Map<string, JsonValue>;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 16;

/** Parses JSON like JSON.parse, but numbers stay their source text and an object naming a key twice is refused. */
export function parseJsonKeepingNumbers(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => { throw new SyntaxError(`${what} at offset ${i}`); };
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nested too deep');
    ws();
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) fail('unterminated string');
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    if (c === '{') {
      i++;
      const obj = new Map<string, JsonValue>();
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = value(depth + 1) as string;
        ws();
        if (text[i++] !== ':') fail('expected :');
        if (obj.has(key)) fail(`key "${key.slice(0, 40)}" given twice`);
        obj.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail('expected , or ]');
      }
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

/** A scalar as the gateway signs it: strings as they are, numbers as written, booleans as true/false; null and objects are not signable. */
function signedText(v: JsonValue): string | null | undefined {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** A scalar field as text ('' when absent or not a scalar). */
const field = (obj: Map<string, JsonValue>, key: string) => {
  const v = obj.get(key);
  return v === undefined ? '' : signedText(v) ?? '';
};

// ---------------------------------------------------------------------------------------------
// Signing.

/**
 * The strings a signer may have produced from these pairs (empty values dropped). epusdt and GMPay
 * sort the `k=v` strings (Go `sort.Strings`), BEpusdt and the docs sort the keys: the two differ only
 * when one key is a prefix of another followed by a character below `=`, and then both are tried.
 */
export function usdtSignStrings(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const kept = pairs.filter(([k, v]) => k !== 'signature' && v !== '');
  const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const byKey = [...kept].sort(([a], [b]) => bytes(a, b)).map(([k, v]) => `${k}=${v}`).join('&');
  const byEntry = kept.map(([k, v]) => `${k}=${v}`).sort(bytes).join('&');
  return byKey === byEntry ? [byKey] : [byKey, byEntry];
}

export function usdtSign(signString: string, token: string, mode: UsdtSettings['signature']): string {
  return mode === 'hmac-sha256'
    ? createHmac('sha256', token).update(signString, 'utf8').digest('hex')
    : createHash('md5').update(signString + token, 'utf8').digest('hex');
}

/** A decimal as Go's strconv.FormatFloat(v, 'f', -1, 64) prints it, for amounts of at most 15 significant digits: no trailing zeros, no dangling point. */
export const goDecimal = (text: string) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

// ---------------------------------------------------------------------------------------------

export function createUsdtGateway(s: UsdtSettings, ctx?: Pick<GatewayContext, 'log'>): PaymentGateway {
  const flavor = FLAVORS[s.flavor];
  const ack = s.ack ?? flavor.ack;
  const signatureHex = s.signature === 'hmac-sha256' ? /^[0-9a-f]{64}$/ : /^[0-9a-f]{32}$/;
  if (new URL(s.url).protocol === 'http:' && !isLoopback(new URL(s.url))) {
    ctx?.log.warn({ provider: 'usdt', host: new URL(s.url).host }, 'the USDT gateway is reached over plain http: its answers are unsigned, so anyone on the way could swap the wallet address buyers pay to; use https unless the network is the shop\'s own');
  }

  async function call(path: string, init: RequestInit, what: string): Promise<{ status: number; text: string }> {
    let res: Response;
    try {
      res = await fetch(`${s.url}${path}`, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause?.message;
      throw new Error(`${what} failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
    }
    return { status: res.status, text: await res.text() };
  }

  /** The gateway's `{status_code, message, data}` envelope, numbers kept as text. */
  function envelope(status: number, text: string, what: string): { code: string; message: string; data: Map<string, JsonValue> | null } {
    let doc: JsonValue;
    try { doc = parseJsonKeepingNumbers(text.replace(/^\uFEFF/, '')); } catch { throw new Error(`${what} answered HTTP ${status} with no JSON`); }
    if (!(doc instanceof Map)) throw new Error(`${what} answered HTTP ${status} with no JSON object`);
    const data = doc.get('data');
    return { code: field(doc, 'status_code'), message: field(doc, 'message').slice(0, 200), data: data instanceof Map ? data : null };
  }

  return {
    name: 'usdt',
    currencies: flavor.fiats,

    async createAttempt(a: AttemptRequest) {
      if (!flavor.fiats.includes(a.currency)) throw new Error(`this USDT gateway (${s.flavor}) converts from ${flavor.fiats.join(', ')}; this order is priced in ${a.currency}`);
      if (!(a.amountMinor > 0)) throw new Error('the USDT gateway cannot charge an amount of zero');
      // the fiat amount goes as a JSON number, printed the way the Go server will print it to check the signature
      const amount = goDecimal(formatMinor(a.amountMinor, a.currency));
      const strings: Array<[string, string]> = [['order_id', a.gatewayOrderNo], ['notify_url', a.notifyUrl], ['redirect_url', a.returnUrl]];
      if (s.flavor === 'bepusdt') {
        const timeout = Math.max(120, Math.ceil((a.expiresAt.getTime() - Date.now()) / 1000));
        strings.push(['trade_type', 'usdt.trc20'], ['fiat', a.currency], ['name', a.subject], ['timeout', String(timeout)]);
      }
      if (s.flavor === 'gmpay') strings.push(['pid', s.pid!], ['currency', a.currency.toLowerCase()], ['token', 'usdt'], ['network', 'tron'], ['name', a.subject]);
      // BEpusdt's timeout is a number too; every other field is a string
      const numbers = new Set(['amount', 'timeout']);
      const pairs: Array<[string, string]> = [['amount', amount], ...strings];
      const signature = usdtSign(usdtSignStrings(pairs)[0]!, s.token, s.signature);
      const body = `{${[...pairs, ['signature', signature]].map(([k, v]) => `${JSON.stringify(k)}:${numbers.has(k!) ? v : JSON.stringify(v)}`).join(',')}}`;

      const what = 'the USDT gateway';
      const { status, text } = await call(flavor.createPath, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body }, `${what} (create)`);
      const r = envelope(status, text, what);
      if (r.code !== '200' || !r.data) throw new Error(`${what} refused the payment: ${r.message || `HTTP ${status}`}${r.code ? ` (${r.code})` : ''}`);
      const d = r.data;
      const tradeId = field(d, 'trade_id');
      if (!tradeId) throw new Error(`${what} answered no trade_id`);
      if (field(d, 'order_id') && field(d, 'order_id') !== a.gatewayOrderNo) throw new Error(`${what} answered for another order (${field(d, 'order_id').slice(0, 40)})`);
      const usdt = parseMajor(field(d, 'actual_amount'), USDT);
      if (usdt === null || usdt <= 0) throw new Error(`${what} answered no usable actual_amount (USDT with at most 4 decimals)`);
      const address = s.flavor === 'gmpay' ? field(d, 'receive_address') : field(d, 'token');
      if (!TRON_ADDRESS.test(address)) throw new Error(`${what} answered no TRON wallet address`);
      const paymentUrl = field(d, 'payment_url');
      return {
        gatewayRef: tradeId.slice(0, 128),
        // the bare address: every wallet and exchange app reads it, while TRON payment URIs are not
        // read the same way by any two of them; the page shows the exact amount beside it
        qrCode: address,
        ...(/^https?:\/\//i.test(paymentUrl) ? { payUrl: paymentUrl } : {}),
        gatewayAmountMinor: usdt,
        gatewayCurrency: USDT,
      };
    },

    verifyNotification(n: RawNotification): NotificationFacts {
      if (n.method !== 'POST') throw new NotificationRefused('malformed', `a USDT gateway callback is a POST with JSON, not a ${n.method}`);
      let doc: JsonValue;
      try { doc = parseJsonKeepingNumbers(n.body.toString('utf8')); } catch (err) {
        throw new NotificationRefused('malformed', `the callback is not JSON: ${(err as Error).message}`);
      }
      if (!(doc instanceof Map)) throw new NotificationRefused('malformed', 'the callback is not a JSON object');
      const pairs: Array<[string, string]> = [];
      for (const [k, v] of doc) {
        if (k === 'signature') continue;
        const t = signedText(v);
        if (t === undefined) throw new NotificationRefused('malformed', `field "${k.slice(0, 40)}" is not a scalar: no gateway signs it`);
        if (t !== null) pairs.push([k, t]);
      }
      const signature = doc.get('signature');
      if (typeof signature !== 'string' || !signature) throw new NotificationRefused('invalid_signature', 'the callback carries no signature');
      if (s.pid !== undefined && field(doc, 'pid') !== s.pid) throw new NotificationRefused('wrong_merchant', 'the callback is not for this merchant id (pid)');
      const good = signatureHex.test(signature) && usdtSignStrings(pairs).some((str) => safeEqual(signature, usdtSign(str, s.token, s.signature)));
      if (!good) throw new NotificationRefused('invalid_signature', 'the signature does not match the callback');

      const missing = ['trade_id', 'order_id', 'actual_amount', 'status'].filter((k) => !field(doc, k));
      if (missing.length) throw new NotificationRefused('malformed', `the callback lacks ${missing.join(', ')}`);
      const amountMinor = parseMajor(field(doc, 'actual_amount'), USDT);
      if (amountMinor === null) throw new NotificationRefused('malformed', 'actual_amount is not a USDT amount with at most 4 decimals');
      // GMPay names the coin in `token` (its address is `receive_address`): a buyer who switched to
      // another coin at its cashier paid in that coin, and a person looks at it; epusdt's `token` is the address
      const coin = s.flavor === 'gmpay' ? field(doc, 'token').toUpperCase() : '';
      return {
        gatewayOrderNo: field(doc, 'order_id'), txnId: field(doc, 'trade_id').slice(0, 128), paid: field(doc, 'status') === '2',
        amountMinor, currency: /^[A-Z0-9]{2,8}$/.test(coin) ? coin : USDT,
      };
    },

    answer(outcome): GatewayAnswer {
      const text = { contentType: 'text/plain; charset=utf-8' };
      if (outcome.received) return { status: 200, body: ack, ...text };
      const status = outcome.code === 'malformed' ? 400 : outcome.code === 'transaction_reused' ? 409 : 401;
      return { status, body: 'fail', ...text };
    },

    // BEpusdt has no status endpoint Kami can use: its `api/v1/pay/info` is bound to the buyer's
    // browser once its checkout page opens ("order not found" to anyone else), so it is not asked
    ...(s.flavor === 'bepusdt' ? {} : {
      async query(a: StoredAttempt): Promise<QueryAnswer> {
        if (!a.gatewayRef) throw new Error('the attempt has no trade_id to ask the USDT gateway about');
        const what = 'the USDT gateway status';
        const { status, text } = await call(`pay/check-status/${encodeURIComponent(a.gatewayRef)}`, { headers: { accept: 'application/json' } }, what);
        const raw = text.slice(0, 64 * 1024);
        const r = envelope(status, text, what);
        if (r.code === '10008') return { state: 'not_found', proof: 'hint', raw }; // 订单不存在
        if (r.code !== '200' || !r.data) throw new Error(`${what} answered ${r.message || `HTTP ${status}`}${r.code ? ` (${r.code})` : ''}`);
        if (field(r.data, 'trade_id') && field(r.data, 'trade_id') !== a.gatewayRef) throw new Error(`${what} answered about another trade`);
        const code = field(r.data, 'status'); // 1 waiting, 2 paid, 3 expired, 4 (GMPay) waiting for the buyer to pick a network
        const state = code === '2' ? 'paid' : code === '3' ? 'closed' : 'pending';
        // unsigned and unauthenticated: never proof on its own
        return { state, proof: 'hint', raw, txnId: a.gatewayRef, currency: USDT };
      },
    }),
  };
}

export const usdtGateway = defineGateway<UsdtSettings>({
  name: 'usdt',
  displayName: 'USDT (TRC20)',
  settings: UsdtSettings,
  secretFields: ['token'],
  // asked only for hints: its status endpoint is unsigned, so an answer never pays an order
  canQuery: true,
  canRefund: false,
  create: (settings, ctx) => createUsdtGateway(settings, ctx),
});
