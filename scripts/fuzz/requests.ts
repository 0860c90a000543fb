import fc from 'fast-check';
import { PROVIDER_NAMES } from '../../domain/payment-providers.js';
import { arbitraryOf, jsonSchemaOf, type Hints, type JsonSchema, type SchemaContext } from './json-schema.js';
import type { ParamKind, RouteSpec } from './routes.js';
import { EDGE_INTEGERS, encodeJson, mutated, nastyString, nastyValue, pick, Raw, type Value } from './values.js';

/**
 * A generated request, before the harness fills in what only exists at send time (the session
 * cookie, a CSRF token, an order's access token, a signature over the final bytes). Plain data, so
 * fast-check can shrink it and the report can print it.
 */
export interface GenRequest {
  method: string;
  /** The path as sent (percent-encoding included), without the query. */
  path: string;
  /** The query as sent, without `?`; may be empty. */
  query: string;
  headers: [string, string][];
  body?: GenBody;
  auth: GenAuth;
  /** The order named in the path: bearer and token-query credentials are that order's. */
  orderId?: string;
}

export type GenBody =
  | { kind: 'text'; text: string; encoding: 'utf8' | 'utf8-bom' | 'latin1' | 'utf16le'; contentType?: string; contentEncoding?: string; gzip?: boolean }
  | { kind: 'bytes'; bytes: number[]; contentType?: string };

export type GenAuth =
  | { kind: 'none' }
  | { kind: 'session'; role: 'owner' | 'viewer'; csrf: 'ok' | 'missing' | 'wrong' }
  | { kind: 'cookie-junk'; cookie: string }
  | { kind: 'bearer'; token: 'own' | 'other' | 'missing' | 'junk' | 'scheme'; junk?: string }
  | { kind: 'signature'; sig: 'valid' | 'stale' | 'future' | 'forged' | 'missing' | 'junk'; junk?: string }
  | { kind: 'token-query'; token: 'own' | 'other' | 'missing' | 'junk'; junk?: string }
  | { kind: 'partner'; sig: 'valid' | 'stale' | 'forged' | 'missing' | 'unknown-key' | 'bad-nonce' | 'junk'; junk?: string };

/** Ids of real rows, so generated requests reach the handlers' interesting branches. */
export interface Pools {
  products: { id: string; sku: string }[];
  orders: { id: string; status: string }[];
  keyIds: number[];
  batchIds: number[];
  auditIds: number[];
  refundIds: number[];
  /** Gateway order numbers of payment attempts (what a gateway's notification names). */
  attemptRefs: string[];
  channelIds: string[];
  channelKeyIds: string[];
  webhookEndpointIds: number[];
  webhookDeliveryIds: number[];
  externalOrderIds: string[];
  /** Orders the fuzzer's partner channel placed (what its own order reads may open). */
  partnerOrderIds: string[];
  couponIds: number[];
  couponCodes: string[];
  saleIds: number[];
  operatorIds: string[];
  operatorEmails: string[];
  operatorPasswords: string[];
  buyerIds: string[];
  emails: string[];
  txnIds: string[];
  soldKeys: string[];
}

// ---- encoding --------------------------------------------------------------------------------------

/** Percent-encodes the UTF-8 bytes of `s` outside the unreserved set (lone surrogates become U+FFFD). */
export const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) =>
  (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** A path segment or query value taken verbatim: what only a hand-written request would contain. */
class RawSegment {
  constructor(readonly text: string) {}
}
type Segment = string | RawSegment;
const seg = (s: Segment) => (s instanceof RawSegment ? s.text : pct(s));

const JUNK_SEGMENTS = [
  '%', '%ZZ', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%2F', '%2e%2e', '..', '.', '%20', '-1', '0', '1e3', '0x10', '1.5',
  'Infinity', 'NaN', 'null', '%F0%9F%98%80', 'global', '2147483648', '2147483647', '4294967296', '9007199254740993', '99999999999999999999',
  'ord_', '%u0041', '\u00e9', '\u00ff\u00fe', 'a;b', 'a,b', 'email:', ':', '%3A', 'ip:%00', 'email:%E0%A4%A', 'x%',
];
const junkSegment: fc.Arbitrary<Segment> = pick(
  { weight: 5, arbitrary: fc.constantFrom(...JUNK_SEGMENTS).map((s) => new RawSegment(s)) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom(41, 65, 129, 301, 5000).map((n) => 'x'.repeat(n)) },
);

const orderShaped = fc.stringMatching(/^ord_[0-9A-Z]{22}$/);
const some = <T>(xs: T[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> => (xs.length ? fc.constantFrom(...xs) : fallback);

/** A parameter a well-behaved client would send: a real id of the right kind (or one of the right shape). */
function cleanParamArb(kind: ParamKind, p: Pools): fc.Arbitrary<Segment> {
  switch (kind) {
    case 'orderId': return some(p.orders.map((o) => o.id), orderShaped);
    case 'provider': return fc.constant('sandbox');
    case 'productId': return some(p.products.map((x) => x.id), fc.uuid());
    case 'operatorId': return some(p.operatorIds, fc.uuid());
    case 'ruleId': return pick(fc.constant('global'), some(p.products.map((x) => x.id), fc.uuid()));
    case 'keyId': return some(p.keyIds, fc.integer({ min: 1, max: 1000 })).map(String);
    case 'batchId': return some(p.batchIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'auditId': return some(p.auditIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'refundId': return some(p.refundIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'buyerId': return some(p.buyerIds, fc.constant('ip:127.0.0.1'));
    case 'channelId': return some(p.channelIds, fc.constant('retail'));
    case 'channelKeyId': return some(p.channelKeyIds, fc.constant('ck_none'));
    case 'webhookEndpointId': return some(p.webhookEndpointIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'webhookDeliveryId': return some(p.webhookDeliveryIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'secret': return fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/);
    case 'partnerOrderId': return some(p.partnerOrderIds, orderShaped);
    case 'sku': return some(p.products.map((x) => x.sku), fc.constant('NO-SUCH-SKU'));
    case 'couponId': return some(p.couponIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'saleId': return some(p.saleIds, fc.integer({ min: 1, max: 100 })).map(String);
    case 'singleton': return fc.constant('shop');
    case 'endpointKind': return fc.constantFrom('fulfilment', 'licence');
  }
}

function paramArb(kind: ParamKind, p: Pools): fc.Arbitrary<Segment> {
  const ints = (xs: number[]) => pick(
    { weight: 5, arbitrary: some(xs, fc.nat()).map(String) },
    { weight: 3, arbitrary: fc.constantFrom(...EDGE_INTEGERS).map((n) => new RawSegment(String(n))) },
    { weight: 2, arbitrary: junkSegment },
  );
  switch (kind) {
    case 'orderId': return pick({ weight: 6, arbitrary: some(p.orders.map((o) => o.id), orderShaped) }, { weight: 2, arbitrary: orderShaped }, { weight: 3, arbitrary: junkSegment });
    case 'provider': return pick({ weight: 8, arbitrary: fc.constant('sandbox') }, { weight: 2, arbitrary: fc.constantFrom(...PROVIDER_NAMES) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,32}$/) }, { weight: 2, arbitrary: junkSegment });
    case 'productId': return pick({ weight: 6, arbitrary: some(p.products.map((x) => x.id), fc.uuid()) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 3, arbitrary: junkSegment });
    case 'operatorId': return pick({ weight: 6, arbitrary: some(p.operatorIds, fc.uuid()) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 3, arbitrary: junkSegment });
    case 'ruleId': return pick({ weight: 3, arbitrary: fc.constant('global') }, { weight: 5, arbitrary: some(p.products.map((x) => x.id), fc.uuid()) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 2, arbitrary: junkSegment });
    case 'keyId': return ints(p.keyIds);
    case 'batchId': return ints(p.batchIds);
    case 'auditId': return ints(p.auditIds);
    case 'refundId': return ints(p.refundIds);
    case 'webhookEndpointId': return ints(p.webhookEndpointIds);
    case 'webhookDeliveryId': return ints(p.webhookDeliveryIds);
    case 'channelId': return pick({ weight: 6, arbitrary: some(p.channelIds, fc.constant('retail')) }, { weight: 1, arbitrary: fc.constant('retail') }, { weight: 3, arbitrary: junkSegment });
    case 'channelKeyId': return pick({ weight: 6, arbitrary: some(p.channelKeyIds, fc.constant('ck_none')) }, { weight: 3, arbitrary: junkSegment });
    case 'secret': return pick({ weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/) }, { weight: 2, arbitrary: junkSegment });
    case 'partnerOrderId': return pick({ weight: 6, arbitrary: some(p.partnerOrderIds, orderShaped) }, { weight: 2, arbitrary: some(p.orders.map((o) => o.id), orderShaped) }, { weight: 3, arbitrary: junkSegment });
    case 'sku': return pick({ weight: 6, arbitrary: some(p.products.map((x) => x.sku), fc.constant('NO-SUCH-SKU')) }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) }, { weight: 3, arbitrary: junkSegment });
    case 'couponId': return ints(p.couponIds);
    case 'saleId': return ints(p.saleIds);
    case 'endpointKind': return pick({ weight: 6, arbitrary: fc.constantFrom('fulfilment', 'licence') }, { weight: 1, arbitrary: fc.constantFrom('Licence', 'Fulfilment', '') }, { weight: 3, arbitrary: junkSegment });
    case 'singleton': return pick({ weight: 6, arbitrary: fc.constant('shop') }, { weight: 1, arbitrary: fc.constantFrom('global', 'retail', 'Shop') }, { weight: 3, arbitrary: junkSegment });
    case 'buyerId': return pick(
      { weight: 5, arbitrary: some(p.buyerIds, fc.constant('ip:127.0.0.1')) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('email', 'phone', 'ip', 'device', 'payment_account', 'nope', ''), nastyString).map(([k, v]) => `${k}:${v}`) },
      { weight: 2, arbitrary: junkSegment },
    );
  }
}

// ---- hints: seeded values for fields named like them ----------------------------------------------

const DURATIONS = ['30s', '15m', '1h', '24h', '7d', '24d', '25d', '30d', '365d', '0s', '0ms', '1ms', '999999999999d', '2147483648ms'];
const TIME_ZONES = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Etc/GMT+14', 'Etc/GMT-14', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'EST5EDT', 'utc', 'Z', '+08:00', 'Local'];

function hintsFor(route: RouteSpec, p: Pools): Hints {
  const orderIds = some(p.orders.map((o) => o.id), orderShaped);
  const keyIds = some(p.keyIds, fc.integer({ min: 1, max: 1000 }));
  const hints: Hints = {
    sku: some(p.products.map((x) => x.sku), fc.constant('NO-SUCH-SKU')),
    orderId: route.path.includes('/payments/') ? pick(orderIds, some(p.attemptRefs, orderIds)) : orderIds,
    productId: some(p.products.map((x) => x.id), fc.uuid()),
    batchId: some(p.batchIds, fc.integer({ min: 1, max: 100 })),
    txnId: pick(some(p.txnIds, fc.constant('txn_1')), fc.uuid().map((u) => `txn_${u}`)),
    key: some(p.soldKeys, fc.constant('NO-SUCH-KEY')),
    currency: fc.constantFrom('USD', 'EUR', 'usd', 'XXX', 'CNY', 'US$'),
    amountCents: fc.constantFrom(500, 0, 1, 499, 501, 1_000_000, 2 ** 31 - 1, 2 ** 31, 3e9, 2 ** 53 - 1),
    paidAt: fc.constantFrom(0, 60_000, 3_600_000, -86_400_000).map((d) => new Date(Date.now() - d).toISOString()),
    tz: fc.constantFrom(...TIME_ZONES),
    purchaseLimitWindow: fc.constantFrom(...DURATIONS),
    velocityWindow: fc.constantFrom(...DURATIONS),
    duplicateWindow: fc.constantFrom(...DURATIONS),
    reviewTimeout: fc.constantFrom(...DURATIONS),
    email: route.path.startsWith('/admin/api/auth') ? some(p.operatorEmails, fc.constant('nobody@fuzz.kami')) : some(p.emails, fc.constant('buyer@example.com')),
    password: some(p.operatorPasswords, fc.constant('wrong-password')),
    channelId: pick(some(p.channelIds, fc.constant('retail')), fc.constant('retail')),
    coupon: pick(some(p.couponCodes, fc.constant('NOSUCHCODE')), fc.constantFrom('NOSUCHCODE', 'save10', '', ' ')),
    couponCode: pick(some(p.couponCodes, fc.constant('NOSUCHCODE')), fc.constant('NOSUCHCODE')),
    phone: fc.constantFrom('+86 138 0013 8000', '+1 415 555 0100', '13800138000', '(415) 555-0100', '+44 20 7946 0958'),
    deviceId: fc.stringMatching(/^[A-Za-z0-9-]{8,40}$/),
    externalOrderId: pick(some(p.externalOrderIds, fc.constant('ext-1')), fc.stringMatching(/^[\w.:#/-]{1,64}$/)),
    // webhook targets nothing answers: the fuzzer must not make Kami call hosts on the internet
    url: fc.constantFrom('http://127.0.0.1:9/hook', 'http://localhost:9/kami', 'https://127.0.0.1:9/x', 'http://[::1]:9/', 'https://invalid.invalid/hook', 'ftp://127.0.0.1/x', 'http://example.com/hook'),
  };
  if (route.path.includes('/keys/')) hints.ids = fc.array(keyIds, { minLength: 1, maxLength: 4 });
  if (route.path.includes('bulk-decide')) hints.ids = fc.array(orderIds, { minLength: 1, maxLength: 4 });
  return hints;
}

// ---- inputs ---------------------------------------------------------------------------------------

/** The route's inputs as JSON Schemas: from the OpenAPI document for public routes, from zod for the rest. */
export interface RouteInputs {
  context: SchemaContext['root'];
  body?: JsonSchema;
  query: { name: string; schema: JsonSchema; required: boolean }[];
  headers: { name: string; schema: JsonSchema; required: boolean }[];
}

interface OpenApiParameter { name: string; in: string; required?: boolean; schema?: JsonSchema }
interface OpenApiOperation { parameters?: OpenApiParameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }
export interface OpenApiDocument { paths?: Record<string, Record<string, OpenApiOperation>>; components?: { schemas?: Record<string, JsonSchema> } }

export function routeInputs(route: RouteSpec, doc: OpenApiDocument): RouteInputs {
  if (route.openapi) {
    const op = doc.paths?.[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
    if (!op) throw new Error(`${route.method} ${route.path} is marked openapi but the document does not describe it`);
    const params = (where: string) => (op.parameters ?? []).filter((x) => x.in === where).map((x) => ({ name: x.name, schema: x.schema ?? {}, required: Boolean(x.required) }));
    const body = op.requestBody?.content?.['application/json']?.schema ?? (route.body ? jsonSchemaOf(route.body) : undefined);
    return { context: { components: doc.components, ...(route.body ? { $defs: jsonSchemaOf(route.body).$defs } : {}) }, body, query: params('query'), headers: params('header') };
  }
  const body = route.body ? jsonSchemaOf(route.body) : undefined;
  const query = route.query ? jsonSchemaOf(route.query) : undefined;
  return {
    context: { $defs: { ...body?.$defs, ...query?.$defs } },
    body,
    query: Object.entries(query?.properties ?? {}).map(([name, schema]) => ({ name, schema, required: (query?.required ?? []).includes(name) })),
    headers: [],
  };
}

// ---- bodies, queries, headers, methods -------------------------------------------------------------

const JSON_TYPES = [
  'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json; charset=latin1', 'application/json; charset=iso-8859-1',
  'application/json; charset=utf-16', 'application/json; charset=utf-16le', 'application/json; charset=koi8-r', 'application/json; charset=bogus',
  'application/json; charset=', 'application/json; charset="utf-8"', 'application/json;charset=utf8', 'Application/JSON', 'application/merge-patch+json',
  'application/vnd.api+json', 'application/json; boundary=x', 'application/json;;', 'application/json; x=y; x=z', 'application/json; charset=us-ascii',
];
const OTHER_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=latin1', 'application/x-www-form-urlencoded; charset=utf-16',
  'multipart/form-data; boundary=----x', 'text/html', 'application/xml', '*/*', '', 'json', 'application/', '/', 'a/b/c', ';charset=utf-8', 'application/octet-stream',
];
const contentType: fc.Arbitrary<string | undefined> = pick(
  { weight: 14, arbitrary: fc.constant('application/json') },
  { weight: 4, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const contentEncoding: fc.Arbitrary<string | undefined> = pick(
  { weight: 20, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-bogus', 'gzip, gzip', 'GZIP', 'zstd', 'compress') },
);

const formEncode = (v: Value) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Raw)
  ? Object.entries(v).map(([k, x]) => `${pct(k)}=${pct(typeof x === 'string' ? x : encodeJson(x))}`).join('&')
  : pct(encodeJson(v)));

const FORM_TYPE = 'application/x-www-form-urlencoded';
const formContentType: fc.Arbitrary<string | undefined> = pick(
  { weight: 14, arbitrary: fc.constant(FORM_TYPE) },
  { weight: 3, arbitrary: fc.constantFrom(`${FORM_TYPE}; charset=utf-8`, `${FORM_TYPE}; charset=latin1`, `${FORM_TYPE}; charset=utf-16`, 'multipart/form-data; boundary=x') },
  { weight: 3, arbitrary: contentType },
);

function bodyArb(valid: fc.Arbitrary<Value>, form = false): fc.Arbitrary<GenBody> {
  const value = mutated(valid);
  const text = (t: fc.Arbitrary<string>) => fc.record({
    kind: fc.constant('text' as const), text: t, contentType: form ? formContentType : contentType, contentEncoding,
    encoding: pick({ weight: 20, arbitrary: fc.constant('utf8' as const) }, { weight: 1, arbitrary: fc.constantFrom('utf8-bom' as const, 'latin1' as const, 'utf16le' as const) }),
    gzip: pick({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });
  const encode = form ? formEncode : encodeJson;
  return pick(
    { weight: 16, arbitrary: text(value.map(encode)) },
    { weight: 1, arbitrary: text(fc.tuple(value.map(encode), fc.nat()).map(([t, n]) => t.slice(0, n % Math.max(1, t.length)))) },
    { weight: 1, arbitrary: text(value.map(form ? encodeJson : formEncode)) },
    { weight: 1, arbitrary: text(fc.constantFrom('', ' ', 'null', '"x"', '0', 'true', '[]', '{', '{"a":1}x', '\u0000', 'ÿ', '{"a":"\\ud800"}', '{"a":"\\u0000"}')) },
    { weight: 1, arbitrary: text(fc.constantFrom(16 * 1024 + 1, 64 * 1024 + 1, 1024 * 1024).map((n) => `{"a":"${'x'.repeat(n)}"}`)) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 96 }), contentType }) },
  );
}

/** An upload's body: the sample as its type, or broken (other types, truncated, random bytes, SVG with script, too large). */
function uploadArb(u: NonNullable<RouteSpec['upload']>, clean: boolean): fc.Arbitrary<GenBody> {
  const bytes = (b: Buffer) => [...b];
  const sample = fc.constantFrom(...u.types).map((type): GenBody => ({ kind: 'bytes', bytes: bytes(u.sample), contentType: type }));
  if (clean) return sample;
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
  return pick(
    { weight: 4, arbitrary: sample },
    { weight: 2, arbitrary: fc.tuple(fc.nat({ max: u.sample.length }), contentType).map(([n, type]): GenBody => ({ kind: 'bytes', bytes: bytes(u.sample.subarray(0, n)), contentType: type ?? 'image/png' })) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }), contentType: pick(fc.constantFrom(...u.types), contentType) }) },
    { weight: 1, arbitrary: fc.constantFrom('image/svg+xml', 'image/png', 'text/html').map((type): GenBody => ({ kind: 'text', text: svg, encoding: 'utf8', contentType: type })) },
    { weight: 1, arbitrary: fc.constantFrom(256 * 1024 + 1, 2 * 1024 * 1024 + 1).map((n): GenBody => ({ kind: 'text', text: 'x'.repeat(n), encoding: 'utf8', contentType: 'image/png' })) },
  );
}

/** One `name=value` for a query, value encoded unless it is raw junk. */
const queryPair = (name: string, v: Value | Segment) => `${pct(name)}=${v instanceof RawSegment ? v.text : pct(typeof v === 'string' ? v : encodeJson(v as Value))}`;

const JUNK_QUERIES = ['%', '%ZZ', 'a=%', '=', '&&', 'a[b]=1', 'a=1&a=2', '__proto__[x]=1', 'constructor[prototype][x]=1', ';', 'a=%E0%A4%A', '%00=%00', 'sort=', 'filter=%7B', 'range=%5B0%2C1e400%5D', 'wait=1e400', 'token=&token=x'];
const junkQuery: fc.Arbitrary<string> = pick(
  fc.constantFrom(...JUNK_QUERIES),
  fc.tuple(fc.constantFrom('a', 'sort', 'range', 'filter', 'wait', 'token', 'tz', 'productId', 'batchId', ''), pick(nastyString, junkSegment)).map(([k, v]) => queryPair(k, v)),
);

function listQueryArb(route: RouteSpec, ctx: SchemaContext, clean: boolean): fc.Arbitrary<string[]> {
  const spec = route.list!;
  const filterSchema = jsonSchemaOf(spec.filter);
  const maybe = (v: fc.Arbitrary<Value>) => (clean ? v : mutated(v));
  const filter = maybe(arbitraryOf(filterSchema, { root: { $defs: filterSchema.$defs }, hints: ctx.hints }));
  const sort = maybe(fc.tuple(fc.constantFrom(...spec.sortable), fc.constantFrom('ASC', 'DESC', 'asc', 'desc')));
  const range = maybe(fc.tuple(fc.nat({ max: 50 }), fc.nat({ max: 60 })).map(([a, b]) => [a, a + b] as Value));
  const asParam = (name: string, v: fc.Arbitrary<Value>) => fc.option(clean ? v.map((x) => queryPair(name, encodeJson(x))) : pick(
    { weight: 8, arbitrary: v.map((x) => queryPair(name, encodeJson(x))) },
    { weight: 1, arbitrary: fc.constantFrom('x', '[', '{"a":', '1e400', '').map((t) => queryPair(name, t)) },
  ), { freq: 3 });
  return fc.tuple(asParam('sort', sort), asParam('range', range), asParam('filter', filter)).map((xs) => xs.filter((x): x is string => x !== null));
}

const HEADER_VALUES = ['', ' ', 'null', '\u00e9\u00ff', 'x'.repeat(4000), '1.2.3.4', '::1', '999.999.1.1', 'unknown', `${'a'.repeat(100)}`, '1.2.3.4, 5.6.7.8', '[::1]:80', 'fe80::1%eth0', `2001:db8::${'a'.repeat(60)}`];
const latin1Text = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 });
const headerValue = pick(fc.constantFrom(...HEADER_VALUES), latin1Text);
const extraHeader: fc.Arbitrary<[string, string]> = fc.tuple(fc.constantFrom(
  'accept', 'accept-charset', 'accept-encoding', 'x-forwarded-for', 'x-request-id', 'idempotency-key', 'kami-signature', 'x-csrf-token', 'cookie',
  'authorization', 'origin', 'referer', 'user-agent', 'range', 'if-none-match', 'x-http-method-override', 'content-language', 'forwarded', 'x-real-ip',
), pick(headerValue, fc.constantFrom('application/json', 'text/html', '*/*', 'text/html;q=0.9, application/json', 'image/png', 'Bearer', 'Basic Zm9vOmJhcg==', 'kami_session=x', 'bytes=0-1', 'gzip, br'))).map(([k, v]) => [k, v]);

const ODD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE', 'LOCK', 'MKCOL', 'COPY', 'MOVE', 'SEARCH', 'REPORT'];
const PATH_SUFFIXES = ['/', '//', '/%', '/%ZZ', '%00', '.json', ';x=1', '/..', '/%2e%2e/%2e%2e'];

function authArb(route: RouteSpec): fc.Arbitrary<GenAuth> {
  const junk = pick(headerValue, fc.string({ maxLength: 50 }));
  switch (route.auth) {
    case 'none': return route.area === 'admin'
      ? pick({ weight: 6, arbitrary: fc.constant({ kind: 'none' } as const) }, { weight: 1, arbitrary: fc.constant({ kind: 'session', role: 'owner', csrf: 'ok' } as const) })
      : fc.constant({ kind: 'none' } as const);
    case 'session': return pick(
      { weight: 14, arbitrary: fc.constant({ kind: 'session', role: 'owner', csrf: 'ok' } as const) },
      { weight: 2, arbitrary: fc.constant({ kind: 'session', role: 'viewer', csrf: 'ok' } as const) },
      { weight: 1, arbitrary: fc.constantFrom('missing', 'wrong').map((csrf) => ({ kind: 'session', role: 'owner', csrf }) as const) },
      { weight: 1, arbitrary: fc.constant({ kind: 'none' } as const) },
      { weight: 1, arbitrary: pick(junk, fc.constantFrom('kami_session=', 'kami_session=%', 'kami_session=%ZZ', `kami_session=${'A'.repeat(43)}`, 'kami_session=a; kami_session=b')).map((cookie) => ({ kind: 'cookie-junk', cookie }) as const) },
    );
    case 'bearer': return pick(
      { weight: 8, arbitrary: fc.constant({ kind: 'bearer', token: 'own' } as const) },
      { weight: 1, arbitrary: fc.constantFrom('other', 'missing', 'scheme').map((token) => ({ kind: 'bearer', token }) as const) },
      { weight: 1, arbitrary: junk.map((j) => ({ kind: 'bearer', token: 'junk', junk: j }) as const) },
    );
    case 'signature': return pick(
      { weight: 10, arbitrary: fc.constant({ kind: 'signature', sig: 'valid' } as const) },
      { weight: 2, arbitrary: fc.constantFrom('stale', 'future', 'forged', 'missing').map((sig) => ({ kind: 'signature', sig }) as const) },
      { weight: 1, arbitrary: pick(junk, fc.constantFrom('t=,v1=', 't=1e400,v1=00', 't=0x10,v1=zz', `t=${'9'.repeat(30)},v1=ab`, 'v1=ab,t=1,t=2', '=', ',,,', 't=1.5,v1=00')).map((j) => ({ kind: 'signature', sig: 'junk', junk: j }) as const) },
    );
    case 'partner': return pick(
      { weight: 10, arbitrary: fc.constant({ kind: 'partner', sig: 'valid' } as const) },
      { weight: 3, arbitrary: fc.constantFrom('stale', 'forged', 'missing', 'unknown-key', 'bad-nonce').map((sig) => ({ kind: 'partner', sig }) as const) },
      { weight: 1, arbitrary: junk.map((j) => ({ kind: 'partner', sig: 'junk', junk: j }) as const) },
    );
    case 'token-query': return pick(
      { weight: 8, arbitrary: fc.constant({ kind: 'token-query', token: 'own' } as const) },
      { weight: 1, arbitrary: fc.constantFrom('other', 'missing').map((token) => ({ kind: 'token-query', token }) as const) },
      { weight: 1, arbitrary: junk.map((j) => ({ kind: 'token-query', token: 'junk', junk: j }) as const) },
    );
  }
}

/** What the route's own client sends: the owner's session, the order's token, a valid signature. */
function primaryAuth(route: RouteSpec): GenAuth {
  switch (route.auth) {
    case 'session': return { kind: 'session', role: 'owner', csrf: 'ok' };
    case 'bearer': return { kind: 'bearer', token: 'own' };
    case 'signature': return { kind: 'signature', sig: 'valid' };
    case 'token-query': return { kind: 'token-query', token: 'own' };
    case 'partner': return { kind: 'partner', sig: 'valid' };
    case 'none': return { kind: 'none' };
  }
}

/**
 * Every request the fuzzer may send to `route`. Two in five are clean — what a well-behaved client
 * sends, with schema-valid (not mutated) values and real ids — so the handlers' own logic is reached
 * often enough to meet bugs that need a valid request (an amount that overflows, a setting that
 * breaks checkout); the rest are broken in one or more ways.
 */
export function requestArb(route: RouteSpec, inputs: RouteInputs, pools: Pools): fc.Arbitrary<GenRequest> {
  const ctx: SchemaContext = { root: inputs.context, hints: hintsFor(route, pools) };
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const kinds = names.map((n) => route.params?.[n] ?? 'orderId');
  const hasBody = route.method === 'POST' || route.method === 'PUT';
  const validBody = inputs.body ? arbitraryOf(inputs.body, ctx) : fc.constant({} as Value);
  const cleanBody = inputs.body ? arbitraryOf(inputs.body, { ...ctx, sparse: true }) : fc.constant({} as Value);

  const namedQuery = (clean: boolean) => inputs.query.map(({ name, schema, required }) => {
    const v = clean ? arbitraryOf(schema, ctx, name) : pick({ weight: 6, arbitrary: arbitraryOf(schema, ctx, name) }, { weight: 2, arbitrary: nastyValue });
    const pair = v.map((x) => queryPair(name, typeof x === 'string' ? x : encodeJson(x)));
    return required ? (clean ? pair : pick({ weight: 9, arbitrary: pair }, { weight: 1, arbitrary: fc.constant(null) })) : fc.option(pair, { freq: 2 });
  });
  const query = (clean: boolean) => fc.tuple(
    fc.tuple(...namedQuery(clean)).map((xs) => xs.filter((x): x is string => x !== null)),
    route.list ? listQueryArb(route, ctx, clean) : fc.constant([] as string[]),
    clean ? fc.constant([] as string[]) : pick({ weight: 8, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.array(junkQuery, { minLength: 1, maxLength: 2 }) }),
  ).map((parts) => parts.flat().join('&'));

  // headers the credentials fill in at send time (the OpenAPI document lists the partner signature's
  // as parameters): generated values would only clobber them; junk copies come from `extraHeader`
  const managed = new Set(['authorization', 'cookie', 'x-csrf-token', 'kami-signature', 'kami-key-id', 'kami-timestamp', 'kami-nonce']);
  const namedHeaders = (clean: boolean) => inputs.headers.filter(({ name }) => !managed.has(name.toLowerCase())).map(({ name, schema }) => {
    const valid = arbitraryOf(schema, ctx, name).map((v) => [name, typeof v === 'string' ? v : encodeJson(v)] as [string, string]);
    return fc.option(clean ? valid : pick({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: headerValue.map((v) => [name, v] as [string, string]) }), { freq: 2 });
  });
  const headers = (clean: boolean) => fc.tuple(
    fc.tuple(...namedHeaders(clean)).map((xs) => xs.filter((x): x is [string, string] => x !== null)),
    clean ? fc.constant([] as [string, string][]) : pick({ weight: 6, arbitrary: fc.constant([] as [string, string][]) }, { weight: 1, arbitrary: fc.array(extraHeader, { minLength: 1, maxLength: 2 }) }),
  ).map(([a, b]) => [...a, ...b]);

  const clean = fc.record({
    method: fc.constant(route.method),
    params: fc.tuple(...kinds.map((k) => cleanParamArb(k, pools))) as fc.Arbitrary<Segment[]>,
    suffix: fc.constant(''),
    query: query(true),
    headers: headers(true),
    body: route.upload ? uploadArb(route.upload, true) : hasBody
      ? cleanBody.map((v): GenBody | undefined => (route.form
        ? { kind: 'text', text: formEncode(v), encoding: 'utf8', contentType: FORM_TYPE }
        : { kind: 'text', text: encodeJson(v), encoding: 'utf8', contentType: 'application/json' }))
      : fc.constant(undefined),
    auth: fc.constant(primaryAuth(route)),
  });
  const broken = fc.record({
    method: pick({ weight: 18, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) }),
    params: fc.tuple(...kinds.map((k) => paramArb(k, pools))) as fc.Arbitrary<Segment[]>,
    suffix: pick({ weight: 24, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(...PATH_SUFFIXES) }),
    query: query(false),
    headers: headers(false),
    body: route.upload ? pick({ weight: 12, arbitrary: uploadArb(route.upload, false) }, { weight: 1, arbitrary: fc.constant(undefined) }) : hasBody
      ? pick({ weight: 12, arbitrary: bodyArb(validBody, route.form) }, { weight: 1, arbitrary: fc.constant(undefined) })
      : pick({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyArb(validBody) }),
    auth: authArb(route),
  });

  return pick({ weight: 2, arbitrary: clean }, { weight: 3, arbitrary: broken }).map(({ method: m, params: ps, suffix: sfx, query: q, headers: hs, body: b, auth }) => {
    let i = 0;
    const path = route.path.replace(/:(\w+)/g, () => seg(ps[i++]!)) + sfx;
    const orderIndex = kinds.indexOf('orderId');
    const orderSeg = orderIndex >= 0 ? ps[orderIndex] : undefined;
    return { method: m, path, query: q, headers: hs, body: b, auth, orderId: typeof orderSeg === 'string' ? orderSeg : undefined };
  });
}
