import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../crypto.js';
import type { Db } from '../db.js';

/** How long a link code from the panel may be sent to the bot. */
export const LINK_CODE_TTL_MS = 15 * 60_000;

/**
 * An operator's Telegram link (table telegram_link). The panel hands out a one-time code (kept as
 * its sha256 only); the operator sends `/start <code>` to the bot (or opens its t.me link), which
 * binds their Telegram user and private chat to them. One Telegram account belongs to one operator.
 */
export async function createLinkCode(db: Db, operatorId: string): Promise<{ code: string; expiresAt: Date }> {
  const code = randomBytes(18).toString('base64url');
  const expiresAt = new Date(Date.now() + LINK_CODE_TTL_MS);
  await db.telegramLink.upsert({
    where: { operatorId },
    create: { operatorId, codeHash: sha256Hex(code), codeExpiresAt: expiresAt },
    update: { codeHash: sha256Hex(code), codeExpiresAt: expiresAt },
  });
  return { code, expiresAt };
}

/** Binds the Telegram user who sent a live code; null for an unknown, used or expired one. */
export async function redeemLinkCode(db: Db, code: string, user: { id: number; username?: string }, chatId: number) {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(code)) return null;
  return db.$transaction(async (tx) => {
    const link = await tx.telegramLink.findFirst({ where: { codeHash: sha256Hex(code), codeExpiresAt: { gt: new Date() } }, include: { operator: true } });
    if (!link || link.operator.disabled) return null;
    // the account moves to this operator if another one had it
    await tx.telegramLink.deleteMany({ where: { telegramUserId: BigInt(user.id), operatorId: { not: link.operatorId } } });
    await tx.telegramLink.update({
      where: { operatorId: link.operatorId },
      data: { telegramUserId: BigInt(user.id), chatId: BigInt(chatId), username: user.username?.slice(0, 64) ?? null, linkedAt: new Date(), codeHash: null, codeExpiresAt: null },
    });
    return link.operator;
  });
}

/** The enabled operator a Telegram user is linked to, or null. */
export async function linkedOperator(db: Db, telegramUserId: number) {
  const link = await db.telegramLink.findUnique({ where: { telegramUserId: BigInt(telegramUserId) }, include: { operator: true } });
  return link?.linkedAt && !link.operator.disabled ? link.operator : null;
}

export async function unlinkTelegram(db: Db, operatorId: string): Promise<boolean> {
  const { count } = await db.telegramLink.deleteMany({ where: { operatorId } });
  return count > 0;
}
