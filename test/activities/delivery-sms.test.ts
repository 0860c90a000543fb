import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivityDeps } from '../../activities/deps.js';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../infra/mailer.js';
import { takeSmsLease } from '../../infra/sms-delivery-store.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { startKami, type Kami } from '../helpers/kami.js';
import { smsProduct, TWILIO, twilioEnv, usPhone } from '../helpers/sms.js';

// The SMS activity alone, against the real database and the fake Twilio, with no worker: what one
// attempt, a retried attempt and a concurrent attempt do, row by row.

let kami: Kami;
let twilio: FakeTwilio;
let activities: ReturnType<typeof createActivities>;
let mailer: ReturnType<typeof createMailer>;
beforeAll(async () => {
  twilio = await startFakeTwilio(TWILIO);
  kami = await startKami({ worker: false, env: twilioEnv(twilio) });
  mailer = createMailer(kami.config.smtpUrl, kami.config.MAIL_FROM);
  activities = createActivities(createActivityDeps({ config: kami.config, db: kami.db, vault: kami.vault, mailer, log: kami.log, temporal: kami.temporal }));
});
afterAll(async () => {
  mailer?.close();
  await kami?.stop();
  await twilio?.close();
});

/** A paid order of an SMS product whose keys are sold and readable, as the settle step leaves it; no worker runs. */
async function deliveringOrder(sms: Parameters<typeof smsProduct>[2] = { smsText: 'Order {order}: {link}' }) {
  const product = await smsProduct(kami, 2, sms);
  const phone = usPhone();
  const { status, body } = await kami.checkout({ sku: product.sku, quantity: 2, email: 'sms-lease@example.com', phone });
  expect(status, JSON.stringify(body)).toBe(201);
  await kami.db.cardKey.updateMany({ where: { orderId: body.orderId }, data: { status: 'sold', soldAt: new Date() } });
  await kami.db.order.update({ where: { id: body.orderId }, data: { status: 'delivering', deliveredAt: new Date() } });
  return { orderId: body.orderId as string, accessToken: body.accessToken as string, phone, product };
}

const row = (orderId: string, channel = 'sms') => kami.db.delivery.findUniqueOrThrow({ where: { orderId_channel: { orderId, channel } } });
const events = (orderId: string) => kami.db.orderEvent.findMany({ where: { orderId, type: { in: ['sms_sent', 'delivery_failing'] } }, orderBy: { id: 'asc' } });
const failureType = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof ApplicationFailure ? `${e.type}${e.nonRetryable ? '' : ' (retryable)'}` : 'retryable error'));

describe('the SMS delivery activity', () => {
  it('texts the order page\'s link (keys not allowed): its token opens the keys; the row and the order keep the provider\'s id, never the text', async () => {
    const o = await deliveringOrder();
    const sent = await activities.deliverSms(o.orderId, 'sms');
    const msgs = twilio.to(o.phone);
    expect(msgs).toHaveLength(1);
    expect(sent).toEqual({ attempts: 1, messageId: msgs[0]!.sid });
    const link = /(http:\/\/\S+\/orders\/\S+\?token=\S+)/.exec(msgs[0]!.body)![1]!;
    expect(msgs[0]!.body).toBe(`Order ${o.orderId}: ${link}`);
    const keys = (await kami.order(o.orderId, new URL(link).searchParams.get('token')!)).body.keys as string[];
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(msgs[0]!.body).not.toContain(k);
    expect(await row(o.orderId)).toMatchObject({ status: 'sent', attempts: 1, provider: 'twilio', messageId: sent.messageId, recipient: o.phone, leaseUntil: null });
    const [event] = await events(o.orderId);
    expect(event).toMatchObject({ type: 'sms_sent', step: 'sms', data: { provider: 'twilio', messageId: sent.messageId, template: 'text', keysIncluded: false, attempts: 1 } });
    expect(JSON.stringify(event!.data)).not.toContain(o.accessToken);
  });

  it('puts the keys in the SMS where the product allows it', async () => {
    const o = await deliveringOrder({ smsKeysAllowed: true, smsText: '{product}: {keys}' });
    await activities.deliverSms(o.orderId, 'sms');
    const keys = (await kami.order(o.orderId, o.accessToken)).body.keys as string[];
    expect(twilio.to(o.phone).map((m) => m.body)).toEqual([`${o.product.name}: ${keys.join('\n')}`]);
    expect((await events(o.orderId))[0]!.data).toMatchObject({ keysIncluded: true });
  });

  it('an attempt retried while the first still waits for the provider waits for it; a later one answers with the send: one SMS', async () => {
    const o = await deliveringOrder();
    twilio.fail({ kind: 'hold' });
    const first = activities.deliverSms(o.orderId, 'sms');
    await expect.poll(() => twilio.to(o.phone).length).toBe(1);
    await expect(activities.deliverSms(o.orderId, 'sms')).rejects.toThrow(/another attempt is sending/);
    twilio.release();
    const sent = await first;
    expect(await activities.deliverSms(o.orderId, 'sms')).toEqual(sent);
    expect(twilio.to(o.phone)).toHaveLength(1);
    expect(await row(o.orderId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('"not sent" (rate limit, outage) gives the lease back and is retried; the first failure is told once', async () => {
    const o = await deliveringOrder();
    twilio.fail({ kind: 'rate_limit' }, { kind: 'server_error' });
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('retryable error');
    expect(await row(o.orderId)).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'Twilio 20429: Too Many Requests', leaseUntil: null });
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('retryable error');
    const sent = await activities.deliverSms(o.orderId, 'sms');
    expect(sent.attempts).toBe(3);
    expect(twilio.to(o.phone)).toHaveLength(1);
    expect((await events(o.orderId)).map((e) => [e.type, e.step, (e.data as { error?: string }).error ?? null])).toEqual([
      ['delivery_failing', 'sms', 'Twilio 20429: Too Many Requests'], ['sms_sent', 'sms', null],
    ]);
  });

  it('a refusal for good is recorded, told, and never tried again', async () => {
    const o = await deliveringOrder();
    twilio.fail({ kind: 'invalid_number' });
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('SmsRefused');
    expect(await row(o.orderId)).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('Twilio 21211') });
    expect((await events(o.orderId)).map((e) => [e.step, e.data])).toEqual([
      ['sms:failed', { channel: 'sms', outcome: 'permanent', attempt: 1, error: expect.stringContaining('21211') }],
    ]);
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('SmsRefused');
    expect(twilio.to(o.phone)).toHaveLength(0);
    expect((await row(o.orderId)).attempts).toBe(1);
  });

  it('no answer after the request left (a dropped connection) may have sent it: unknown, told, never sent again', async () => {
    const o = await deliveringOrder();
    twilio.fail({ kind: 'drop_after' });
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('SmsOutcomeUnknown');
    expect(await row(o.orderId)).toMatchObject({ status: 'unknown', attempts: 1 });
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('SmsRefused');
    expect(twilio.to(o.phone)).toHaveLength(1);
    expect((await events(o.orderId)).map((e) => (e.data as { outcome?: string }).outcome)).toEqual(['unknown']);
  });

  it('an attempt that took the lease and died mid-send (its lease ran out, no answer recorded) is never followed by a second SMS', async () => {
    const o = await deliveringOrder();
    // what a worker killed after taking the lease leaves behind
    const dead = await takeSmsLease(kami.db, o.orderId, 'sms', 1, 'twilio');
    expect(dead?.lease_id).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('SmsOutcomeUnknown');
    expect(twilio.to(o.phone)).toHaveLength(0);
    expect(await row(o.orderId)).toMatchObject({ status: 'unknown', attempts: 1, lastError: expect.stringContaining('may have been sent') });
    expect((await events(o.orderId)).map((e) => [e.step, (e.data as { outcome?: string }).outcome])).toEqual([['sms:failed', 'unknown']]);
    // the order's run then records its end: nothing changes for a row already final
    await activities.recordSmsGaveUp(o.orderId, 'sms');
    expect((await row(o.orderId)).status).toBe('unknown');
    expect(await events(o.orderId)).toHaveLength(1);
  });

  it('gives up a row still retrying when the order\'s run stops: failed and told, once', async () => {
    const o = await deliveringOrder();
    twilio.fail({ kind: 'server_error' });
    await failureType(activities.deliverSms(o.orderId, 'sms'));
    await activities.recordSmsGaveUp(o.orderId, 'sms');
    await activities.recordSmsGaveUp(o.orderId, 'sms');
    expect(await row(o.orderId)).toMatchObject({ status: 'failed' });
    expect((await events(o.orderId)).map((e) => [e.step, (e.data as { outcome?: string }).outcome ?? null])).toEqual([['sms', null], ['sms:failed', 'gave_up']]);
  });

  it('a template the product may not send is refused before anything goes out', async () => {
    const o = await deliveringOrder();
    // written behind the panel's back: the panel refuses it (test/api/sms-products.test.ts)
    await kami.db.product.update({ where: { id: o.product.id }, data: { smsText: 'Here: {keys}' } });
    expect(await failureType(activities.deliverSms(o.orderId, 'sms'))).toBe('SmsRefused');
    expect(twilio.to(o.phone)).toHaveLength(0);
    expect((await row(o.orderId)).lastError).toMatch(/does not allow/);
  });
});
