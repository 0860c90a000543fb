import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { renderDeliveryEmail } from './delivery-email.js';
import { activityLog } from './log.js';
import { recordAlreadySent, recordDeliveryFailed, recordDeliverySent, takeDeliveryLease } from '../infra/delivery-store.js';
import { MAIL_HANDOFF_MAX_MS } from '../infra/mailer.js';
import { deliveryEmails } from '../infra/metrics.js';
import { buyerFieldsOf, labelledInput } from '../domain/product-types.js';

/** Longer than any one SMTP hand-off can take (the mailer's own timeouts end it first). */
const LEASE_MS = MAIL_HANDOFF_MAX_MS + 15_000;

export const createDeliveryActivities = ({ db, vault, mailer, publicUrl, log }: ActivityDeps) => ({
  /**
   * Emails the order's keys on `channel` (`email` for the first delivery, `resend-n` /
   * `replace-<keyId>` later) and records the order delivered. At most once in practice: the attempt
   * first takes the delivery's lease; a channel already sent answers with that send, and an attempt
   * retried while another still holds the lease (an overloaded worker outliving its timeout) waits
   * for it instead of mailing the buyer twice. The Message-ID is fixed per order and channel, so even
   * the rare resend after a crash between SMTP and the record is recognisably the same mail. Keys are
   * decrypted here and never leave this function.
   */
  async deliverKeys(orderId: string, channel = 'email'): Promise<{ attempts: number; messageId: string }> {
    const lease = await takeDeliveryLease(db, orderId, channel, LEASE_MS);
    if (!lease) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'OrderNotFound');
    if (lease.lease_id === null) {
      if (lease.prior_status === 'sent') {
        await recordAlreadySent(db, orderId);
        return { attempts: lease.prior_attempts!, messageId: lease.prior_message_id! };
      }
      throw new Error(`another attempt is handing order ${orderId}'s ${channel} mail to SMTP; waiting for it`);
    }
    const mail = renderDeliveryEmail({
      orderId,
      productName: lease.product_name,
      quantity: lease.quantity,
      guide: lease.guide,
      secrets: lease.keys.map((k) => vault.decrypt(Buffer.from(k, 'base64'), lease.product_id)),
      keyFormat: lease.key_format,
      buyerInput: labelledInput(buyerFieldsOf(lease.buyer_fields), lease.buyer_input),
      orderUrl: `${publicUrl}/orders/${orderId}?token=${vault.orderAccessToken(orderId)}`,
      replacement: channel.startsWith('replace-'),
    });
    const messageId = `<${orderId}.${channel}@kami>`;
    try {
      await mailer.send({ to: lease.email, messageId, ...mail });
    } catch (err) {
      deliveryEmails.inc({ result: 'failed' });
      const message = (err as Error).message;
      await recordDeliveryFailed(db, lease.lease_id, message);
      activityLog(log).warn({ channel, emailAttempt: lease.attempts, err: message }, 'delivery email failed; will retry');
      throw new Error(`SMTP: ${message}`);
    }
    deliveryEmails.inc({ result: 'sent' });
    await recordDeliverySent(db, orderId, lease.lease_id, messageId, channel === 'email' ? '' : channel, { to: lease.email, attempts: lease.attempts, channel });
    return { attempts: lease.attempts!, messageId };
  },
});
