import { imageSize } from 'image-size';
import { DEFAULT_SHOP_NAME, LOGO_MAX_BYTES, LOGO_MAX_SIDE, LOGO_TYPES, type ShopSettingsInput } from '../domain/shop.js';
import { audit, type AuditActor } from './audit.js';
import type { Db } from './db.js';

/** The shop as pages show it (never the logo's bytes: /shop/logo serves those). */
export interface Shop {
  /** As the owner set it ('' for none); `title` is what pages show. */
  name: string; title: string; notice: string; footer: string; hasLogo: boolean; version: number; updatedAt: Date | null;
}

const ID = 'shop';

/** The storefront's shop settings, in one small statement per page (defaults until an owner saves them). */
export async function readShop(db: Db): Promise<Shop> {
  const [row] = await db.$queryRaw<{ name: string; notice: string; footer: string; has_logo: boolean; version: number; updated_at: Date }[]>`
    SELECT name, notice, footer, logo IS NOT NULL AS has_logo, version, updated_at FROM shop_settings WHERE id = ${ID}`;
  return row
    ? { name: row.name, title: row.name || DEFAULT_SHOP_NAME, notice: row.notice, footer: row.footer, hasLogo: row.has_logo, version: row.version, updatedAt: row.updated_at }
    : { name: '', title: DEFAULT_SHOP_NAME, notice: '', footer: '', hasLogo: false, version: 0, updatedAt: null };
}

export async function readLogo(db: Db): Promise<{ bytes: Uint8Array; type: string; version: number } | null> {
  const row = await db.shopSettings.findUnique({ where: { id: ID }, select: { logo: true, logoType: true, version: true } });
  return row?.logo && row.logoType ? { bytes: row.logo, type: row.logoType, version: row.version } : null;
}

/** Saves the texts (audited); each change bumps the version. */
export async function saveShop(db: Db, input: ShopSettingsInput, by: AuditActor): Promise<Shop> {
  await db.$transaction(async (tx) => {
    await tx.shopSettings.upsert({
      where: { id: ID },
      create: { id: ID, ...input, updatedBy: by.email },
      update: { ...input, version: { increment: 1 }, updatedBy: by.email, updatedAt: new Date() },
    });
    await audit(tx, by, 'shop.update', { type: 'shop', id: ID }, input);
  });
  return readShop(db);
}

/** Why these bytes cannot be the logo, or its type when they can: the type is read from the bytes, never taken from the upload's header. */
export function logoProblem(bytes: Uint8Array): { status: number; code: string; problem: string } | { type: (typeof LOGO_TYPES)[number] } {
  const refuse = (status: number, code: string, problem: string) => ({ status, code, problem });
  if (bytes.length > LOGO_MAX_BYTES) return refuse(413, 'logo_too_large', `the logo is ${Math.ceil(bytes.length / 1024)} KB; upload one of at most ${LOGO_MAX_BYTES / 1024} KB`);
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    return refuse(415, 'unsupported_image', 'this file is not an image Kami can read; upload a PNG, JPEG, WebP or GIF');
  }
  const type = ({ png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' } as const)[size.type as 'png' | 'jpg' | 'webp' | 'gif'];
  if (!type) return refuse(415, 'unsupported_image', `a ${size.type ?? 'file of this kind'} cannot be the logo; upload a PNG, JPEG, WebP or GIF`);
  if (size.width > LOGO_MAX_SIDE || size.height > LOGO_MAX_SIDE) {
    return refuse(400, 'logo_too_large', `the logo is ${size.width}×${size.height} pixels; at most ${LOGO_MAX_SIDE}×${LOGO_MAX_SIDE}`);
  }
  return { type };
}

/** Stores (or with null removes) the logo, audited with its type and size; each change bumps the version. */
export async function saveLogo(db: Db, logo: { bytes: Uint8Array; type: string } | null, by: AuditActor): Promise<Shop> {
  const data = { logo: logo ? Buffer.from(logo.bytes) : null, logoType: logo?.type ?? null };
  await db.$transaction(async (tx) => {
    await tx.shopSettings.upsert({
      where: { id: ID },
      create: { id: ID, ...data, updatedBy: by.email },
      update: { ...data, version: { increment: 1 }, updatedBy: by.email, updatedAt: new Date() },
    });
    await audit(tx, by, logo ? 'shop.logo' : 'shop.logo_removed', { type: 'shop', id: ID }, logo ? { type: logo.type, bytes: logo.bytes.length } : {});
  });
  return readShop(db);
}
