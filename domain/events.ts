import { z } from 'zod';
import type { Reason, ReasonCode } from './rules.js';

/**
 * The event stream: which recorded order facts become outgoing events, for channels' webhooks and for
 * the merchant. One table, read by the relay (what to send), the trigger's test (which facts it
 * queues), the panel (what an endpoint may subscribe to) and the README.
 */

/** What a channel's endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['order.paid', 'order.part_delivered', 'order.delivered', 'order.in_review', 'order.rejected', 'order.refunded', 'stock.low'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event an owner sends from the panel to try an endpoint; never sent otherwise. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** What the merchant is told about (email, Telegram): each one a moment a person may be needed. */
export const NOTICE_KINDS = ['review_waiting', 'review_overdue', 'payment_anomaly', 'delivery_failing', 'stock_low'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Notice kinds that carry Approve / Reject (the order waits for a decision). */
export const DECIDABLE_NOTICES: readonly NoticeKind[] = ['review_waiting', 'review_overdue', 'payment_anomaly'];

/** Review reasons that mean the money did not add up: the notice says payment anomaly. */
export const PAYMENT_ANOMALY_REASONS: readonly ReasonCode[] = ['payment_amount_low', 'payment_amount_high', 'payment_currency', 'payment_late', 'second_payment'];

/**
 * order_event types → what each one becomes. `paid` and `delivered` happen to every routine order
 * (`part_delivered` to every split one): the outbox trigger queues them only for a channel with an
 * endpoint subscribed to them, so a routine
 * order nobody listens to costs nothing. The rest are exceptions the merchant hears about.
 */
const FROM_FACT = {
  paid: { webhook: 'order.paid' },
  /** a split order's part (split delivery): the keys sold now, numbered; `delivered` follows the last one */
  part_delivered: { webhook: 'order.part_delivered' },
  delivered: { webhook: 'order.delivered' },
  in_review: { webhook: 'order.in_review', notice: 'review_waiting' },
  rejected: { webhook: 'order.rejected' },
  refunded: { webhook: 'order.refunded' },
  /** the delivery email gave up (keys stay readable) */
  needs_attention: { notice: 'delivery_failing' },
  /** the delivery email's first failure on a channel: it keeps retrying, a person may want to look now */
  delivery_failing: { notice: 'delivery_failing' },
  extra_payment: { notice: 'payment_anomaly' },
  review_reminder: { notice: 'review_overdue' },
} as const satisfies Record<string, { webhook?: WebhookEventType; notice?: NoticeKind }>;

/** The order_event types the stream reads: exactly the trigger's list (migration 20261129200000_events_out). */
export const EVENT_SOURCES = Object.keys(FROM_FACT) as (keyof typeof FROM_FACT)[];

/** One recorded fact of an order, as the relay reads it. */
export interface OrderFact { type: string; step: string; data: Record<string, unknown> }

/** An outgoing event before it gets its id: `key` names it uniquely and stably (its id is derived from it). */
export interface Outgoing { audience: 'webhook' | 'notice'; type: WebhookEventType | NoticeKind; key: string }

/** The events one fact of `orderId` becomes; none for a type the stream does not read. */
export function outgoingOf(orderId: string, fact: OrderFact): Outgoing[] {
  const route = (FROM_FACT as Record<string, { webhook?: WebhookEventType; notice?: NoticeKind }>)[fact.type];
  if (!route) return [];
  const out: Outgoing[] = [];
  const key = (type: string) => `${orderId}/${type}/${fact.step}`;
  if (route.webhook) out.push({ audience: 'webhook', type: route.webhook, key: key(route.webhook) });
  if (route.notice) {
    const reasons = (fact.data.reasons ?? []) as Reason[];
    // a review opened because the money did not add up is a payment anomaly to the merchant
    const notice = route.notice === 'review_waiting' && reasons.some((r) => PAYMENT_ANOMALY_REASONS.includes(r.code)) ? 'payment_anomaly' : route.notice;
    out.push({ audience: 'notice', type: notice, key: key(notice) });
  }
  return out;
}

/** The webhook type an order event type becomes (the trigger's `'order.' || type` for the routine ones). */
export const webhookTypeOf = (factType: string): WebhookEventType | undefined =>
  (FROM_FACT as Record<string, { webhook?: WebhookEventType }>)[factType]?.webhook;

/** A stock.low episode's key: one event each time a product's stock falls to its threshold. */
export const stockLowKey = (productId: string, episode: number) => `${productId}/stock.low/${episode}`;

/**
 * An endpoint as an owner types it: HTTPS, or http to a loopback address (a local receiver, tests).
 * No credentials in the URL: the signature authenticates Kami to the receiver.
 */
export const WebhookUrl = z.string().trim().max(2000).pipe(z.url({ protocol: /^https?$/ })).superRefine((text, ctx) => {
  if (!URL.canParse(text)) return; // the url check above said so already
  const url = new URL(text);
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'leave credentials out of the URL; the receiver checks Kami-Signature instead' });
  if (url.hash) ctx.addIssue({ code: 'custom', message: 'a webhook URL has no #fragment' });
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) ctx.addIssue({ code: 'custom', message: 'use https:// (plain http only to a loopback address such as 127.0.0.1)' });
});

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export const WebhookEndpointInput = z.strictObject({
  channelId: z.string().trim().min(1).max(40),
  url: WebhookUrl,
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, 'subscribe to at least one event').max(WEBHOOK_EVENT_TYPES.length)
    .transform((list) => [...new Set(list)]),
  includeKeys: z.boolean().default(false),
  description: z.string().trim().max(200).default(''),
});
export const WebhookEndpointUpdate = WebhookEndpointInput.omit({ channelId: true }).partial().extend({ disabled: z.boolean().optional() });
