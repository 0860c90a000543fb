import express, { Router } from 'express';
import { ShopSettingsInput } from '../../domain/shop.js';
import { logoProblem, readShop, saveLogo, saveShop, type Shop } from '../../infra/shop-settings.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { actorOf, requireRole } from './session.js';

/** The record the panel edits (`shop-settings/shop`): the texts, and where the current logo is served. */
const record = (shop: Shop) => ({
  id: 'shop', name: shop.name, notice: shop.notice, footer: shop.footer, version: shop.version, updatedAt: shop.updatedAt,
  logoUrl: shop.hasLogo ? `/shop/logo?v=${shop.version}` : null,
});

/** Read past the logo's limit, so a larger upload gets its own clear refusal rather than the parser's. */
const logoBody = express.raw({ type: () => true, limit: '2mb' });

/** The storefront's settings: every role reads them, owners change the name, notice, footer and logo (audited). */
export function shopRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/shop-settings/shop', requireRole('viewer'), async (_req, res) => {
    res.json(record(await readShop(db)));
  });

  router.put('/shop-settings/shop', requireRole('owner'), async (req, res) => {
    // the panel sends its whole record back; only the texts are settings
    const { name, notice, footer } = (req.body ?? {}) as Record<string, unknown>;
    res.json(record(await saveShop(db, ShopSettingsInput.parse({ name, notice, footer }), actorOf(req))));
  });

  /** The logo as the raw image bytes; its type is read from them (PNG, JPEG, WebP or GIF). */
  router.put('/shop-settings/shop/logo', requireRole('owner'), logoBody, async (req, res) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!bytes.length) throw new ApiError(400, 'invalid_request', 'send the image file as the request body', { logo: 'no file' });
    const verdict = logoProblem(bytes);
    if ('problem' in verdict) throw new ApiError(verdict.status, verdict.code, verdict.problem, { logo: verdict.problem });
    res.json(record(await saveLogo(db, { bytes, type: verdict.type }, actorOf(req))));
  });

  router.delete('/shop-settings/shop/logo', requireRole('owner'), async (req, res) => {
    res.json(record(await saveLogo(db, null, actorOf(req))));
  });

  return router;
}
