import type { SmsConfig } from '../config.js';
import { aliyunSms } from './aliyun.js';
import type { SmsProvider } from './provider.js';
import { twilioSms } from './twilio.js';

export { SmsSendError, SMS_CALL_MAX_MS, type SmsProvider, type SmsSend } from './provider.js';

/** The configured SMS provider (KAMI_SMS_PROVIDER and its variables), or undefined when there is none. */
export function createSmsProvider(config: SmsConfig | undefined): SmsProvider | undefined {
  if (config?.provider === 'aliyun') return aliyunSms(config);
  if (config?.provider === 'twilio') return twilioSms(config);
  return undefined;
}
