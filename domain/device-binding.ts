import type { BuyerField } from './product-types.js';

/**
 * Device-bound activation (issue 12): a product that needs the buyer's device id declares
 * `deviceBound`; its checkout then carries one more buyer field, `device_id`, added (first) by the
 * product API and checked at checkout like any other. One code per (product, device): the first paid
 * order binds it, later orders for the same device get the same code (infra/device-binding.ts).
 */
export const DEVICE_FIELD = 'device_id';

/** Letters and digits, then letters, digits, `:`, `.`, `_` or `-`: 4–128 characters (a serial, an IMEI, a MAC, a UUID). */
export const DEVICE_ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9:._-]{3,127}';

export const deviceField = (): BuyerField => ({ name: DEVICE_FIELD, label: 'Device ID', type: 'text', required: true, pattern: DEVICE_ID_PATTERN, maxLength: 128 });

/** A product's buyer fields with the device field first when it is device-bound, and without it otherwise. */
export function withDeviceField(fields: readonly BuyerField[], deviceBound: boolean): BuyerField[] {
  const own = fields.filter((f) => f.name !== DEVICE_FIELD);
  return deviceBound ? [deviceField(), ...own] : own;
}

/** The device id an order's buyer gave, if any. */
export function deviceIdOf(buyerInput: unknown): string | undefined {
  const v = buyerInput && typeof buyerInput === 'object' ? (buyerInput as Record<string, unknown>)[DEVICE_FIELD] : undefined;
  return typeof v === 'string' && v ? v : undefined;
}
