import { Router } from 'express';
import { audit } from '../../infra/audit.js';
import { createLinkCode, unlinkTelegram } from '../../infra/telegram/links.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { actorOf, requireRole } from './session.js';

/**
 * `telegram`: the signed-in operator's own Telegram link (their profile). A link code is shown once
 * and works for 15 minutes; the operator sends `/start <code>` to the bot or opens the t.me link.
 * Every role may link (viewers get notices without buttons); only the operator role and above decide.
 */
export function telegramAdminRouter({ db, telegram }: ApiDeps): Router {
  const router = Router();

  router.get('/telegram', requireRole('viewer'), async (req, res) => {
    const link = await db.telegramLink.findUnique({ where: { operatorId: actorOf(req).id } });
    res.json({
      configured: Boolean(telegram),
      bot: telegram ? await telegram.username() : null,
      linked: Boolean(link?.linkedAt),
      username: link?.linkedAt ? link.username : null,
      linkedAt: link?.linkedAt ?? null,
      codePendingUntil: link?.codeExpiresAt && link.codeExpiresAt > new Date() ? link.codeExpiresAt : null,
    });
  });

  router.post('/telegram/link', requireRole('viewer'), async (req, res) => {
    if (!telegram) throw new ApiError(409, 'telegram_not_configured', 'this Kami has no Telegram bot: set KAMI_TELEGRAM_BOT_TOKEN and restart');
    const { code, expiresAt } = await createLinkCode(db, actorOf(req).id);
    const bot = await telegram.username();
    await audit(db, actorOf(req), 'operator.telegram.link_code', { type: 'operator', id: actorOf(req).id }, { expiresAt });
    res.status(201).json({ code, command: `/start ${code}`, deepLink: bot ? `https://t.me/${bot}?start=${code}` : null, expiresAt });
  });

  router.delete('/telegram/link', requireRole('viewer'), async (req, res) => {
    if (!(await unlinkTelegram(db, actorOf(req).id))) throw new ApiError(404, 'telegram_not_linked', 'your account has no Telegram link');
    await audit(db, actorOf(req), 'operator.telegram.unlink', { type: 'operator', id: actorOf(req).id }, {});
    res.status(204).end();
  });

  return router;
}
