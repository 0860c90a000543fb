import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { TWILIO, twilioEnv } from '../helpers/sms.js';

// A product's SMS settings through the panel's API, and what they mean at checkout. No worker runs.

let kami: Kami;
let twilio: FakeTwilio;
let operator: AdminSession;
beforeAll(async () => {
  twilio = await startFakeTwilio(TWILIO);
  kami = await startKami({ worker: false, env: twilioEnv(twilio) });
  operator = await loginAs(kami, 'operator');
});
afterAll(async () => {
  await kami?.stop();
  await twilio?.close();
});

const newProduct = (over: Record<string, unknown> = {}) => ({ sku: `SMS-${randomUUID().slice(0, 8)}`, name: 'Gift card', priceCents: 500, currency: 'USD', ...over });
const countBySku = (sku: string) => kami.db.product.count({ where: { sku } });

describe('SMS settings of a product', () => {
  it('the panel learns which provider it writes templates for, and never a credential', async () => {
    const res = await adminCall(kami, operator, 'GET', '/sms');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ provider: 'twilio', placeholders: ['order', 'product', 'keys', 'link'], textMax: 1600, paramsMax: 10, paramValueMax: 200 });
    expect(res.text).not.toContain(TWILIO.authToken);
  });

  it('refuses, field by field and writing nothing: keys the product does not allow, an unknown placeholder, no template, a text too long', async () => {
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ smsEnabled: true, smsText: 'Your key: {keys}' }, 400, 'invalid_sms_settings', 'smsText'],
      [{ smsEnabled: true, smsText: 'Order {orderId}: {link}' }, 400, 'invalid_sms_settings', 'smsText'],
      [{ smsEnabled: true }, 400, 'invalid_sms_settings', 'smsText'],
      [{ smsEnabled: true, smsText: 'Thanks!' }, 400, 'invalid_sms_settings', 'smsText'],
      [{ smsEnabled: true, smsText: `{link} ${'x'.repeat(1600)}` }, 400, 'invalid_request', 'smsText'],
      [{ smsTemplateParams: [{ name: 'code', value: '{keys}' }] }, 400, 'invalid_sms_settings', 'smsTemplateParams.0.value'],
    ];
    for (const [sms, status, code, field] of cases) {
      const body = newProduct(sms);
      const res = await adminCall(kami, operator, 'POST', '/products', { body });
      expect([res.status, res.body.error?.code], JSON.stringify(sms)).toEqual([status, code]);
      expect(Object.keys(res.body.error.details)).toEqual([field]);
      expect(await countBySku(body.sku)).toBe(0);
    }
    const keys = await adminCall(kami, operator, 'POST', '/products', { body: newProduct({ smsEnabled: true, smsText: 'Your key: {keys}' }) });
    expect(keys.body.error.details.smsText).toMatch(/does not allow: use \{link\}/);
  });

  it('saves a valid template; an edit is checked against what is stored, and a refused one changes nothing', async () => {
    const created = await adminCall(kami, operator, 'POST', '/products', { body: newProduct({ smsEnabled: true, smsKeysAllowed: true, smsText: '{product}: {keys}' }) });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ smsEnabled: true, smsKeysAllowed: true, smsText: '{product}: {keys}', smsTemplateCode: null, smsTemplateParams: null });
    const id = created.body.id as string;
    // the stored text puts keys in the SMS: keys cannot be disallowed without changing it
    const refused = await adminCall(kami, operator, 'PUT', `/products/${id}`, { body: { smsKeysAllowed: false } });
    expect([refused.status, refused.body.error.code, Object.keys(refused.body.error.details)]).toEqual([400, 'invalid_sms_settings', ['smsText']]);
    expect((await kami.db.product.findUniqueOrThrow({ where: { id } })).smsKeysAllowed).toBe(true);
    const both = await adminCall(kami, operator, 'PUT', `/products/${id}`, { body: { smsKeysAllowed: false, smsText: 'Order {order}: {link}' } });
    expect(both.status, both.text).toBe(200);
    // an Aliyun template kept for later is checked too; clearing it stores NULL
    const mapped = await adminCall(kami, operator, 'PUT', `/products/${id}`, { body: { smsTemplateCode: 'SMS_100200', smsTemplateParams: [{ name: 'url', value: '{link}' }] } });
    expect(mapped.body).toMatchObject({ smsTemplateCode: 'SMS_100200', smsTemplateParams: [{ name: 'url', value: '{link}' }] });
    const cleared = await adminCall(kami, operator, 'PUT', `/products/${id}`, { body: { smsTemplateCode: '', smsTemplateParams: null } });
    expect(cleared.body).toMatchObject({ smsTemplateCode: null, smsTemplateParams: null });
    const audit = await kami.db.auditLog.findFirst({ where: { action: 'product.update', targetId: id }, orderBy: { id: 'desc' } });
    expect(JSON.stringify(audit?.data)).toContain('smsTemplateCode');
  });
});

describe('checkout of a product delivered by SMS', () => {
  it('needs the buyer\'s phone from the moment SMS is turned on (400 phone_required, nothing placed), in E.164 as today', async () => {
    const created = await adminCall(kami, operator, 'POST', '/products', { body: newProduct({ smsText: 'Order {order}: {link}' }) });
    const { id, sku } = created.body as { id: string; sku: string };
    await adminCall(kami, operator, 'POST', '/keys/import', { body: { productId: id, label: 'sms', lines: [`K-${randomUUID()}`, `K-${randomUUID()}`, `K-${randomUUID()}`] } });
    // SMS off: a phone is optional; this also caches the product in the API process
    expect((await kami.checkout({ sku, quantity: 1, email: 'no-phone@example.com' })).status).toBe(201);

    const on = await adminCall(kami, operator, 'PUT', `/products/${id}`, { body: { smsEnabled: true } });
    expect(on.status, on.text).toBe(200);
    const orders = await kami.db.order.count({ where: { productId: id } });
    const refused = await kami.checkout({ sku, quantity: 1, email: 'no-phone@example.com' });
    expect(refused).toEqual({ status: 400, body: { error: { code: 'phone_required', message: expect.stringContaining('delivered by SMS'), details: { phone: expect.any(String) } } } });
    expect(await kami.db.order.count({ where: { productId: id } })).toBe(orders);
    expect(await kami.db.cardKey.count({ where: { productId: id, status: 'reserved' } })).toBe(1);

    expect((await kami.checkout({ sku, quantity: 1, email: 'bad-phone@example.com', phone: '12345' })).body.error.details).toHaveProperty('phone');
    const ok = await kami.checkout({ sku, quantity: 1, email: 'phone@example.com', phone: '+1 (415) 555-0199' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect((await kami.db.order.findUniqueOrThrow({ where: { id: ok.body.orderId } })).phone).toBe('+14155550199');

    // and off again: no phone needed
    await adminCall(kami, operator, 'PUT', `/products/${id}`, { body: { smsEnabled: false } });
    expect((await kami.checkout({ sku, quantity: 1, email: 'no-phone-again@example.com' })).status).toBe(201);
  });
});

describe('a shop without an SMS provider', () => {
  let plain: Kami;
  beforeAll(async () => { plain = await startKami({ worker: false }); });
  afterAll(() => plain?.stop());

  it('cannot turn SMS on (the panel says why), and keeps a template for later', async () => {
    const session = await loginAs(plain, 'operator');
    expect((await adminCall(plain, session, 'GET', '/sms')).body.provider).toBeNull();
    const body = newProduct({ smsEnabled: true, smsText: 'Order {order}: {link}' });
    const res = await adminCall(plain, session, 'POST', '/products', { body });
    expect([res.status, res.body.error.details]).toEqual([400, { smsEnabled: expect.stringContaining('KAMI_SMS_PROVIDER') }]);
    expect(await plain.db.product.count({ where: { sku: body.sku } })).toBe(0);
    expect((await adminCall(plain, session, 'POST', '/products', { body: { ...body, smsEnabled: false } })).status).toBe(201);
  });
});
