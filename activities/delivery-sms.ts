import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { activityLog } from './log.js';
import { SMS_CHANNEL } from '../domain/delivery-channels.js';
import { renderSms, smsCarriesKeys, SmsTemplateError, type SmsMessage, type SmsSettings } from '../domain/sms.js';
import { deliverySms } from '../infra/metrics.js';
import { recordSmsFailed, recordSmsGaveUp, recordSmsSent, takeSmsLease, type SmsLease } from '../infra/sms-delivery-store.js';
import { SMS_CALL_MAX_MS, SmsSendError } from '../infra/sms/index.js';

/**
 * Longer than one call to the provider can take (its own timeout ends it first), shorter than the
 * activity's start-to-close timeout (workflows/steps.ts): a retry never starts while an attempt may
 * still be talking to the provider, and one that finds the lease run out knows that attempt died.
 */
const LEASE_MS = SMS_CALL_MAX_MS + 5_000;

/** Replaces every secret in a provider's words (which could echo what it was sent) before they are stored or logged. */
const scrub = (text: string, secrets: string[]) => secrets.filter(Boolean).reduce((t, s) => t.split(s).join('[redacted]'), text);

const settingsOf = (l: SmsLease): SmsSettings => ({
  smsEnabled: l.sms_enabled, smsKeysAllowed: l.sms_keys_allowed, smsText: l.sms_text,
  smsTemplateCode: l.sms_template_code, smsTemplateParams: l.sms_template_params,
});

export const createSmsDeliveryActivities = ({ db, vault, sms, publicUrl, log }: ActivityDeps) => {
  /** Ends an attempt unsent (or unsure), recorded and told; only `retrying` is thrown to be retried. */
  async function fail(lease: SmsLease, channel: string, err: SmsSendError, secrets: string[]): Promise<never> {
    const words = scrub(err.message, secrets);
    const status = err.kind === 'retryable' ? 'retrying' : err.kind === 'permanent' ? 'failed' : 'unknown';
    deliverySms.inc({ provider: sms?.name ?? 'none', result: status });
    await recordSmsFailed(db, lease.lease_id!, words, status, err.kind === 'retryable' ? 'retrying' : err.kind);
    activityLog(log).warn({ channel, smsAttempt: lease.attempts, provider: sms?.name, code: err.code, outcome: status }, 'delivery SMS failed');
    if (err.kind === 'retryable') throw new Error(`SMS: ${words}`);
    throw ApplicationFailure.nonRetryable(`SMS: ${words}`, err.kind === 'permanent' ? 'SmsRefused' : 'SmsOutcomeUnknown');
  }

  return {
    /**
     * Texts the buyer on `channel` (`sms` beside the first email, `sms-resend-n` when an operator asks)
     * with the product's template: the keys where the product allows them, else the order page's link.
     * At most once per order and channel: the attempt takes the channel's lease; one already sent
     * answers with that send; one that may have been sent (no answer, or an attempt that died
     * mid-send) is never sent again by itself. The provider saying it did not send it is retried
     * (thrown); a refusal for good is recorded and not retried. Keys and the link are decrypted and
     * filled in here, and never leave this function: the text is neither logged nor stored.
     */
    async deliverSms(orderId: string, channel: string = SMS_CHANNEL): Promise<{ attempts: number; messageId: string }> {
      const lease = await takeSmsLease(db, orderId, channel, LEASE_MS, sms?.name ?? null);
      if (!lease) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'OrderNotFound');
      if (lease.lease_id === null) {
        if (lease.lease_status === 'unknown') {
          deliverySms.inc({ provider: sms?.name ?? 'none', result: 'unknown' });
          throw ApplicationFailure.nonRetryable(`the ${channel} of order ${orderId} may have been sent by an attempt that stopped; not sent again`, 'SmsOutcomeUnknown');
        }
        if (lease.prior_status === 'sent') return { attempts: lease.prior_attempts!, messageId: lease.prior_message_id! };
        if (lease.phone === null) throw ApplicationFailure.nonRetryable(`order ${orderId} has no phone number to text`, 'SmsRefused');
        if (lease.prior_status === 'failed' || lease.prior_status === 'unknown') {
          throw ApplicationFailure.nonRetryable(`the ${channel} of order ${orderId} ended ${lease.prior_status}; an operator may resend it`, 'SmsRefused');
        }
        throw new Error(`another attempt is sending order ${orderId}'s ${channel}; waiting for it`);
      }
      if (!sms) return fail(lease, channel, new SmsSendError('permanent', 'not_configured', 'no SMS provider is configured (KAMI_SMS_PROVIDER)'), []);

      const settings = settingsOf(lease);
      const secrets: string[] = [];
      let message: SmsMessage;
      let keysIncluded = false;
      try {
        const keys = smsCarriesKeys(settings, sms.name) ? lease.keys.map((k) => vault.decrypt(Buffer.from(k, 'base64'), lease.product_id)) : [];
        const token = vault.orderAccessToken(orderId);
        secrets.push(...keys, token);
        keysIncluded = keys.length > 0;
        message = renderSms(settings, sms.name, { order: orderId, product: lease.product_name, keys, link: `${publicUrl}/orders/${orderId}?token=${token}` });
      } catch (err) {
        // nothing went out: a template the merchant must change is final, anything else gives the lease back for a retry
        return fail(lease, channel, err instanceof SmsTemplateError ? new SmsSendError('permanent', 'template', err.message)
          : new SmsSendError('retryable', 'internal', `could not prepare the message: ${(err as Error).message}`), secrets);
      }
      let messageId: string;
      try {
        ({ messageId } = await sms.send({ to: lease.phone!, message, reference: `${orderId}.${channel}` }));
      } catch (err) {
        // anything but the provider's classified answer happened after the request may have left
        return fail(lease, channel, err instanceof SmsSendError ? err : new SmsSendError('unknown', 'error', 'the send failed unexpectedly: it may have been sent'), secrets);
      }
      deliverySms.inc({ provider: sms.name, result: 'sent' });
      await recordSmsSent(db, lease.lease_id, messageId, {
        provider: sms.name, messageId, template: 'templateCode' in message ? message.templateCode : 'text', keysIncluded,
      });
      return { attempts: lease.attempts!, messageId };
    },

    /** The order's run stopped retrying the channel (its give-up period ran out): recorded and told. Idempotent. */
    async recordSmsGaveUp(orderId: string, channel: string): Promise<void> {
      await recordSmsGaveUp(db, orderId, channel);
    },
  };
};
