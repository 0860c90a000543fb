/** The storefront's settings as the panel edits them (api/admin/shop.ts). */
export interface ShopSettingsRecord {
  id: 'shop'; name: string; notice: string; footer: string; version: number; updatedAt: string | null; logoUrl: string | null;
}
