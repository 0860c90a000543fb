import { Router } from 'express';
import { z } from 'zod';
import { roleAtLeast, type Role } from '../domain/admin-schemas.js';
import { accepts } from '../domain/order-commands.js';
import { sha256Hex } from '../infra/crypto.js';
import { DECISION_CALLBACK } from '../infra/events/notice-text.js';
import { createSession } from '../infra/sessions.js';
import { telegramFailure, TELEGRAM_WEBHOOK_PREFIX, type TelegramBot } from '../infra/telegram/bot.js';
import { linkedOperator, redeemLinkCode } from '../infra/telegram/links.js';
import { audit } from '../infra/audit.js';
import { decideOrder } from './admin/decisions.js';
import type { ApiDeps } from './deps.js';
import { ApiError, toApiError } from './errors.js';
import { registry, errorResponses } from './openapi.js';

/** A decision from Telegram runs on a session of its own, just long enough for the workflow to check the proof. */
const DECISION_SESSION_MS = 2 * 60_000;

const User = z.object({ id: z.number().int().positive(), username: z.string().max(64).optional() });
const Message = z.object({
  message_id: z.number().int(),
  chat: z.object({ id: z.number().int(), type: z.string() }),
  from: User.optional(),
  text: z.string().max(4096).optional(),
});
/** The parts of a Bot API Update Kami reads; the rest of it is ignored. */
const TelegramUpdate = z.object({
  update_id: z.number().int(),
  message: Message.optional(),
  callback_query: z.object({ id: z.string().min(1).max(100), from: User, message: Message.optional(), data: z.string().max(64).optional() }).optional(),
});
type Update = z.infer<typeof TelegramUpdate>;

registry.registerPath({
  method: 'post', path: `${TELEGRAM_WEBHOOK_PREFIX}/{secret}`, tags: ['telegram'],
  summary: 'Telegram Bot API updates (the bot\'s webhook: link codes, Approve / Reject buttons)',
  description: 'Called by Telegram only. The path ends in a secret derived from the bot token, and every update must carry X-Telegram-Bot-Api-Secret-Token.',
  request: { params: z.object({ secret: z.string() }), body: { content: { 'application/json': { schema: TelegramUpdate } } } },
  responses: { 200: { description: 'update taken (also when it asks for nothing Kami does)' }, ...errorResponses(400, 401) },
});

/**
 * The bot's webhook (infra/telegram/bot.ts says why a webhook): `/start <code>` links the sender to
 * the operator who made the code in the panel; an Approve / Reject button decides an order through
 * the panel's own path (decideOrder: a proof bound to the linked operator and a session opened for
 * them, the workflow's allowed-state and stale checks, the audit log). A press by anyone else, or one
 * the order no longer waits for, is answered and changes nothing.
 */
export function telegramRouter(deps: ApiDeps): Router {
  const router = Router();
  if (!deps.telegram) return router;
  const bot: TelegramBot = deps.telegram;
  const { db, log } = deps;

  const quietly = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (err) {
      log.warn({ err: telegramFailure(err, bot.scrub).message }, `Telegram ${what} failed`);
    }
  };

  async function onMessage(m: NonNullable<Update['message']>) {
    if (m.chat.type !== 'private' || !m.from || !m.text) return;
    const start = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/.exec(m.text.trim());
    if (!start) {
      await quietly('reply', () => bot.api.sendMessage(m.chat.id, 'This bot tells Kami operators about orders that need them. Link your account from the panel: Profile → Telegram.'));
      return;
    }
    const operator = start[1] ? await redeemLinkCode(db, start[1], m.from, m.chat.id) : null;
    if (!operator) {
      await quietly('reply', () => bot.api.sendMessage(m.chat.id, 'This link code is unknown or expired. Make a new one in the Kami panel: Profile → Telegram.'));
      return;
    }
    await audit(db, { id: operator.id, email: operator.email }, 'operator.telegram.link', { type: 'operator', id: operator.id }, { telegramUser: m.from.id, username: m.from.username ?? null });
    await quietly('reply', () => bot.api.sendMessage(m.chat.id, `Linked to ${operator.name} (${operator.email}). You will get orders that need a person here${roleAtLeast(operator.role as Role, 'operator') ? ', with Approve / Reject' : ''}.`));
  }

  async function onPress(q: NonNullable<Update['callback_query']>) {
    const answer = (text: string) => quietly('answerCallbackQuery', () => bot.api.answerCallbackQuery(q.id, { text, show_alert: true }));
    const closeButtons = (note: string) => q.message && quietly('editMessageText',
      () => bot.api.editMessageText(q.message!.chat.id, q.message!.message_id, `${q.message!.text ?? ''}\n\n${note}`.slice(0, 4096)));
    const press = DECISION_CALLBACK.exec(q.data ?? '');
    if (!press) return answer('This button is not Kami\'s.');
    const [, a, orderId, seqText] = press;
    const action = a === 'a' ? 'approve' : 'reject';
    const seq = Number(seqText);
    const operator = await linkedOperator(db, q.from.id);
    if (!operator) return answer('Your Telegram account is not linked to a Kami operator. Link it in the panel: Profile → Telegram.');
    if (!roleAtLeast(operator.role as Role, 'operator')) return answer(`Deciding orders needs the operator role; you are ${operator.role}.`);
    const order = await db.order.findUnique({ where: { id: orderId! }, select: { status: true, reviewSeq: true } });
    if (!order) return answer(`Kami has no order ${orderId}.`);
    if (!accepts(action, order) || order.reviewSeq !== seq) {
      await answer(`Order ${orderId} is ${order.status} now and no longer waits for this decision; nothing changed.`);
      return void await closeButtons(`ℹ️ No longer waiting for a decision (${order.status}).`);
    }
    const { token } = await createSession(db, operator.id, DECISION_SESSION_MS);
    try {
      await decideOrder(deps, { id: operator.id, email: operator.email }, sha256Hex(token), orderId!, action, { reviewSeq: seq, note: 'decided in Telegram' });
    } catch (err) {
      const known = toApiError(err);
      if (!known) log.error({ err, orderId }, 'a decision from Telegram failed');
      return answer(known ? known.message : 'Kami could not take the decision just now; try again, or decide in the panel.');
    }
    await answer(`${action === 'approve' ? 'Approved' : 'Rejected'}: order ${orderId}.`);
    await closeButtons(`${action === 'approve' ? '✅ Approved' : '❌ Rejected'} by ${operator.email} in Telegram.`);
  }

  router.post(`${TELEGRAM_WEBHOOK_PREFIX}/:secret`, async (req, res) => {
    if (`${TELEGRAM_WEBHOOK_PREFIX}/${req.params.secret}` !== bot.webhookPath || !bot.verifySecret(req.get('x-telegram-bot-api-secret-token'))) {
      throw new ApiError(401, 'invalid_secret_token', 'not this bot\'s webhook, or X-Telegram-Bot-Api-Secret-Token is missing or wrong');
    }
    const update = TelegramUpdate.parse(req.body);
    if (update.callback_query) await onPress(update.callback_query);
    else if (update.message) await onMessage(update.message);
    // answered 200 even when it asked for nothing: Telegram would send it again otherwise
    res.json({ ok: true });
  });
  return router;
}

/** Points the bot's webhook at this Kami, when a bot is configured (the API does it at start; idempotent). */
export async function registerTelegramWebhook(bot: TelegramBot | undefined, publicUrl: string, log: ApiDeps['log']): Promise<void> {
  if (!bot) return;
  if (!publicUrl.startsWith('https:')) log.warn({}, 'Telegram delivers updates only to an https PUBLIC_URL; the Approve / Reject buttons and /start links will not reach this Kami');
  try {
    await bot.registerWebhook(publicUrl);
  } catch (err) {
    log.warn({ err: telegramFailure(err, bot.scrub).message }, 'could not register the Telegram webhook; retried at the next start');
  }
}
