import { alipayGateway } from './alipay.js';
import { epayGateway } from './epay.js';
import type { GatewayDefinition } from './gateway.js';
import { stripeGateway } from './stripe.js';
import { usdtGateway } from './usdt.js';
import { wechatGateway } from './wechat.js';

/** Every real gateway Kami can be configured with (the sandbox is built in). */
export const GATEWAYS: readonly GatewayDefinition[] = [
  alipayGateway,
  epayGateway,
  stripeGateway,
  wechatGateway,
  usdtGateway,
];
