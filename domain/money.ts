/** Amounts are integer minor units (cents/分). Kami's currencies all have two decimals. */
export const formatCents = (cents: number) => `${Math.trunc(cents / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
