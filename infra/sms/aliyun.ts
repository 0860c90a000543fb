import { createHash, createHmac, randomBytes } from 'node:crypto';
import { postForm, SmsSendError, unexpectedAnswer, type SmsProvider } from './provider.js';

/**
 * Alibaba Cloud SMS (dysmsapi 2017-05-25 `SendSms`), signed with Alibaba Cloud's V3 request signature
 * (ACS3-HMAC-SHA256), the one its documentation tells callers to use (V2, HMAC-SHA1 over the query,
 * is discontinued). A small client over node:crypto and fetch rather than the official SDK
 * (@alicloud/dysmsapi20170525 brings @alicloud/openapi-core, credentials providers, moment,
 * lodash, xml2js and proxy agents for one signed POST).
 *
 * The parameters travel in a form body (hashed into the signature), not the query string: the
 * template's variables may carry keys, and URLs end up in proxies' logs.
 */

const ALGORITHM = 'ACS3-HMAC-SHA256';
const ACTION = 'SendSms';
const VERSION = '2017-05-25';

/** RFC 3986 percent-encoding, as the signature wants it: only A–Z a–z 0–9 - _ . ~ stay as they are. */
export const percentEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

export interface Acs3Request {
  method: string;
  /** The canonical URI: `/` for an RPC API such as SendSms. */
  path: string;
  query: Record<string, string>;
  /** Every header to sign, `host` and the `x-acs-*` ones included (names in any case). */
  headers: Record<string, string>;
  body: string;
}

/**
 * The V3 signature: HMAC-SHA256 under the AccessKey secret of `ACS3-HMAC-SHA256\n` + hex(SHA-256 of
 * the canonical request), the canonical request being the method, URI, sorted percent-encoded query,
 * the signed headers (lower-case names, sorted, `name:trimmed value\n`), their names joined by `;`,
 * and hex(SHA-256 of the body). Answers the Authorization header.
 */
export function acs3Authorization(r: Acs3Request, accessKeyId: string, accessKeySecret: string): string {
  const query = Object.keys(r.query).sort().map((k) => `${percentEncode(k)}=${percentEncode(r.query[k]!)}`).join('&');
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const names = Object.keys(headers).sort();
  const canonical = [r.method, r.path, query, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), sha256Hex(r.body)].join('\n');
  const signature = createHmac('sha256', accessKeySecret).update(`${ALGORITHM}\n${sha256Hex(canonical)}`, 'utf8').digest('hex');
  return `${ALGORITHM} Credential=${accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
}

/**
 * Codes that refuse this message for good: the number, or what the message carries. Every other
 * error (flow control such as isv.BUSINESS_LIMIT_CONTROL, the balance, the signature or template not
 * (yet) approved, credentials, Alibaba's own faults) is retried: a person can fix those, and the
 * merchant hears of the first failure.
 */
const PERMANENT = new Set([
  'isv.MOBILE_NUMBER_ILLEGAL', 'isv.MOBILE_COUNT_OVER_LIMIT', 'isv.BLACK_KEY_CONTROL_LIMIT', 'isv.PARAM_LENGTH_LIMIT',
  'isv.PARAM_NOT_SUPPORT_URL', 'isv.TEMPLATE_PARAMS_ILLEGAL', 'isv.INVALID_JSON_PARAM', 'isv.INVALID_PARAMETERS',
  'isv.DOMESTIC_NUMBER_NOT_SUPPORTED', 'isv.SMS_CONTENT_ILLEGAL',
]);

/** Aliyun's PhoneNumbers: a mainland number as its 11 digits, any other as country code and number, without `+`. */
export const aliyunPhoneNumber = (e164: string) => (e164.startsWith('+86') ? e164.slice(3) : e164.replace(/^\+/, ''));

export function aliyunSms(c: { accessKeyId: string; accessKeySecret: string; signName: string; endpoint: string }): SmsProvider {
  const url = new URL(c.endpoint);
  return {
    name: 'aliyun',
    async send({ to, message, reference }) {
      if (!('templateCode' in message)) throw new SmsSendError('permanent', 'not_a_template', 'Aliyun sends approved templates only');
      const body = new URLSearchParams({
        PhoneNumbers: aliyunPhoneNumber(to), SignName: c.signName, TemplateCode: message.templateCode,
        TemplateParam: JSON.stringify(message.params), OutId: reference,
      }).toString().replace(/\+/g, '%20');
      const headers: Record<string, string> = {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded',
        'x-acs-action': ACTION,
        'x-acs-version': VERSION,
        'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'x-acs-signature-nonce': randomBytes(16).toString('hex'),
        'x-acs-content-sha256': sha256Hex(body),
      };
      headers.authorization = acs3Authorization({ method: 'POST', path: '/', query: {}, headers, body }, c.accessKeyId, c.accessKeySecret);
      const { host: _host, ...sent } = headers; // fetch sends Host itself, from the URL: the same value
      const { status, json } = await postForm(new URL('/', url).href, body, { ...sent, accept: 'application/json' });
      const code = typeof json?.Code === 'string' ? json.Code : undefined;
      if (code === 'OK' && typeof json?.BizId === 'string' && json.BizId) return { messageId: json.BizId };
      if (!code) throw unexpectedAnswer(status);
      const words = `${code}: ${typeof json?.Message === 'string' ? json.Message.slice(0, 200) : 'refused'}`;
      throw new SmsSendError(PERMANENT.has(code) ? 'permanent' : 'retryable', code, words);
    },
  };
}
