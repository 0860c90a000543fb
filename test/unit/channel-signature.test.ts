import { describe, expect, it } from 'vitest';
import { sign, signatureMatches, signedHeaders, timestampFresh, SIGNATURE_HEADERS } from '../../infra/channels/signature.js';

// Vectors computed with openssl, outside Kami's code:
//   printf 'POST\n/api/v1/partner/orders?wait=true\n1795900000\nn0nce-0123456789abcdef\n<sha256 hex of body>' \
//     | openssl dgst -sha256 -hmac cs_test-secret
const SECRET = 'cs_test-secret';
const order = {
  method: 'POST', path: '/api/v1/partner/orders?wait=true', timestamp: '1795900000', nonce: 'n0nce-0123456789abcdef',
  body: '{"sku":"GAME-100","quantity":2,"externalOrderId":"PO-1"}',
};
const balance = { method: 'GET', path: '/api/v1/partner/balance', timestamp: '1795900000', nonce: 'n0nce-0123456789abcdef', body: '' };

describe('the partner signature scheme', () => {
  it('matches the documented recipe (METHOD, path with query, timestamp, nonce, sha256 of the raw body)', () => {
    expect(sign(SECRET, order)).toBe('55af5c8061189b7b018926e9623978d9cf3e9c16fc7d620222762929cd0bbc8d');
    expect(sign(SECRET, balance)).toBe('679db011a8be9d52ea86ccc68e0737fc5b75f7612648890314cf4fada3599e28');
    expect(sign(SECRET, { ...order, body: Buffer.from(order.body) })).toBe(sign(SECRET, order));
  });

  it('refuses any change to what was signed, another secret, or a malformed signature', () => {
    const good = sign(SECRET, order);
    expect(signatureMatches(SECRET, order, good)).toBe(true);
    for (const changed of [
      { ...order, method: 'PUT' }, { ...order, path: '/api/v1/partner/orders' }, { ...order, timestamp: '1795900001' },
      { ...order, nonce: 'n0nce-0123456789abcdeF' }, { ...order, body: order.body.replace('2', '3') },
    ]) expect(signatureMatches(SECRET, changed, good)).toBe(false);
    expect(signatureMatches('cs_other', order, good)).toBe(false);
    expect(signatureMatches(SECRET, order, good.toUpperCase())).toBe(false);
    expect(signatureMatches(SECRET, order, good.slice(0, 63))).toBe(false);
  });

  it('takes timestamps within five minutes either way, as plain unix seconds', () => {
    const now = 1_795_900_000_000;
    expect(timestampFresh('1795900300', now)).toBe(true);
    expect(timestampFresh('1795899700', now)).toBe(true);
    expect(timestampFresh('1795900301', now)).toBe(false);
    expect(timestampFresh('1795899699', now)).toBe(false);
    for (const bad of ['', '1795900000.5', '+1795900000', '1e9', ' 1795900000']) expect(timestampFresh(bad, now)).toBe(false);
  });

  it('signs outgoing requests with a fresh nonce each time', () => {
    const r = { method: 'POST', path: '/hooks/kami', body: '{"id":"evt_1"}' };
    const a = signedHeaders('ck_1', SECRET, r, 1_795_900_000_000);
    const b = signedHeaders('ck_1', SECRET, r, 1_795_900_000_000);
    expect(a[SIGNATURE_HEADERS.nonce]).not.toBe(b[SIGNATURE_HEADERS.nonce]);
    expect(a[SIGNATURE_HEADERS.timestamp]).toBe('1795900000');
    expect(signatureMatches(SECRET, { ...r, timestamp: a[SIGNATURE_HEADERS.timestamp]!, nonce: a[SIGNATURE_HEADERS.nonce]! }, a[SIGNATURE_HEADERS.signature]!)).toBe(true);
  });
});
