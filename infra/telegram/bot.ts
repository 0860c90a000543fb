import { createHmac, timingSafeEqual } from 'node:crypto';
import { Api, GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Config } from '../config.js';

/**
 * Kami's Telegram bot: the Bot API through grammY's client (the base URL configurable for a local
 * fake), and the two secrets of its webhook, both derived from the bot token so there is nothing more
 * to configure and a new token changes them: the path Telegram posts updates to, and the
 * X-Telegram-Bot-Api-Secret-Token it sends with each one.
 *
 * Updates come by webhook rather than getUpdates polling: every API process can take them behind a
 * load balancer (long polling allows one poller per bot), nothing polls while nothing happens, and a
 * button press reaches Kami at once. It needs an https PUBLIC_URL, as WeChat Pay does.
 */
export interface TelegramBot {
  api: Api;
  /** The path updates are posted to, under PUBLIC_URL. */
  webhookPath: string;
  /** Whether a request's X-Telegram-Bot-Api-Secret-Token is this bot's. */
  verifySecret(given: string | undefined): boolean;
  /** Points Telegram at this Kami (idempotent: Telegram keeps one webhook per bot). */
  registerWebhook(publicUrl: string): Promise<void>;
  /** The bot's @username, for t.me links (asked once). */
  username(): Promise<string | null>;
  /** An error's message with the token taken out (a network error may quote the request URL). */
  scrub(message: string): string;
}

export const TELEGRAM_WEBHOOK_PREFIX = '/api/v1/telegram/updates';

export function createTelegramBot(token: string, apiRoot: string, timeoutSeconds = 10): TelegramBot {
  const derive = (label: string) => createHmac('sha256', token).update(`kami:telegram:${label}`).digest('base64url');
  const pathSecret = derive('webhook-path').slice(0, 32);
  const secretToken = derive('secret-token');
  const api = new Api(token, { apiRoot: apiRoot.replace(/\/$/, ''), timeoutSeconds });
  let me: Promise<string | null> | undefined;
  return {
    api,
    webhookPath: `${TELEGRAM_WEBHOOK_PREFIX}/${pathSecret}`,
    verifySecret(given) {
      const a = Buffer.from(given ?? '');
      const b = Buffer.from(secretToken);
      return a.length === b.length && timingSafeEqual(a, b);
    },
    async registerWebhook(publicUrl) {
      await api.setWebhook(`${publicUrl}${TELEGRAM_WEBHOOK_PREFIX}/${pathSecret}`, {
        secret_token: secretToken, allowed_updates: ['message', 'callback_query'], drop_pending_updates: false,
      });
    },
    username() {
      me ??= api.getMe().then((u) => u.username ?? null).catch(() => { me = undefined; return null; });
      return me;
    },
    scrub: (message) => message.split(token).join('<bot token>'),
  };
}

/** What a failed Bot API call means for a retry: wait as long as Telegram asked (429), retry later (5xx, network), or stop. */
export function telegramFailure(err: unknown, scrub: (m: string) => string): { message: string; retryAfterS?: number; permanent: boolean } {
  if (err instanceof GrammyError) {
    const message = scrub(`Telegram ${err.method}: ${err.error_code} ${err.description}`);
    if (err.error_code === 429) return { message, retryAfterS: err.parameters.retry_after ?? 1, permanent: false };
    // 400 (chat not found, message unchanged…) and 403 (the operator blocked the bot) will not get better by retrying
    return { message, permanent: err.error_code >= 400 && err.error_code < 500 };
  }
  if (err instanceof HttpError) return { message: scrub(err.message), permanent: false };
  return { message: scrub((err as Error)?.message ?? String(err)), permanent: false };
}

export type Keyboard = InlineKeyboardMarkup;

/** The bot a process talks to Telegram with, or none without a token. */
export const telegramOf = (config: Pick<Config, 'KAMI_TELEGRAM_BOT_TOKEN' | 'KAMI_TELEGRAM_API_BASE'>): TelegramBot | undefined =>
  config.KAMI_TELEGRAM_BOT_TOKEN ? createTelegramBot(config.KAMI_TELEGRAM_BOT_TOKEN, config.KAMI_TELEGRAM_API_BASE) : undefined;
