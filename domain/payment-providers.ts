/** The payment gateways Kami speaks to, by the names its API and configuration use. */
export const PROVIDER_NAMES = ['sandbox', 'epay', 'alipay', 'wechat', 'usdt', 'stripe'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/**
 * Built-in providers of partner channels' orders (domain/channels.ts): `balance` (the channel's
 * prepaid balance; a refund credits it back) and `partner` (confirmed by the partner with its own
 * reference; a refund is a task for a person). Never a buyer's choice, never a webhook's.
 */
export const CHANNEL_PROVIDER_NAMES = ['balance', 'partner'] as const;
export type ChannelProviderName = (typeof CHANNEL_PROVIDER_NAMES)[number];

/** One setting of a gateway as the panel draws it: read by the server from the gateway module's settings schema. */
export interface SettingsField {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean';
  /** Stored encrypted and never shown back: the panel offers a write-only field. */
  secret: boolean;
  /** An enabled gateway cannot be saved without it. */
  required: boolean;
  title?: string;
  description?: string;
  choices?: (string | number)[];
  default?: unknown;
  /** JSON Schema format, e.g. `uri`. */
  format?: string;
}
