import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_SOURCES, outgoingOf, webhookTypeOf, WebhookUrl } from '../../domain/events.js';
import { eventId } from '../../infra/events/stream.js';

// the newest migration that (re)defines the outbox trigger
const MIGRATION = readFileSync(new URL('../../prisma/migrations/20261129250000_part_delivered_webhook/migration.sql', import.meta.url), 'utf8');

describe('the event stream table', () => {
  it('the outbox trigger queues exactly the facts the stream reads', () => {
    const when = /CREATE TRIGGER "order_event_outbox"[\s\S]*?WHEN \(NEW\."type" IN \(([^)]*)\)\)/.exec(MIGRATION)?.[1];
    expect(when?.split(',').map((t) => t.trim().replace(/'/g, '')).sort()).toEqual([...EVENT_SOURCES].sort());
    // the routine facts it filters by subscription are those whose webhook type is `order.<type>`
    expect(MIGRATION).toContain(`NEW."type" IN ('paid', 'delivered', 'part_delivered') AND NOT EXISTS`);
    expect(['paid', 'delivered', 'part_delivered'].map(webhookTypeOf)).toEqual(['order.paid', 'order.delivered', 'order.part_delivered']);
  });

  it('maps facts to webhook events and notices with keys stable per fact', () => {
    expect(outgoingOf('ord_1', { type: 'paid', step: '', data: {} })).toEqual([{ audience: 'webhook', type: 'order.paid', key: 'ord_1/order.paid/' }]);
    expect(outgoingOf('ord_1', { type: 'in_review', step: '2', data: { reasons: [{ code: 'bulk_quantity', message: 'x' }] } })).toEqual([
      { audience: 'webhook', type: 'order.in_review', key: 'ord_1/order.in_review/2' },
      { audience: 'notice', type: 'review_waiting', key: 'ord_1/review_waiting/2' },
    ]);
    // a review because the money did not add up reads as a payment anomaly to the merchant
    expect(outgoingOf('ord_1', { type: 'in_review', step: '1', data: { reasons: [{ code: 'payment_amount_low', message: 'x' }] } })[1]!.type).toBe('payment_anomaly');
    expect(outgoingOf('ord_1', { type: 'created', step: '', data: {} })).toEqual([]);
    expect(eventId('ord_1/order.paid/')).toBe(eventId('ord_1/order.paid/'));
    expect(eventId('ord_1/order.paid/')).not.toBe(eventId('ord_2/order.paid/'));
    expect(eventId('x')).toMatch(/^evt_[A-Za-z0-9_-]{24}$/);
  });

  it('takes https endpoints, and http only to loopback, without credentials in the URL', () => {
    expect(WebhookUrl.safeParse('https://partner.example/hooks?x=1').success).toBe(true);
    expect(WebhookUrl.safeParse('http://127.0.0.1:9000/hooks').success).toBe(true);
    expect(WebhookUrl.safeParse('http://[::1]:9000/hooks').success).toBe(true);
    for (const bad of ['http://partner.example/hooks', 'ftp://x.example/', 'https://user:pw@x.example/', 'https://x.example/#a', 'not a url']) {
      expect(WebhookUrl.safeParse(bad).success, bad).toBe(false);
    }
  });
});
