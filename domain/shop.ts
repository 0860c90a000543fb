import { z } from 'zod';

/** What an owner sets for the storefront in the panel; the API and the panel's form check the same. */
export const ShopSettingsInput = z.strictObject({
  name: z.string().trim().max(80, 'at most 80 characters'),
  notice: z.string().trim().max(500, 'at most 500 characters'),
  footer: z.string().trim().max(500, 'at most 500 characters'),
});
export type ShopSettingsInput = z.infer<typeof ShopSettingsInput>;

/** Logo uploads: the image types a browser shows safely (no SVG: it can carry script), their size and dimensions. */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_MAX_SIDE = 2048;

/** The shop's name when the owner has not set one. */
export const DEFAULT_SHOP_NAME = 'Kami';
