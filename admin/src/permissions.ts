import type { Role } from './types.js';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, owner: 2 };

/**
 * The least role allowed each action, per resource. The server enforces the same rules; the panel uses this
 * table only to hide what an operator cannot do. Anything not listed is denied (for example react-admin's
 * default delete and CSV export buttons).
 */
const LEAST_ROLE: Record<string, Record<string, Role>> = {
  dashboard: { list: 'viewer' },
  reviews: { list: 'viewer', show: 'viewer', decide: 'operator' },
  orders: {
    list: 'viewer', show: 'viewer', decide: 'operator', resend: 'operator', resend_sms: 'operator', cancel: 'operator', mark_delivered: 'operator', confirm_payment: 'operator',
  },
  // the merchant's fulfilment endpoint holds a signing secret: owners set it
  products: { list: 'viewer', show: 'viewer', create: 'operator', edit: 'operator', endpoints: 'owner' },
  keys: { list: 'viewer', import: 'operator', void: 'operator', reveal: 'owner', export: 'owner' },
  batches: { list: 'viewer' },
  buyers: { list: 'viewer', blacklist: 'operator' },
  rules: { list: 'viewer', edit: 'owner' },
  audit: { list: 'owner' },
  operators: { list: 'owner', create: 'owner', edit: 'owner' },
  // the money trail: attempts and refunds for everyone, raw gateway requests for those who act on them
  'payment-attempts': { list: 'viewer' },
  refunds: { list: 'viewer', close: 'operator' },
  'payment-notifications': { list: 'operator' },
  'payment-providers': { list: 'owner', edit: 'owner' },
  // webhooks: everyone reads deliveries; owners manage endpoints (they may send keys to a partner)
  'webhook-endpoints': { list: 'viewer', create: 'owner', edit: 'owner', test: 'owner' },
  'webhook-deliveries': { list: 'viewer', show: 'viewer', redeliver: 'owner' },
  // partner channels: everyone reads them; only owners create them, hold their keys, move their money or set their prices
  channels: { list: 'viewer', show: 'viewer', create: 'owner', edit: 'owner', keys: 'owner', ledger: 'owner', prices: 'owner' },
  'channel-ledger': { list: 'viewer' },
  // what buyers said: everyone reads it; the storefront's settings are the owners'
  feedback: { list: 'viewer' },
  'feedback-products': { list: 'viewer' },
  'feedback-batches': { list: 'viewer' },
  'shop-settings': { edit: 'owner' },
  // promotions: everyone reads them; operators run coupons and sales; the stacking policy, which decides what the shop can lose, is the owners'
  coupons: { list: 'viewer', show: 'viewer', create: 'operator', edit: 'operator', delete: 'operator' },
  'coupon-uses': { list: 'viewer' },
  'sale-prices': { list: 'viewer', show: 'viewer', create: 'operator', edit: 'operator', delete: 'operator' },
  'promotion-policy': { show: 'viewer', edit: 'owner' },
};

export function roleCan(role: Role | undefined, resource: string, action: string): boolean {
  const least = LEAST_ROLE[resource]?.[action];
  return role !== undefined && least !== undefined && RANK[role] >= RANK[least];
}
