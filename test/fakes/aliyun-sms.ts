/**
 * A local Alibaba Cloud SMS (dysmsapi 2017-05-25 `SendSms`) on 127.0.0.1:0 for one AccessKey. It
 * verifies the V3 signature (ACS3-HMAC-SHA256) the way Alibaba Cloud's gateway does, from the request
 * as received and with its own implementation (nothing shared with Kami's signer): the Authorization
 * header's Credential, SignedHeaders (host, content-type and every x-acs-* header signed) and
 * Signature recomputed over method, path, sorted percent-encoded query, the signed headers and the
 * body's SHA-256 (which must equal x-acs-content-sha256); x-acs-date within 15 minutes; a nonce used
 * once. Then it checks SendSms as Alibaba does (action and version, the signature name, an approved
 * template and exactly its variables, a valid number) and answers `{Code: "OK", BizId, …}` or
 * Alibaba's error codes. Every message taken is recorded; faults on demand: flow control
 * (isv.BUSINESS_LIMIT_CONTROL), 5xx, an invalid number, a dropped connection (after the message was
 * taken or before), and an answer held back.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AliyunMessage { bizId: string; phoneNumbers: string; signName: string; templateCode: string; params: Record<string, string>; outId: string | null; at: number }
export type AliyunFault =
  | { kind: 'flow_control' } | { kind: 'server_error' } | { kind: 'invalid_number' }
  | { kind: 'drop_after' } | { kind: 'drop_before' } | { kind: 'hold' };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
/** RFC 3986 encoding as the V3 signature defines it (space %20, `*` %2A, `~` kept). */
const rfc3986 = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
}).join('');

/**
 * Recomputes the V3 signature of a request as received (also used by the tests on Alibaba Cloud's
 * own documented example). `headers`: lower-case names as Node gives them.
 */
export function acs3Signature(secret: string, req: { method: string; path: string; query: [string, string][]; headers: Record<string, string>; signedHeaders: string[]; body: Buffer | string }) {
  const query = [...req.query].map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const headers = req.signedHeaders.map((n) => `${n}:${(req.headers[n] ?? '').trim()}\n`).join('');
  const canonical = `${req.method}\n${req.path}\n${query}\n${headers}\n${req.signedHeaders.join(';')}\n${sha256(req.body)}`;
  return createHmac('sha256', secret).update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`).digest('hex');
}

export async function startFakeAliyunSms(opts: {
  accessKeyId: string; accessKeySecret: string; signName: string;
  /** Approved templates: code → its variables' names. */
  templates: Record<string, string[]>;
}) {
  const messages: AliyunMessage[] = [];
  const requests: { code: string | 'dropped' | 'held'; signed: boolean }[] = [];
  const faults: AliyunFault[] = [];
  const held: (() => void)[] = [];
  const nonces = new Set<string>();
  const sockets = new Set<Socket>();
  const requestId = () => randomUUID().toUpperCase();

  const answer = (res: ServerResponse, status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
  /** A gateway refusal (authentication, protocol): HTTP 4xx with Alibaba Cloud's error body. */
  const refuse = (res: ServerResponse, status: number, code: string, message: string) => {
    requests.push({ code, signed: false });
    answer(res, status, { RequestId: requestId(), HostId: 'dysmsapi.aliyuncs.com', Code: code, Message: message, Recommend: `https://api.aliyun.com/troubleshoot?q=${code}` });
  };
  /** A business refusal of SendSms: HTTP 200 with the code. */
  const business = (res: ServerResponse, code: string, message: string) => {
    requests.push({ code, signed: true });
    answer(res, 200, { RequestId: requestId(), Code: code, Message: message });
  };

  /** The gateway's checks, in its order; a problem answered, or null when the request is authentic. */
  function authenticate(req: IncomingMessage, body: Buffer, res: ServerResponse): boolean {
    const h = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v ?? '']));
    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(h.authorization ?? '');
    if (!auth) { refuse(res, 400, 'MissingAuthorization', 'Authorization is mandatory for this action.'); return false; }
    const [, credential, signedList, signature] = auth;
    if (credential !== opts.accessKeyId) { refuse(res, 404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'); return false; }
    const signed = signedList!.split(';');
    const mustSign = Object.keys(h).filter((n) => n === 'host' || n === 'content-type' || n.startsWith('x-acs-'));
    const sorted = [...signed].sort();
    if (mustSign.some((n) => !signed.includes(n)) || signed.some((n, i) => n !== sorted[i] || n !== n.toLowerCase())) {
      refuse(res, 400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: sign ${mustSign.join(';')}, sorted and lower-case.`);
      return false;
    }
    for (const n of ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
      if (!h[n]) { refuse(res, 400, 'MissingParameter', `The input parameter "${n}" that is mandatory for processing this request is not supplied.`); return false; }
    }
    if (h['x-acs-content-sha256'] !== sha256(body)) { refuse(res, 400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 is not the SHA-256 of the body.'); return false; }
    const url = new URL(req.url ?? '/', 'http://fake');
    const expected = acs3Signature(opts.accessKeySecret, { method: req.method ?? '', path: url.pathname, query: [...url.searchParams], headers: h, signedHeaders: signed, body });
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) {
      refuse(res, 400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
      return false;
    }
    const date = h['x-acs-date']!;
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date) || Math.abs(Date.parse(date) - Date.now()) > 15 * 60_000) {
      refuse(res, 400, 'InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: ${date}.`);
      return false;
    }
    if (nonces.has(h['x-acs-signature-nonce']!)) { refuse(res, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'); return false; }
    nonces.add(h['x-acs-signature-nonce']!);
    if (h['x-acs-action'] !== 'SendSms') { refuse(res, 400, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method: ${h['x-acs-action']}.`); return false; }
    if (h['x-acs-version'] !== '2017-05-25') { refuse(res, 400, 'InvalidVersion', `Specified parameter Version is not valid: ${h['x-acs-version']}.`); return false; }
    return true;
  }

  const server = createServer(async (req, res) => {
    const fault = faults.shift();
    if (fault?.kind === 'drop_before') { requests.push({ code: 'dropped', signed: false }); req.socket.destroy(); return; }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://fake').pathname !== '/') return refuse(res, 404, 'InvalidAction.NotFound', 'Specified api is not found.');
    if (!authenticate(req, body, res)) return;
    // RPC parameters: the query and, for a form body, the body
    const params = new URLSearchParams(new URL(req.url ?? '/', 'http://fake').search);
    if (/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
    if (fault?.kind === 'server_error') { requests.push({ code: 'ServiceUnavailable', signed: true }); return answer(res, 503, { RequestId: requestId(), Code: 'ServiceUnavailable', Message: 'The request has failed due to a temporary failure of the server.' }); }
    if (fault?.kind === 'flow_control') return business(res, 'isv.BUSINESS_LIMIT_CONTROL', '触发分钟级流控Permits:1');
    for (const name of ['PhoneNumbers', 'SignName', 'TemplateCode']) {
      if (!params.get(name)) return business(res, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
    }
    const phone = params.get('PhoneNumbers')!;
    // mainland: 11 digits from 1 (optionally 86-prefixed); elsewhere country code and number, 8–15 digits
    if (fault?.kind === 'invalid_number' || !(/^(86)?1\d{10}$/.test(phone) || /^[2-9]\d{7,14}$/.test(phone))) return business(res, 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (params.get('SignName') !== opts.signName) return business(res, 'isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    const vars = opts.templates[params.get('TemplateCode')!];
    if (!vars) return business(res, 'isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    let values: Record<string, unknown>;
    try {
      values = JSON.parse(params.get('TemplateParam') ?? '{}') as Record<string, unknown>;
      if (!values || typeof values !== 'object' || Array.isArray(values)) throw new Error('not an object');
    } catch {
      return business(res, 'isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    if (vars.some((v) => typeof values[v] !== 'string')) return business(res, 'isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
    const msg: AliyunMessage = {
      bizId: `${Date.now()}${randomBytes(3).readUIntBE(0, 3)}^0`, phoneNumbers: phone, signName: params.get('SignName')!,
      templateCode: params.get('TemplateCode')!, params: values as Record<string, string>, outId: params.get('OutId'), at: Date.now(),
    };
    messages.push(msg);
    if (fault?.kind === 'drop_after') { requests.push({ code: 'dropped', signed: true }); req.socket.destroy(); return; }
    const reply = () => answer(res, 200, { RequestId: requestId(), Code: 'OK', Message: 'OK', BizId: msg.bizId });
    if (fault?.kind === 'hold') { requests.push({ code: 'held', signed: true }); held.push(reply); return; }
    requests.push({ code: 'OK', signed: true });
    reply();
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint, messages, requests,
    fail(...next: AliyunFault[]) { faults.push(...next); },
    release() { for (let r = held.shift(); r; r = held.shift()) r(); },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
export type FakeAliyunSms = Awaited<ReturnType<typeof startFakeAliyunSms>>;
