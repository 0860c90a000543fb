import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, listQuery, loginAs, type AdminSession } from '../helpers/admin.js';
import { expectError } from '../helpers/http.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { balanceOf, partnerCall } from '../helpers/partner.js';

let kami: Kami;
let owner: AdminSession;
let operator: AdminSession;
let viewer: AdminSession;
beforeAll(async () => {
  kami = await startKami();
  [owner, operator, viewer] = await Promise.all([loginAs(kami, 'owner'), loginAs(kami, 'operator'), loginAs(kami, 'viewer')]);
});
afterAll(() => kami?.stop());

async function createChannel(body: Record<string, unknown> = { name: 'Reseller A', kind: 'reseller' }) {
  const res = await adminCall(kami, owner, 'POST', '/channels', { body });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; keyId: string; secret: string; settings: Record<string, unknown> };
}

describe('channels in the admin API', () => {
  it('an owner creates a channel: its secret is shown once, works for signed calls, and is never shown or audited again', async () => {
    const created = await createChannel({ name: 'Mall 1', kind: 'mall', settings: { allowSplit: true } });
    expect(created).toMatchObject({ name: 'Mall 1', kind: 'mall', disabled: false, keyId: expect.stringMatching(/^ck_/), secret: expect.stringMatching(/^cs_/) });
    expect(created.settings).toMatchObject({ allowSplit: true, paymentMode: 'balance', rateLimitPerMinute: 120 });
    expect((await partnerCall(kami, created, 'GET', '/api/v1/partner/balance')).status).toBe(200);

    const read = await adminCall(kami, viewer, 'GET', `/channels/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(created.secret);
    expect(read.body.credentials).toEqual([expect.objectContaining({ keyId: created.keyId, revokedAt: null, expiresAt: null, lastUsedAt: expect.any(String) })]);
    expect(read.body.credentials[0]).not.toHaveProperty('secret');
    const list = await adminCall(kami, viewer, 'GET', `/channels${listQuery({ filter: { q: 'Mall 1' } })}`);
    expect(list.text).not.toContain(created.secret);
    const audit = await kami.db.auditLog.findMany({ where: { targetType: 'channel', targetId: created.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(['channel.create', 'channel.credential.issue']);
    expect(JSON.stringify(audit.map((a) => a.data))).not.toContain(created.secret);
    // kept encrypted: the stored bytes are not the secret
    const stored = await kami.db.channelCredential.findUniqueOrThrow({ where: { keyId: created.keyId } });
    expect(Buffer.from(stored.secret).toString('utf8')).not.toContain(created.secret.slice(3));
  });

  it('only owners create or change channels; bad input is 400 naming the field', async () => {
    expectError(await adminCall(kami, operator, 'POST', '/channels', { body: { name: 'X', kind: 'bot' } }), 403, 'forbidden');
    expectError(await adminCall(kami, owner, 'POST', '/channels', { body: { name: 'X', kind: 'retail' } }), 400, 'invalid_request');
    const bad = await adminCall(kami, owner, 'POST', '/channels', { body: { name: 'X', kind: 'bot', settings: { ipAllowList: ['10.1'] } } });
    expectError(bad, 400, 'invalid_request');
    expect(Object.keys(bad.body.error.details)).toEqual(['settings.ipAllowList.0']);
    expectError(await adminCall(kami, owner, 'PUT', '/channels/retail', { body: { disabled: true } }), 400, 'retail_channel');
    expect((await adminCall(kami, owner, 'PUT', '/channels/retail', { body: { name: 'Storefront' } })).status).toBe(200);
    expectError(await adminCall(kami, owner, 'PUT', '/channels/ch_nope', { body: { name: 'x' } }), 404, 'channel_not_found');
  });

  it('settings and rules are one versioned layer (rules edited beside the global and product rules); every change is audited', async () => {
    const c = await createChannel();
    const res = await adminCall(kami, owner, 'PUT', `/channels/${c.id}`, { body: { settings: { ...c.settings, emailKeys: true } } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ rulesVersion: 1, settings: { emailKeys: true } });
    const rules = await adminCall(kami, owner, 'PUT', `/rules/channel:${c.id}`, { body: { settings: { bulkQuantity: 500 } } });
    expect(rules.status, rules.text).toBe(200);
    expect(rules.body).toMatchObject({ id: `channel:${c.id}`, scope: 'channel', settings: { bulkQuantity: 500 }, effective: { bulkQuantity: 500, velocityMaxOrders: 10 }, version: 2 });
    expectError(await adminCall(kami, owner, 'PUT', `/rules/channel:${c.id}`, { body: { settings: { bulkQuantity: 0 } } }), 400, 'invalid_request');
    expectError(await adminCall(kami, owner, 'PUT', '/rules/channel:retail', { body: { settings: {} } }), 404, 'channel_not_found');
    expectError(await adminCall(kami, operator, 'PUT', `/rules/channel:${c.id}`, { body: { settings: {} } }), 403, 'forbidden');
    expectError(await adminCall(kami, owner, 'PUT', `/channels/${c.id}`, { body: { rules: {} } }), 400, 'invalid_request');
    expect((await adminCall(kami, owner, 'PUT', `/channels/${c.id}`, { body: { name: 'Renamed' } })).body.rulesVersion).toBe(2);
    const listed = (await adminCall(kami, viewer, 'GET', '/rules')).body.map((r: { id: string }) => r.id);
    expect(listed[0]).toBe('global');
    expect(listed).toContain(`channel:${c.id}`);
    expect(listed).not.toContain('channel:retail');
    const audit = await kami.db.auditLog.findMany({ where: { targetId: c.id, action: { in: ['channel.update', 'rules.update'] } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, (a.data as { version: number }).version])).toEqual([['channel.update', 1], ['rules.update', 2], ['channel.update', 2]]);
  });

  it('rotation: a new secret once, the old key works through the overlap; revocation ends a key at once', async () => {
    const c = await createChannel();
    const rotated = await adminCall(kami, owner, 'POST', `/channels/${c.id}/credentials`, { body: { overlap: '1h' } });
    expect(rotated.status, rotated.text).toBe(201);
    expect(rotated.body).toMatchObject({ keyId: expect.stringMatching(/^ck_/), secret: expect.stringMatching(/^cs_/) });
    expect(Date.parse(rotated.body.othersEndAt) - Date.now()).toBeGreaterThan(3_500_000);
    expect((await partnerCall(kami, c, 'GET', '/api/v1/partner/balance')).status).toBe(200);
    expect((await partnerCall(kami, rotated.body, 'GET', '/api/v1/partner/balance')).status).toBe(200);

    const revoked = await adminCall(kami, owner, 'POST', `/channels/${c.id}/credentials/${c.keyId}/revoke`);
    expect(revoked.status, revoked.text).toBe(200);
    expectError(await partnerCall(kami, c, 'GET', '/api/v1/partner/balance'), 401, 'unknown_key');
    expect((await partnerCall(kami, rotated.body, 'GET', '/api/v1/partner/balance')).status).toBe(200);
    expectError(await adminCall(kami, owner, 'POST', `/channels/${c.id}/credentials/${c.keyId}/revoke`), 409, 'key_revoked');
    expectError(await adminCall(kami, owner, 'POST', `/channels/retail/credentials`, { body: {} }), 400, 'retail_channel');
    expectError(await adminCall(kami, owner, 'POST', `/channels/${c.id}/credentials`, { body: { overlap: '90d' } }), 400, 'invalid_request');
    const other = await createChannel();
    expectError(await adminCall(kami, owner, 'POST', `/channels/${c.id}/credentials/${other.keyId}/revoke`), 404, 'key_not_found');
    expect((await partnerCall(kami, other, 'GET', '/api/v1/partner/balance')).status).toBe(200);
  });

  it('the ledger: deposits and adjustments with a running balance, never below zero, audited', async () => {
    const c = await createChannel();
    const post = (body: Record<string, unknown>) => adminCall(kami, owner, 'POST', `/channels/${c.id}/ledger`, { body });
    expect((await post({ amountCents: 10_000, currency: 'usd', note: 'wire 2026-11' })).body).toMatchObject({ kind: 'deposit', amountMinor: 10_000, balanceAfter: 10_000, currency: 'USD' });
    expect((await post({ amountCents: -2_500, currency: 'USD', note: 'fee' })).body).toMatchObject({ kind: 'adjustment', balanceAfter: 7_500 });
    const below = await post({ amountCents: -7_501, currency: 'USD', note: 'too much' });
    expectError(below, 409, 'insufficient_balance');
    expectError(await post({ amountCents: -1, currency: 'CNY', note: 'no CNY balance' }), 409, 'insufficient_balance');
    expectError(await post({ amountCents: -5, currency: 'USD' }), 400, 'invalid_request'); // an adjustment says why
    expectError(await post({ amountCents: 0, currency: 'USD', note: 'zero' }), 400, 'invalid_request');
    expectError(await post({ amountCents: -5, currency: 'USD', kind: 'deposit', note: 'x' }), 400, 'invalid_request');
    expectError(await post({ amountCents: 1.5, currency: 'USD' }), 400, 'invalid_request');
    expectError(await adminCall(kami, operator, 'POST', `/channels/${c.id}/ledger`, { body: { amountCents: 5, currency: 'USD' } }), 403, 'forbidden');
    expect(await balanceOf(kami, c.id, 'USD')).toEqual({ balance: 7_500, ledgerSum: 7_500 });

    const ledger = await adminCall(kami, viewer, 'GET', `/channel-ledger${listQuery({ filter: { channelId: c.id } })}`);
    expect(ledger.body.map((e: { amountMinor: number; balanceAfter: number }) => [e.amountMinor, e.balanceAfter])).toEqual([[-2_500, 7_500], [10_000, 10_000]]);
    expect(ledger.headers.get('content-range')).toBe('channel-ledger 0-1/2');
    expect((await kami.db.auditLog.findMany({ where: { targetId: c.id, action: { startsWith: 'channel.ledger' } } })).map((a) => a.action).sort())
      .toEqual(['channel.ledger.adjustment', 'channel.ledger.deposit']);
    expect((await adminCall(kami, viewer, 'GET', `/channels/${c.id}`)).body.balances).toEqual([{ currency: 'USD', balanceMinor: 7_500 }]);
  });

  it('price tiers per product, in the product\'s currency, replaced as a whole and audited', async () => {
    const c = await createChannel();
    const product = await kami.product(1, { priceCents: 1000, currency: 'CNY' });
    const put = (tiers: unknown) => adminCall(kami, owner, 'PUT', `/channels/${c.id}/prices/${product.id}`, { body: { tiers } });
    expect((await put([{ minQuantity: 10, unitPriceMinor: 900 }, { minQuantity: 1, unitPriceMinor: 950 }])).body)
      .toEqual({ productId: product.id, currency: 'CNY', tiers: [{ minQuantity: 1, unitPriceMinor: 950 }, { minQuantity: 10, unitPriceMinor: 900 }] });
    const listed = (await adminCall(kami, viewer, 'GET', `/channels/${c.id}/prices`)).body.find((p: { productId: string }) => p.productId === product.id);
    expect(listed).toMatchObject({ currency: 'CNY', listPriceMinor: 1000, tiers: [{ minQuantity: 1, maxQuantity: 9, unitPriceMinor: 950 }, { minQuantity: 10, maxQuantity: null, unitPriceMinor: 900 }] });
    const dup = await put([{ minQuantity: 5, unitPriceMinor: 1 }, { minQuantity: 5, unitPriceMinor: 2 }]);
    expectError(dup, 400, 'invalid_request');
    expect(Object.keys(dup.body.error.details)).toEqual(['tiers.1.minQuantity']);
    expectError(await put([{ minQuantity: 1, unitPriceMinor: -1 }]), 400, 'invalid_request');
    expect(await kami.db.channelPrice.count({ where: { channelId: c.id } })).toBe(2);
    expect((await put([])).body.tiers).toEqual([]);
    expect(await kami.db.channelPrice.count({ where: { channelId: c.id } })).toBe(0);
    expect(await kami.db.auditLog.count({ where: { targetId: c.id, action: 'channel.prices.update' } })).toBe(2);
    expectError(await adminCall(kami, operator, 'PUT', `/channels/${c.id}/prices/${product.id}`, { body: { tiers: [] } }), 403, 'forbidden');
  });

  it('orders list and filter by channel and external id', async () => {
    const c = await createChannel();
    await adminCall(kami, owner, 'POST', `/channels/${c.id}/ledger`, { body: { amountCents: 10_000, currency: 'USD' } });
    const product = await kami.product(2, { priceCents: 100 });
    const placed = await partnerCall(kami, c, 'POST', '/api/v1/partner/orders', { body: { sku: product.sku, quantity: 1, externalOrderId: 'pos-77' } });
    expect(placed.status, placed.text).toBe(202);
    const list = await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { channelId: c.id, externalOrderId: 'pos-77' } })}`);
    expect(list.body).toEqual([expect.objectContaining({ id: placed.body.orderId, channelId: c.id, externalOrderId: 'pos-77', priceBreakdown: expect.objectContaining({ totalMinor: 100 }) })]);
    expect((await adminCall(kami, viewer, 'GET', `/orders${listQuery({ filter: { channelId: 'retail', id: placed.body.orderId } })}`)).body).toEqual([]);
  });
});
