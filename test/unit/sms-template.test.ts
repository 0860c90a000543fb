import { describe, expect, it } from 'vitest';
import { ProductInput, ProductUpdate } from '../../domain/admin-schemas.js';
import { placeholdersIn, renderSms, smsCarriesKeys, smsSettingsProblems, SmsTemplateError, SMS_TEXT_MAX, type SmsSettings } from '../../domain/sms.js';

const OFF: SmsSettings = { smsEnabled: false, smsKeysAllowed: false, smsText: null, smsTemplateCode: null, smsTemplateParams: null };
const twilio = (text: string, over: Partial<SmsSettings> = {}): SmsSettings => ({ ...OFF, smsEnabled: true, smsText: text, ...over });
const aliyun = (params: [string, string][], over: Partial<SmsSettings> = {}): SmsSettings =>
  ({ ...OFF, smsEnabled: true, smsTemplateCode: 'SMS_154950909', smsTemplateParams: params.map(([name, value]) => ({ name, value })), ...over });
const VALUES = { order: 'ord_1', product: 'Steam 10', keys: ['AAAA-1111', 'BBBB-2222'], link: 'https://shop.example/orders/ord_1?token=t0k3n' };

describe('SMS templates', () => {
  it('reads placeholders, unknown ones included', () => {
    expect(placeholdersIn('Order {order}: {keys} {nope} {}')).toEqual(['order', 'keys', 'nope', '']);
  });

  it('accepts a Twilio text with the link, and an Aliyun template whose variables carry it', () => {
    expect(smsSettingsProblems(twilio('Your {product} (order {order}): {link}'), 'twilio')).toEqual({});
    expect(smsSettingsProblems(aliyun([['order', '{order}'], ['url', '{link}']]), 'aliyun')).toEqual({});
    expect(smsSettingsProblems(OFF, null)).toEqual({});
  });

  it('refuses an unknown placeholder, naming the ones there are', () => {
    expect(smsSettingsProblems(twilio('Order {orderId}: {link}'), 'twilio')).toEqual({ smsText: 'unknown placeholder {orderId}; use {order}, {product}, {keys}, {link}' });
    expect(smsSettingsProblems(aliyun([['code', '{code}'], ['url', '{link}']]), 'aliyun')).toEqual({ 'smsTemplateParams.0.value': expect.stringContaining('unknown placeholder {code}') });
  });

  it('refuses keys in an SMS unless the product allows them, whichever provider is on and even while SMS is off', () => {
    const keysText = twilio('{keys}');
    expect(smsSettingsProblems(keysText, 'twilio').smsText).toMatch(/puts the keys in the SMS, which this product does not allow/);
    expect(smsSettingsProblems({ ...keysText, smsEnabled: false }, 'aliyun').smsText).toMatch(/does not allow/);
    expect(smsSettingsProblems(aliyun([['code', '{keys}']]), 'aliyun')['smsTemplateParams.0.value']).toMatch(/does not allow/);
    expect(smsSettingsProblems(twilio('{keys}', { smsKeysAllowed: true }), 'twilio')).toEqual({});
  });

  it('refuses turning SMS on without a provider, or without the template the provider sends', () => {
    expect(smsSettingsProblems(twilio('{link}'), null)).toEqual({ smsEnabled: expect.stringContaining('KAMI_SMS_PROVIDER') });
    expect(smsSettingsProblems({ ...OFF, smsEnabled: true }, 'twilio')).toEqual({ smsText: expect.stringContaining('write the message') });
    expect(smsSettingsProblems({ ...OFF, smsEnabled: true }, 'aliyun')).toEqual({
      smsTemplateCode: expect.stringContaining('SMS_'), smsTemplateParams: expect.stringContaining('map the template'),
    });
    // an SMS that delivers nothing is refused: it must carry the link or the keys
    expect(smsSettingsProblems(twilio('Thanks for order {order}'), 'twilio').smsText).toMatch(/must carry \{link\}/);
    expect(smsSettingsProblems(aliyun([['order', '{order}']]), 'aliyun').smsTemplateParams).toMatch(/carry \{link\}/);
    expect(smsSettingsProblems(aliyun([['a', '{link}'], ['a', '{order}']]), 'aliyun')).toEqual({ 'smsTemplateParams.1.name': '${a} is mapped twice' });
  });

  it('holds inputs to their limits and shapes', () => {
    const base = { sku: 'S-1', name: 'n', priceCents: 100, currency: 'USD' };
    expect(ProductInput.safeParse({ ...base, smsText: 'x'.repeat(SMS_TEXT_MAX + 1) }).error?.issues[0]?.message).toMatch(/at most 1600/);
    expect(ProductInput.safeParse({ ...base, smsTemplateCode: 'TPL_1' }).error?.issues[0]?.path).toEqual(['smsTemplateCode']);
    expect(ProductInput.safeParse({ ...base, smsTemplateParams: [{ name: '1abc', value: '{link}' }] }).success).toBe(false);
    expect(ProductInput.safeParse({ ...base, smsTemplateParams: Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, value: '{order}' })) }).success).toBe(false);
    // a form's emptied field is null (cleared), not an empty template
    expect(ProductUpdate.parse({ smsText: '  ', smsTemplateCode: '' })).toEqual({ smsText: null, smsTemplateCode: null });
  });

  it('fills a Twilio text once (a value that looks like a placeholder stays as it is), keys one a line', () => {
    const settings = twilio('{product} order {order}:\n{keys}\n{link}', { smsKeysAllowed: true });
    expect(renderSms(settings, 'twilio', { ...VALUES, product: 'Odd {keys} name' })).toEqual({
      text: `Odd {keys} name order ord_1:\nAAAA-1111\nBBBB-2222\n${VALUES.link}`,
    });
    expect(smsCarriesKeys(settings, 'twilio')).toBe(true);
    expect(smsCarriesKeys(twilio('{link}'), 'twilio')).toBe(false);
  });

  it('fills an Aliyun template\'s variables', () => {
    expect(renderSms(aliyun([['order', 'No.{order}'], ['url', '{link}']]), 'aliyun', VALUES)).toEqual({
      templateCode: 'SMS_154950909', params: { order: 'No.ord_1', url: VALUES.link },
    });
  });

  it('never sends settings it would refuse, nor a text longer than Twilio takes, and says so without the keys', () => {
    expect(() => renderSms(twilio('{keys}'), 'twilio', VALUES)).toThrow(SmsTemplateError);
    expect(() => renderSms(aliyun([['u', '{link}']]), 'twilio', VALUES)).toThrow(/write the message/);
    const long = twilio('{keys}', { smsKeysAllowed: true });
    const keys = Array.from({ length: 100 }, (_, i) => `SECRET-KEY-${i}-${'x'.repeat(10)}`);
    let error: Error | undefined;
    try { renderSms(long, 'twilio', { ...VALUES, keys }); } catch (err) { error = err as Error; }
    expect(error?.message).toMatch(/Twilio sends at most 1600: send \{link\} instead of \{keys\}/);
    expect(error?.message).not.toContain('SECRET-KEY');
  });
});
