/** Amounts are integer minor units (cents/分). Kami's currencies all have two decimals. */
export const formatCents = (cents: number) => `${Math.trunc(cents / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

/** The largest amount in minor units Kami accepts anywhere (10^12: far above any order, and exact in a JS number and a 64-bit column). */
export const MAX_MINOR_UNITS = 1_000_000_000_000;
