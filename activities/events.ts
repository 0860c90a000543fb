import { ApplicationFailure } from '@temporalio/activity';
import { roleAtLeast, type Role } from '../domain/admin-schemas.js';
import type { NoticeKind } from '../domain/events.js';
import { signingCredential } from '../infra/channels/credentials.js';
import type { Prisma } from '../infra/db.js';
import { noticeEmail, noticeTelegram, type NoticeData } from '../infra/events/notice-text.js';
import { postWebhook, type PostResult } from '../infra/events/webhook-post.js';
import { readOrderSecrets } from '../infra/order-store.js';
import { telegramFailure } from '../infra/telegram/bot.js';
import type { ActivityDeps } from './deps.js';
import { activityLog } from './log.js';

/** A delivery that must stop trying: its endpoint was disabled or removed, its operator unlinked. */
const cancelled = (message: string) => ApplicationFailure.nonRetryable(message, 'OutboundCancelled');

export const createEventActivities = ({ db, vault, mailer, log, publicUrl, outbound, telegram }: ActivityDeps) => ({
  /**
   * One try of a webhook delivery: signs the event's JSON with the channel's newest live key and POSTs
   * it, then records the try (status, latency, error, the answer's start). The keys of an
   * order.delivered are read and decrypted here, only for an endpoint opted in, and leave this function
   * only in the request body: never in the database, a log line or the run's history. Idempotent: a
   * delivery recorded delivered is not sent again. Throws (to be retried) unless the answer is a 2xx.
   */
  async sendWebhook(deliveryId: number): Promise<void> {
    const [taken] = await db.$queryRaw<{ attempts: number }[]>`
      UPDATE webhook_delivery SET attempts = attempts + 1, updated_at = now() WHERE id = ${deliveryId} AND status <> 'delivered' RETURNING attempts`;
    if (!taken) return;
    const d = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { endpoint: true, event: true } });
    const startedAt = new Date();
    let result: PostResult;
    if (d.endpoint.disabled) {
      result = { ok: false, statusCode: null, error: 'the endpoint is disabled', excerpt: null, durationMs: 0 };
    } else {
      const key = await signingCredential(db, vault, d.endpoint.channelId);
      if (!key) {
        result = { ok: false, statusCode: null, error: 'the channel has no live API key to sign webhooks with; issue one', excerpt: null, durationMs: 0 };
      } else {
        const data = { ...(d.event.data as Record<string, unknown>) };
        if (d.endpoint.includeKeys && d.event.orderId && (d.event.type === 'order.delivered' || d.event.type === 'order.part_delivered')) {
          const keys = await readOrderSecrets(db, vault, d.event.orderId);
          // a part carries the keys it sold (their ids, never their text, are in the stored event)
          const part = d.event.type === 'order.part_delivered' ? new Set(data.keyIds as number[]) : undefined;
          data.keys = keys.filter((k) => !part || part.has(k.id)).map((k) => k.secret);
        }
        const body = JSON.stringify({ id: d.event.id, type: d.event.type, createdAt: d.event.occurredAt.toISOString(), data });
        result = await postWebhook(d.endpoint.url, body, { 'kami-event-id': d.event.id, 'kami-event-type': d.event.type }, key, outbound.timeoutMs);
      }
    }
    await db.$transaction([
      db.webhookAttempt.create({
        data: { deliveryId, n: taken.attempts, startedAt, durationMs: result.durationMs, statusCode: result.statusCode, error: result.error, responseExcerpt: result.excerpt },
      }),
      db.webhookDelivery.update({
        where: { id: deliveryId },
        data: result.ok
          ? { status: 'delivered', deliveredAt: new Date(), lastStatusCode: result.statusCode, lastError: null }
          : { status: 'retrying', lastStatusCode: result.statusCode, lastError: result.error },
      }),
    ]);
    if (result.ok) return;
    if (d.endpoint.disabled) throw cancelled('the endpoint was disabled');
    // the endpoint's URL is not quoted: a receiver may keep a token in its query string
    activityLog(log).warn({ deliveryId, endpointId: d.endpointId, attempt: taken.attempts, error: result.error }, 'webhook delivery failed; retrying');
    throw new Error(`endpoint #${d.endpointId}: ${result.error}`);
  },

  /**
   * One try of a merchant notice: an email to the merchant's address, or a Telegram message (with
   * Approve / Reject for an operator allowed to decide) to a linked operator's chat. A 429 from
   * Telegram is retried after the retry_after it names. A notice recorded sent is not sent again.
   * Never carries a key.
   */
  async sendNotice(noticeId: number): Promise<void> {
    const n = await db.merchantNotice.update({ where: { id: noticeId }, data: { attempts: { increment: 1 } }, include: { event: true } });
    if (n.status === 'sent') return;
    const kind = n.kind as NoticeKind;
    const data = n.event.data as NoticeData;
    const fail = async (message: string) => {
      await db.merchantNotice.update({ where: { id: noticeId }, data: { status: 'retrying', lastError: message } });
    };
    if (n.via === 'email') {
      try {
        await mailer.send({ to: n.recipient, messageId: `<notice-${noticeId}@kami>`, ...noticeEmail(kind, data, publicUrl) });
      } catch (err) {
        await fail((err as Error).message);
        throw new Error(`SMTP: ${(err as Error).message}`);
      }
      await db.merchantNotice.update({ where: { id: noticeId }, data: { status: 'sent', sentAt: new Date(), lastError: null } });
      return;
    }
    if (!telegram) throw cancelled('Telegram is not configured (KAMI_TELEGRAM_BOT_TOKEN)');
    const link = await db.telegramLink.findUnique({ where: { operatorId: n.recipient }, include: { operator: { select: { role: true, disabled: true } } } });
    if (!link?.chatId || link.operator.disabled || link.chatId !== n.telegramChatId) throw cancelled('the operator unlinked Telegram or was disabled');
    const { text, keyboard } = noticeTelegram(kind, data, publicUrl, roleAtLeast(link.operator.role as Role, 'operator'));
    let messageId: number;
    try {
      const sent = await telegram.api.sendMessage(Number(link.chatId), text, { ...(keyboard ? { reply_markup: keyboard } : {}), link_preview_options: { is_disabled: true } });
      messageId = sent.message_id;
    } catch (err) {
      const f = telegramFailure(err, telegram.scrub);
      await fail(f.message);
      if (f.permanent) throw cancelled(f.message);
      throw ApplicationFailure.create({ message: f.message, type: 'TelegramUnavailable', ...(f.retryAfterS ? { nextRetryDelay: `${f.retryAfterS}s` } : {}) });
    }
    await db.merchantNotice.update({ where: { id: noticeId }, data: { status: 'sent', sentAt: new Date(), lastError: null, telegramMessageId: messageId } });
  },

  /** The retry period ended (or the delivery was cancelled): recorded failed with why. Idempotent; a sent one stays sent. */
  async giveUpOutbound(kind: 'webhook' | 'notice', id: number, reason: string): Promise<void> {
    const data = { status: 'failed', lastError: reason.slice(0, 1000) };
    if (kind === 'webhook') await db.webhookDelivery.updateMany({ where: { id, status: { not: 'delivered' } }, data });
    else await db.merchantNotice.updateMany({ where: { id, status: { not: 'sent' } }, data: data satisfies Prisma.MerchantNoticeUpdateManyMutationInput });
  },
});
