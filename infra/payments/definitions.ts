import type { GatewayDefinition } from './gateway.js';
import { stripeGateway } from './stripe.js';

/** Every real gateway Kami can be configured with (the sandbox is built in). */
export const GATEWAYS: readonly GatewayDefinition[] = [
  stripeGateway,
];
