import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { DURATION, durationToMs } from './duration.js';
import { MAX_MINOR_UNITS } from './money.js';
import type { ChannelProviderName } from './payment-providers.js';
import { ProductRuleOverridesSchema } from './rules-schema.js';

/** Where orders come from: the built-in storefront and public API (`retail`), or a partner. */
export const CHANNEL_KINDS = ['retail', 'mall', 'reseller', 'bot'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const PARTNER_KINDS = ['mall', 'reseller', 'bot'] as const satisfies readonly ChannelKind[];
export const RETAIL_CHANNEL = 'retail';

/**
 * How a partner pays for its orders: from its prepaid `balance` (debited as the order is placed), or
 * `self_confirm`: it collected the money itself and confirms each order with its own payment
 * reference (trusted, so off unless an owner chooses it). Each is a built-in payment provider, so
 * the order's run settles, reviews and refunds it like any other payment.
 */
export const PAYMENT_MODES = ['balance', 'self_confirm'] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];
export const PROVIDER_OF_MODE = { balance: 'balance', self_confirm: 'partner' } as const satisfies Record<PaymentMode, ChannelProviderName>;

/** An address (`203.0.113.7`, `2001:db8::1`) or a network in CIDR notation (`203.0.113.0/24`). */
export function parseNetwork(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const [addr, bits, extra] = entry.trim().split('/');
  if (extra !== undefined || !addr) return null;
  // four plain decimal parts only: ipaddr also reads `10.1` or `0x7f.1`, which nobody means in an allow-list
  if (!ipaddr.IPv6.isValid(addr) && !ipaddr.IPv4.isValidFourPartDecimal(addr)) return null;
  const ip = ipaddr.parse(addr);
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  if (bits === undefined) return [ip, max];
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return [ip, Number(bits)];
}

/** Whether `ip` (as the server saw it; an IPv4-mapped IPv6 address counts as IPv4) is in the allow-list; an empty list allows every address. */
export function ipAllowed(allowList: readonly string[], ip: string | undefined): boolean {
  if (!allowList.length) return true;
  if (!ip || !ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return allowList.some((entry) => {
    const net = parseNetwork(entry);
    return net !== null && net[0].kind() === addr.kind() && (addr as ipaddr.IPv4).match(net as [ipaddr.IPv4, number]);
  });
}

/**
 * A partner channel's settings, shared by the API (the judge) and the panel (the mirror). Defaults
 * apply to what an owner left unset.
 */
export const ChannelSettingsSchema = z.strictObject({
  paymentMode: z.enum(PAYMENT_MODES).default('balance'),
  /** A large order is delivered from stock in parts when stock is short; the rest follows as keys are imported. */
  allowSplit: z.boolean().default(false),
  /** Email the keys to the buyer's address too (a request may ask for it per order). */
  emailKeys: z.boolean().default(false),
  /** Signed requests per minute for this channel (0 = no limit). */
  rateLimitPerMinute: z.int().min(0).max(100_000).default(120),
  /** Addresses and networks (CIDR) the channel may call from; empty = anywhere. */
  ipAllowList: z.array(z.string().trim().max(64).refine((v) => parseNetwork(v) !== null, 'an address or a network such as 203.0.113.0/24'))
    .max(100).default([]),
  /** Most keys in one order. */
  maxQuantity: z.int().min(1).max(1_000_000).default(1000),
  /** Purchase limits and velocity count only this channel's orders (a reseller's buyers are not the shop's). */
  countSeparately: z.boolean().default(false),
});
export type ChannelSettings = z.output<typeof ChannelSettingsSchema>;

/** Stored settings with the defaults filled in (settings saved before a field existed get its default). */
export const channelSettings = (stored: unknown): ChannelSettings => ChannelSettingsSchema.parse(stored ?? {});

/** A channel's layer of the rule settings, between the global settings and the product's. */
export const ChannelRuleOverridesSchema = ProductRuleOverridesSchema;

/** What an owner types to create a partner channel. */
export const ChannelCreateInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  kind: z.enum(PARTNER_KINDS),
  settings: ChannelSettingsSchema.optional(),
});

/**
 * What an owner may change on a channel (the retail channel takes only its name). Its rule overrides
 * are edited as `rules` record `channel:<id>`, beside the global settings and the products'.
 */
export const ChannelUpdateInput = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  disabled: z.boolean().optional(),
  settings: ChannelSettingsSchema.optional(),
});

/** Longest overlap of a rotation: the old key keeps working this long while the partner switches. */
export const MAX_ROTATION_OVERLAP_MS = 30 * 86_400_000;

/** Rotating a channel's key: a new key now, and the channel's other keys end after `overlap` (0s: at once). */
export const RotateCredentialInput = z.strictObject({
  overlap: z.string().trim().regex(DURATION, 'a duration such as 0s, 30m, 24h or 7d')
    .refine((v) => !DURATION.test(v) || durationToMs(v) <= MAX_ROTATION_OVERLAP_MS, 'at most 30 days').default('24h'),
});

export const LEDGER_KINDS = ['deposit', 'adjustment', 'order', 'refund'] as const;

/**
 * An owner's entry in a channel's ledger: a deposit (money the partner paid in), or an adjustment
 * either way (with a note saying why). Amounts in the currency's minor units.
 */
export const LedgerEntryInput = z.strictObject({
  amountCents: z.int().min(-MAX_MINOR_UNITS).max(MAX_MINOR_UNITS).refine((v) => v !== 0, 'an amount other than zero'),
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3,8}$/, 'a currency code such as CNY, USD or USDT'),
  kind: z.enum(['deposit', 'adjustment']).optional(),
  note: z.string().trim().max(500).default(''),
}).superRefine((e, ctx) => {
  const kind = e.kind ?? (e.amountCents > 0 ? 'deposit' : 'adjustment');
  if (kind === 'deposit' && e.amountCents < 0) ctx.addIssue({ code: 'custom', path: ['amountCents'], message: 'a deposit adds money; take money off with an adjustment' });
  if (kind === 'adjustment' && !e.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'say why the balance is adjusted' });
});
