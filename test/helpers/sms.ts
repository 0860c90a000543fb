import type { Prisma } from '../../infra/db.js';
import type { FakeAliyunSms } from '../fakes/aliyun-sms.js';
import type { FakeTwilio } from '../fakes/twilio.js';
import type { Kami } from './kami.js';

/** The credentials the fakes are started with and Kami is configured with. */
export const TWILIO = { accountSid: `AC${'5e'.repeat(16)}`, authToken: 'a9f3c2e1d0b8a7f6e5d4c3b2a1f0e9d8', from: '+15005550006' };
export const ALIYUN = { accessKeyId: 'LTAI5tKamiTest0001', accessKeySecret: 'kami-aliyun-secret-7f3e9a1c5b2d', signName: '卡密商店' };
/** An approved Aliyun template and its variables, as the fake knows it. */
export const ALIYUN_TEMPLATE = { code: 'SMS_465102938', vars: ['order', 'content'] };

/** Kami's environment for the fake Twilio. */
export const twilioEnv = (fake: FakeTwilio) => ({
  KAMI_SMS_PROVIDER: 'twilio', KAMI_SMS_TWILIO_ACCOUNT_SID: TWILIO.accountSid, KAMI_SMS_TWILIO_AUTH_TOKEN: TWILIO.authToken,
  KAMI_SMS_TWILIO_FROM: TWILIO.from, KAMI_SMS_TWILIO_API_BASE: fake.apiBase,
});

/** Kami's environment for the fake Alibaba Cloud SMS. */
export const aliyunEnv = (fake: FakeAliyunSms) => ({
  KAMI_SMS_PROVIDER: 'aliyun', KAMI_SMS_ALIYUN_ACCESS_KEY_ID: ALIYUN.accessKeyId, KAMI_SMS_ALIYUN_ACCESS_KEY_SECRET: ALIYUN.accessKeySecret,
  KAMI_SMS_ALIYUN_SIGN_NAME: ALIYUN.signName, KAMI_SMS_ALIYUN_ENDPOINT: fake.endpoint,
});

/** A product with `stock` keys whose buyers are texted as `sms` says (stored as the panel stores it). */
export async function smsProduct(kami: Kami, stock: number, sms: Partial<Prisma.ProductUpdateInput> = {}) {
  const product = await kami.product(stock);
  await kami.db.product.update({ where: { id: product.id }, data: { smsEnabled: true, rulesVersion: { increment: 1 }, ...sms } });
  return product;
}

/** A fresh buyer phone number in E.164 (+1 415 555 01xx, valid for libphonenumber). */
export const usPhone = () => `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
