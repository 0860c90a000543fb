/**
 * An order's delivery channels, one delivery row each (infra/delivery-store.ts): email's are `email`,
 * `resend-n` and `replace-<keyId>`; the SMS's are `sms`, then `sms-resend-n` for an operator's resend.
 * Kept apart from domain/sms.ts: the workflows import this, and nothing more.
 */
export const SMS_CHANNEL = 'sms';

export const isSmsChannel = (channel: string) => channel === SMS_CHANNEL || channel.startsWith(`${SMS_CHANNEL}-`);

/** The channel of the n-th SMS resend; `n` counts the order's SMS deliveries so far, so each is new. */
export const smsResendChannel = (n: number) => `${SMS_CHANNEL}-resend-${n}`;
