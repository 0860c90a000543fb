import type { OrderStatus } from './order-status.js';

/**
 * What a person can ask of an order, and the statuses that accept it. The one table read by the
 * workflows' update validators, the API's checks and the panel's buttons, so the panel offers only
 * what the server accepts.
 */
export const ORDER_COMMANDS = {
  /** Close an unpaid order and return its held keys. */
  cancel: ['awaiting_payment'],
  /** Decide an order waiting for a person (a review, or a backorder: keep waiting / refund). */
  approve: ['in_review', 'backorder'],
  reject: ['in_review', 'backorder'],
  /** Mail the keys again. */
  resend: ['delivered', 'needs_attention'],
  /** Text the buyer again (the keys or the order page's link, as the product says): orders that had an SMS delivery. */
  resend_sms: ['delivered', 'needs_attention'],
  /** Enter the goods of a manual-delivery product by hand. */
  mark_delivered: ['backorder'],
  /** The buyer reports a delivered key as invalid. */
  report_key: ['delivered', 'needs_attention'],
  /** The buyer rates the order and comments on it (and changes that for a while). */
  leave_feedback: ['delivered', 'needs_attention'],
  /**
   * Record a payment the order's run has not seen: the gateway's own answer when asked, otherwise the
   * reference a person saw. An order still waiting for its money, or closed unpaid (a late payment then
   * goes to review).
   */
  confirm_payment: ['awaiting_payment', 'expired', 'cancelled'],
} as const satisfies Record<string, readonly OrderStatus[]>;

export type OrderCommand = keyof typeof ORDER_COMMANDS;

/**
 * What the command needs besides the status: goods are entered only for manual-delivery products,
 * an SMS is resent only for an order whose delivery included one (`smsDelivered`: it has an `sms` delivery).
 */
export interface CommandContext { status: OrderStatus | string; deliveryMode?: string; smsDelivered?: boolean }

export function accepts(command: OrderCommand, order: CommandContext): boolean {
  if (!(ORDER_COMMANDS[command] as readonly string[]).includes(order.status)) return false;
  if (command === 'mark_delivered') return order.deliveryMode === 'manual';
  if (command === 'resend_sms') return order.smsDelivered === true;
  return true;
}

/** The commands an order accepts now, in the table's order. */
export const commandsFor = (order: CommandContext): OrderCommand[] =>
  (Object.keys(ORDER_COMMANDS) as OrderCommand[]).filter((c) => accepts(c, order));
