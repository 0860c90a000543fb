import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCredential, revokeCredential } from '../../infra/channels/credentials.js';
import { sign, SIGNATURE_WINDOW_S } from '../../infra/channels/signature.js';
import { call, expectError, stockState } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { partnerCall, partnerChannel, type PartnerKey } from '../helpers/partner.js';

let kami: Kami;
beforeAll(async () => { kami = await startKami({ env: { KAMI_PAYMENT_HOLD: '10m' } }); });
afterAll(() => kami?.stop());

const order = (sku: string, externalOrderId = `ext-${randomUUID()}`) => ({ sku, quantity: 1, externalOrderId });

/** Runs `fn` and asserts it placed no order, moved no key and spent no balance. */
async function expectNothingChanged(channelId: string, productId: string, fn: () => Promise<void>) {
  const before = await Promise.all([stockState(kami, productId), kami.db.channelLedgerEntry.count({ where: { channelId } }), kami.db.order.count({ where: { channelId } })]);
  await fn();
  expect(await Promise.all([stockState(kami, productId), kami.db.channelLedgerEntry.count({ where: { channelId } }), kami.db.order.count({ where: { channelId } })])).toEqual(before);
}

describe('signed partner requests', () => {
  it('a request signed with the channel\'s secret is served', async () => {
    const { key } = await partnerChannel(kami, { balance: { USD: 1234 } });
    const res = await partnerCall(kami, key, 'GET', '/api/v1/partner/balance');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ data: [{ currency: 'USD', balance: '12.34', balanceMinor: 1234 }] });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('unsigned, or missing a header: 401 missing_signature naming what is missing', async () => {
    const res = await call(kami, 'GET', '/api/v1/partner/balance');
    expectError(res, 401, 'missing_signature');
    expect(res.body.error.details.headers).toEqual(['kami-key-id', 'kami-timestamp', 'kami-nonce', 'kami-signature']);
    const { key } = await partnerChannel(kami);
    const partial = await partnerCall(kami, key, 'GET', '/api/v1/partner/balance', { headers: { 'kami-nonce': '' } });
    expectError(partial, 401, 'missing_signature');
  });

  it('forged (another secret), tampered body, or another path: 401 invalid_signature, and nothing changes', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 100_000 } });
    const product = await kami.product(3);
    const body = order(product.sku);
    await expectNothingChanged(channel.id, product.id, async () => {
      const forged = await partnerCall(kami, { keyId: channel.key.keyId, secret: `cs_${'x'.repeat(43)}` }, 'POST', '/api/v1/partner/orders', { body });
      expectError(forged, 401, 'invalid_signature', 'forged');
      const tampered = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', {
        body: { ...body, quantity: 3 }, signedBody: JSON.stringify(body),
      });
      expectError(tampered, 401, 'invalid_signature', 'tampered body');
      // the query string is signed too: `?wait=true` added after signing is a different request
      const query = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders?wait=true', { body, signedPath: '/api/v1/partner/orders' });
      expectError(query, 401, 'invalid_signature', 'query added');
      const badHex = await partnerCall(kami, channel.key, 'POST', '/api/v1/partner/orders', { body, headers: { 'kami-signature': 'A'.repeat(64) } });
      expectError(badHex, 401, 'invalid_signature', 'uppercase hex');
    });
  });

  it('a replayed request (same nonce) is 401 nonce_reused and places nothing twice', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 100_000 } });
    const product = await kami.product(3);
    const raw = JSON.stringify(order(product.sku));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomUUID();
    const headers = {
      'content-type': 'application/json', 'kami-key-id': channel.key.keyId, 'kami-timestamp': timestamp, 'kami-nonce': nonce,
      'kami-signature': sign(channel.key.secret, { method: 'POST', path: '/api/v1/partner/orders', timestamp, nonce, body: raw }),
    };
    const first = await call(kami, 'POST', '/api/v1/partner/orders', { raw, headers });
    expect(first.status, first.text).toBe(202); // placed, on its way (no wait asked)
    await expectNothingChanged(channel.id, product.id, async () => {
      expectError(await call(kami, 'POST', '/api/v1/partner/orders', { raw, headers }), 401, 'nonce_reused');
    });
  });

  it('a timestamp outside the 5-minute window: 401 stale_timestamp (either side), before the key is even looked up', async () => {
    const { key } = await partnerChannel(kami);
    const late = await partnerCall(kami, key, 'GET', '/api/v1/partner/balance', { now: Date.now() - (SIGNATURE_WINDOW_S + 5) * 1000 });
    expectError(late, 401, 'stale_timestamp');
    const early = await partnerCall(kami, key, 'GET', '/api/v1/partner/balance', { now: Date.now() + (SIGNATURE_WINDOW_S + 5) * 1000 });
    expectError(early, 401, 'stale_timestamp');
    const fresh = await partnerCall(kami, key, 'GET', '/api/v1/partner/balance', { now: Date.now() - (SIGNATURE_WINDOW_S - 30) * 1000 });
    expect(fresh.status).toBe(200);
    const unknown = await partnerCall(kami, { keyId: 'ck_nobody', secret: 'x' }, 'GET', '/api/v1/partner/balance', { now: Date.now() - 3_600_000 });
    expectError(unknown, 401, 'stale_timestamp');
  });

  it('a malformed nonce is 401 invalid_nonce', async () => {
    const { key } = await partnerChannel(kami);
    expectError(await partnerCall(kami, key, 'GET', '/api/v1/partner/balance', { headers: { 'kami-nonce': 'short' } }), 401, 'invalid_nonce');
  });

  it('unknown, revoked and disabled keys are 401 unknown_key; a rotated key works through its overlap only', async () => {
    const channel = await partnerChannel(kami);
    expectError(await partnerCall(kami, { keyId: 'ck_unknown', secret: 'cs_unknown' }, 'GET', '/api/v1/partner/balance'), 401, 'unknown_key');

    const rotated = await issueCredential(kami.db, kami.vault, channel.id, 'test', new Date(Date.now() + 60_000));
    expect((await partnerCall(kami, channel.key, 'GET', '/api/v1/partner/balance')).status).toBe(200); // old key, within the overlap
    expect((await partnerCall(kami, rotated, 'GET', '/api/v1/partner/balance')).status).toBe(200);
    const now = await issueCredential(kami.db, kami.vault, channel.id, 'test', new Date()); // no overlap: every older key ends now
    expectError(await partnerCall(kami, channel.key, 'GET', '/api/v1/partner/balance'), 401, 'unknown_key');
    expectError(await partnerCall(kami, rotated, 'GET', '/api/v1/partner/balance'), 401, 'unknown_key');
    expect((await partnerCall(kami, now, 'GET', '/api/v1/partner/balance')).status).toBe(200);

    await revokeCredential(kami.db, now.keyId);
    expectError(await partnerCall(kami, now, 'GET', '/api/v1/partner/balance'), 401, 'unknown_key');

    const other = await partnerCall(kami, (await partnerChannel(kami)).key, 'GET', '/api/v1/partner/balance');
    expect(other.status).toBe(200);
    const live = await issueCredential(kami.db, kami.vault, channel.id, 'test');
    await kami.db.channel.update({ where: { id: channel.id }, data: { disabled: true } });
    expectError(await partnerCall(kami, live, 'GET', '/api/v1/partner/balance'), 401, 'unknown_key');
  });

  it('marks a key used', async () => {
    const { key } = await partnerChannel(kami);
    await partnerCall(kami, key, 'GET', '/api/v1/partner/balance');
    expect((await kami.db.channelCredential.findUniqueOrThrow({ where: { keyId: key.keyId } })).lastUsedAt).toBeInstanceOf(Date);
  });

  it('the IP allow-list: 403 ip_not_allowed from elsewhere (IPv4-mapped addresses count as IPv4)', async () => {
    const { key } = await partnerChannel(kami, { settings: { ipAllowList: ['203.0.113.0/24', '2001:db8::/32'] } });
    const from = (ip: string) => partnerCall(kami, key, 'GET', '/api/v1/partner/balance', { headers: { 'x-forwarded-for': ip } });
    expectError(await from('198.51.100.1'), 403, 'ip_not_allowed');
    expect((await from('203.0.113.77')).status).toBe(200);
    expect((await from('2001:db8::5')).status).toBe(200);
    expectError(await partnerCall(kami, key, 'GET', '/api/v1/partner/balance'), 403, 'ip_not_allowed'); // loopback is not listed
  });

  it('the channel\'s rate limit: 429 rate_limited past it, other channels unaffected', async () => {
    const limited: PartnerKey = (await partnerChannel(kami, { settings: { rateLimitPerMinute: 3 } })).key;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await partnerCall(kami, limited, 'GET', '/api/v1/partner/balance')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expectError(await partnerCall(kami, limited, 'GET', '/api/v1/partner/balance'), 429, 'rate_limited');
    expect((await partnerCall(kami, (await partnerChannel(kami)).key, 'GET', '/api/v1/partner/balance')).status).toBe(200);
  });

  it('a signed body that is not JSON: 400 invalid_json; not declared JSON: 415', async () => {
    const { key } = await partnerChannel(kami);
    expectError(await partnerCall(kami, key, 'POST', '/api/v1/partner/orders', { raw: '{"sku":' }), 400, 'invalid_json');
    expectError(await partnerCall(kami, key, 'POST', '/api/v1/partner/orders', { raw: 'sku=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
  });

  it('the OpenAPI document lists the partner routes with the signature recipe', async () => {
    const doc = (await call(kami, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/partner/orders', '/api/v1/partner/orders/{orderId}', '/api/v1/partner/orders/{orderId}/keys', '/api/v1/partner/balance', '/api/v1/partner/products',
    ]));
    const recipe: string = doc.components.securitySchemes.kamiSignature.description;
    expect(recipe).toMatch(/HMAC-SHA256/);
    // the documented example is what Kami computes
    const example = sign('cs_test', { method: 'POST', path: '/api/v1/partner/orders', timestamp: '1767225600', nonce: '0123456789abcdef', body: '{"sku":"X","quantity":1,"externalOrderId":"o-1"}' });
    expect(recipe).toContain(`Kami-Signature: ${example}`);
    expect(doc.paths['/api/v1/partner/orders'].post.responses).toHaveProperty('402');
  });
});
