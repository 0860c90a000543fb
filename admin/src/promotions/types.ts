import type { StackingPolicy } from '../../../domain/promotions.js';

/** A coupon as the admin API lists it, with its uses: counted while their orders count, released with them. */
export interface CouponRecord {
  id: number; code: string; description: string; percentOff: number | null; amountOffMinor: number | null; currency: string | null;
  maxUses: number | null; maxUsesPerBuyer: number | null; startsAt: string | null; endsAt: string | null; products: string[]; channels: string[];
  active: boolean; version: number; createdBy: string; createdAt: string; updatedAt: string;
  uses: { counted: number; released: number; discountMinor: number };
}

export interface CouponUseRecord {
  id: string; orderId: string; couponId: number; code: string; email: string; discountMinor: number; currency: string;
  orderStatus: string; amountMinor: number; counted: boolean; createdAt: string;
}

export type SaleState = 'on' | 'scheduled' | 'ended' | 'off';
export interface SalePriceRecord {
  id: number; productId: string; label: string; priceMinor: number | null; percentOff: number | null; startsAt: string; endsAt: string | null;
  channels: string[]; active: boolean; state: SaleState; createdAt: string;
  product: { sku: string; name: string; currency: string; priceCents: number };
}

export interface PromotionPolicyRecord { id: 'shop'; policy: StackingPolicy; version: number; updatedBy: string | null; updatedAt: string | null }
