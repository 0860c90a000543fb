/** The payment gateways Kami speaks to, by the names its API and configuration use. */
export const PROVIDER_NAMES = ['sandbox', 'epay', 'alipay', 'wechat', 'usdt', 'stripe'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
