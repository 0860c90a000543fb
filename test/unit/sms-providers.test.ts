import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { acs3Authorization, aliyunPhoneNumber, aliyunSms } from '../../infra/sms/aliyun.js';
import { createSmsProvider, SmsSendError, type SmsProvider } from '../../infra/sms/index.js';
import { twilioSms } from '../../infra/sms/twilio.js';
import { acs3Signature, startFakeAliyunSms, type FakeAliyunSms } from '../fakes/aliyun-sms.js';
import { startFakeTwilio, TWILIO_INVALID_NUMBER, type FakeTwilio } from '../fakes/twilio.js';

const ALIYUN = { accessKeyId: 'LTAI5tTestKeyId01', accessKeySecret: 'aliyun-secret-0123456789abcdef', signName: 'Kami测试' };
const TWILIO = { accountSid: `AC${'a1'.repeat(16)}`, authToken: 'f00dfeedcafe0123456789abcdef4321', from: '+15005550006' };
const TEMPLATE = { templateCode: 'SMS_154950909', params: { order: 'ord_1', url: 'https://shop.example/orders/ord_1?token=t0k3n' } };

/** The send's SmsSendError (or a failure of the test when it resolved). */
async function refusal(p: Promise<unknown>): Promise<SmsSendError> {
  const err = await p.then(() => new Error('it was sent'), (e: unknown) => e);
  expect(err).toBeInstanceOf(SmsSendError);
  return err as SmsSendError;
}

describe('Alibaba Cloud V3 signature (ACS3-HMAC-SHA256)', () => {
  // Alibaba Cloud's own worked example ("V3 版本请求体&签名机制"): its Authorization ends in this signature
  const DOC = {
    method: 'POST', path: '/', query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: {
      host: 'ecs.cn-shanghai.aliyuncs.com', 'x-acs-action': 'RunInstances', 'x-acs-version': '2014-05-26', 'x-acs-date': '2023-10-26T09:01:01Z',
      'x-acs-signature-nonce': 'd410180a5abf7fe235dd9b74aca91fc0', 'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
    body: '',
  };
  const SIGNATURE = 'e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804';

  it('Kami\'s signer gives the documented example\'s signature', () => {
    expect(acs3Authorization(DOC, 'YourAccessKeyId', 'YourAccessKeySecret')).toBe(
      `ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=${SIGNATURE}`);
  });

  it('and so does the fake\'s own verifier, which shares nothing with it', () => {
    expect(acs3Signature('YourAccessKeySecret', {
      method: 'POST', path: '/', query: Object.entries(DOC.query), headers: DOC.headers, signedHeaders: Object.keys(DOC.headers).sort(), body: '',
    })).toBe(SIGNATURE);
  });

  it('sends mainland numbers as their 11 digits and others with their country code, without +', () => {
    expect(aliyunPhoneNumber('+8613800138000')).toBe('13800138000');
    expect(aliyunPhoneNumber('+85291234567')).toBe('85291234567');
  });
});

describe('Alibaba Cloud SMS against its fake', () => {
  let fake: FakeAliyunSms;
  let sms: SmsProvider;
  beforeAll(async () => {
    fake = await startFakeAliyunSms({ ...ALIYUN, templates: { SMS_154950909: ['order', 'url'] } });
    sms = aliyunSms({ ...ALIYUN, endpoint: fake.endpoint });
  });
  afterAll(() => fake?.close());

  it('sends a signed SendSms the fake verifies, and answers its BizId', async () => {
    const { messageId } = await sms.send({ to: '+8613800138000', message: TEMPLATE, reference: 'ord_1.sms' });
    expect(messageId).toMatch(/^\d+\^0$/);
    expect(fake.messages.at(-1)).toMatchObject({
      bizId: messageId, phoneNumbers: '13800138000', signName: ALIYUN.signName, templateCode: TEMPLATE.templateCode, params: TEMPLATE.params, outId: 'ord_1.sms',
    });
    expect(fake.requests.at(-1)).toEqual({ code: 'OK', signed: true });
  });

  it('is refused by the fake when signed with another secret (retried: a person fixes credentials), never saying the secret', async () => {
    const forged = aliyunSms({ ...ALIYUN, accessKeySecret: 'not-the-secret-0123456789', endpoint: fake.endpoint });
    const err = await refusal(forged.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }));
    expect(err).toMatchObject({ kind: 'retryable', code: 'SignatureDoesNotMatch' });
    expect(err.message).not.toContain('not-the-secret');
    expect(fake.requests.at(-1)).toEqual({ code: 'SignatureDoesNotMatch', signed: false });
    const stranger = aliyunSms({ ...ALIYUN, accessKeyId: 'LTAI5tSomeoneElse', endpoint: fake.endpoint });
    expect(await refusal(stranger.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' });
  });

  it('classifies Alibaba\'s answers: flow control and outages are retried, an invalid number is final', async () => {
    fake.fail({ kind: 'flow_control' });
    expect(await refusal(sms.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }))).toMatchObject({ kind: 'retryable', code: 'isv.BUSINESS_LIMIT_CONTROL' });
    fake.fail({ kind: 'server_error' });
    expect(await refusal(sms.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }))).toMatchObject({ kind: 'retryable', code: 'ServiceUnavailable' });
    expect(await refusal(sms.send({ to: '+8612345', message: TEMPLATE, reference: 'r' }))).toMatchObject({ kind: 'permanent', code: 'isv.MOBILE_NUMBER_ILLEGAL' });
    expect(await refusal(sms.send({ to: '+8613800138000', message: { templateCode: 'SMS_1', params: {} }, reference: 'r' }))).toMatchObject({ kind: 'retryable', code: 'isv.SMS_TEMPLATE_ILLEGAL' });
    expect(await refusal(sms.send({ to: '+8613800138000', message: { ...TEMPLATE, params: { order: 'x' } }, reference: 'r' })))
      .toMatchObject({ kind: 'retryable', code: 'isv.TEMPLATE_MISSING_PARAMETERS' });
  });

  it('a connection dropped once the request left may have sent it: unknown, never retried by itself', async () => {
    const before = fake.messages.length;
    fake.fail({ kind: 'drop_after' });
    expect(await refusal(sms.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }))).toMatchObject({ kind: 'unknown' });
    expect(fake.messages).toHaveLength(before + 1);
    fake.fail({ kind: 'drop_before' });
    expect(await refusal(sms.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }))).toMatchObject({ kind: 'unknown' });
    expect(fake.messages).toHaveLength(before + 1);
  });

  it('a provider that cannot be reached at all was not sent anything: retried', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const away = aliyunSms({ ...ALIYUN, endpoint: `http://127.0.0.1:${port}` });
    expect(await refusal(away.send({ to: '+8613800138000', message: TEMPLATE, reference: 'r' }))).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED' });
  });
});

describe('Twilio against its fake', () => {
  let fake: FakeTwilio;
  let sms: SmsProvider;
  beforeAll(async () => {
    fake = await startFakeTwilio({ ...TWILIO, messagingServiceSid: `MG${'b2'.repeat(16)}` });
    sms = twilioSms({ ...TWILIO, apiBase: fake.apiBase });
  });
  afterAll(() => fake?.close());

  it('posts the message with basic auth and answers its sid; or through a Messaging Service', async () => {
    const { messageId } = await sms.send({ to: '+14155550100', message: { text: 'Your key: {…}' }, reference: 'r' });
    expect(messageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.messages.at(-1)).toMatchObject({ sid: messageId, to: '+14155550100', from: TWILIO.from, body: 'Your key: {…}', messagingServiceSid: null });
    const viaService = twilioSms({ ...TWILIO, from: undefined, messagingServiceSid: `MG${'b2'.repeat(16)}`, apiBase: fake.apiBase });
    await viaService.send({ to: '+14155550100', message: { text: 'hi' }, reference: 'r' });
    expect(fake.messages.at(-1)).toMatchObject({ from: null, messagingServiceSid: `MG${'b2'.repeat(16)}` });
  });

  it('is refused with a wrong token (20003, retried: a person fixes credentials), never saying it', async () => {
    const wrong = twilioSms({ ...TWILIO, authToken: 'wrongtoken0123456789abcdef012345', apiBase: fake.apiBase });
    const err = await refusal(wrong.send({ to: '+14155550100', message: { text: 'x' }, reference: 'r' }));
    expect(err).toMatchObject({ kind: 'retryable', code: '20003' });
    expect(err.message).not.toContain('wrongtoken');
    expect(fake.requests.at(-1)).toMatchObject({ authorized: false, answered: 401 });
  });

  it('classifies Twilio\'s answers: 20429 and 5xx are retried; an invalid number or a body too long are final', async () => {
    fake.fail({ kind: 'rate_limit' });
    expect(await refusal(sms.send({ to: '+14155550100', message: { text: 'x' }, reference: 'r' }))).toMatchObject({ kind: 'retryable', code: '20429' });
    fake.fail({ kind: 'server_error' });
    expect(await refusal(sms.send({ to: '+14155550100', message: { text: 'x' }, reference: 'r' }))).toMatchObject({ kind: 'retryable', code: '20500' });
    expect(await refusal(sms.send({ to: TWILIO_INVALID_NUMBER, message: { text: 'x' }, reference: 'r' }))).toMatchObject({ kind: 'permanent', code: '21211' });
    expect(await refusal(sms.send({ to: '+14155550100', message: { text: 'x'.repeat(1601) }, reference: 'r' }))).toMatchObject({ kind: 'permanent', code: '21617' });
  });

  it('a dropped connection is unknown: the fake took the message', async () => {
    const before = fake.messages.length;
    fake.fail({ kind: 'drop_after' });
    expect(await refusal(sms.send({ to: '+14155550100', message: { text: 'x' }, reference: 'r' }))).toMatchObject({ kind: 'unknown' });
    expect(fake.messages).toHaveLength(before + 1);
  });
});

describe('SMS configuration', () => {
  const base = { NODE_ENV: 'test', KAMI_MASTER_KEY: '0'.repeat(64) };
  it('is off by default, and names what the chosen provider lacks without echoing a secret', () => {
    expect(loadConfig(base).sms).toBeUndefined();
    expect(createSmsProvider(loadConfig(base).sms)).toBeUndefined();
    expect(() => loadConfig({ ...base, KAMI_SMS_PROVIDER: 'aliyun', KAMI_SMS_ALIYUN_ACCESS_KEY_SECRET: 'secret-value-0123456789' }))
      .toThrow(/KAMI_SMS_ALIYUN_ACCESS_KEY_ID[\s\S]*KAMI_SMS_ALIYUN_SIGN_NAME/);
    let message = '';
    try { loadConfig({ ...base, KAMI_SMS_PROVIDER: 'twilio', KAMI_SMS_TWILIO_ACCOUNT_SID: TWILIO.accountSid, KAMI_SMS_TWILIO_AUTH_TOKEN: 'short!' }); } catch (err) { message = (err as Error).message; }
    expect(message).toMatch(/KAMI_SMS_TWILIO_AUTH_TOKEN/);
    expect(message).toMatch(/KAMI_SMS_TWILIO_FROM/);
    expect(message).not.toContain('short!');
    expect(() => loadConfig({ ...base, KAMI_SMS_PROVIDER: 'twilio', KAMI_SMS_TWILIO_ACCOUNT_SID: TWILIO.accountSid, KAMI_SMS_TWILIO_AUTH_TOKEN: TWILIO.authToken, KAMI_SMS_TWILIO_FROM: TWILIO.from, KAMI_SMS_TWILIO_API_BASE: 'http://api.example.com' }))
      .toThrow(/use https:[\s\S]*KAMI_SMS_TWILIO_API_BASE/);
  });

  it('builds the chosen provider', () => {
    const config = loadConfig({ ...base, KAMI_SMS_PROVIDER: 'twilio', KAMI_SMS_TWILIO_ACCOUNT_SID: TWILIO.accountSid, KAMI_SMS_TWILIO_AUTH_TOKEN: TWILIO.authToken, KAMI_SMS_TWILIO_FROM: TWILIO.from });
    expect(config.sms).toEqual({ provider: 'twilio', accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, from: TWILIO.from, apiBase: 'https://api.twilio.com' });
    expect(createSmsProvider(config.sms)?.name).toBe('twilio');
    expect(createSmsProvider(loadConfig({ ...base, KAMI_SMS_PROVIDER: 'aliyun', KAMI_SMS_ALIYUN_ACCESS_KEY_ID: ALIYUN.accessKeyId, KAMI_SMS_ALIYUN_ACCESS_KEY_SECRET: ALIYUN.accessKeySecret, KAMI_SMS_ALIYUN_SIGN_NAME: ALIYUN.signName }).sms)?.name).toBe('aliyun');
  });
});
