import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { renderDeliveryEmail } from './delivery-email.js';
import { appendEvent, readOrderSecrets } from '../infra/order-store.js';

export const createDeliveryActivities = ({ db, vault, mailer, publicUrl, log }: ActivityDeps) => ({
  /**
   * Idempotent on (orderId, channel): once the delivery row says sent, a retry sends nothing. The
   * channel is `email` for the first delivery, `resend-n` / `replace-<keyId>` for later ones. The
   * Message-ID is fixed per order and channel, so the rare resend after a crash between SMTP and the row update
   * is recognisable as the same mail. Keys are decrypted here and never leave this function.
   */
  async sendDeliveryEmail(orderId: string, channel = 'email'): Promise<{ attempts: number; messageId: string }> {
    const sent = await db.delivery.findUnique({ where: { orderId_channel: { orderId, channel } } });
    if (sent?.status === 'sent' && sent.messageId) return { attempts: sent.attempts, messageId: sent.messageId };
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { product: true } });
    const row = await db.delivery.upsert({
      where: { orderId_channel: { orderId, channel } },
      create: { orderId, channel, recipient: order.email, status: 'pending', attempts: 1 },
      update: { attempts: { increment: 1 } },
    });

    const secrets = await readOrderSecrets(db, vault, orderId);
    const mail = renderDeliveryEmail({
      orderId,
      productName: order.product.name,
      quantity: order.quantity,
      guide: order.product.guide,
      secrets: secrets.map((s) => s.secret),
      orderUrl: `${publicUrl}/orders/${orderId}?token=${vault.orderAccessToken(orderId)}`,
      replacement: channel.startsWith('replace-'),
    });
    const messageId = `<${orderId}.${channel}@kami>`;
    try {
      await mailer.send({ to: order.email, messageId, ...mail });
    } catch (err) {
      const message = (err as Error).message;
      await db.delivery.update({ where: { id: row.id }, data: { status: 'retrying', lastError: message } });
      log.warn({ orderId, attempt: Context.current().info.attempt, err: message }, 'delivery email failed; will retry');
      throw new Error(`SMTP: ${message}`);
    }
    await db.delivery.update({ where: { id: row.id }, data: { status: 'sent', messageId, sentAt: new Date(), lastError: null } });
    await appendEvent(db, orderId, 'email_sent', { to: order.email, attempts: row.attempts, channel }, { step: channel === 'email' ? '' : channel });
    return { attempts: row.attempts, messageId };
  },
});
