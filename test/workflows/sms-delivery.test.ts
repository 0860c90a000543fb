import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { createLogger } from '../../infra/logger.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import { SMS_DELIVERY_PATCH } from '../../workflows/steps.js';
import { startFakeAliyunSms, type FakeAliyunSms } from '../fakes/aliyun-sms.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { MERCHANT_EMAIL, startKami, type Kami } from '../helpers/kami.js';
import { killSpawnedWorkers, spawnWorker, type ChildWorker } from '../helpers/processes.js';
import { ALIYUN, ALIYUN_TEMPLATE, aliyunEnv, smsProduct, TWILIO, twilioEnv, usPhone } from '../helpers/sms.js';

// An SMS product end to end on the real API, worker, Temporal and PostgreSQL, against the fake
// providers: checkout with a phone, payment, the email and the SMS, failures and retries, an
// operator's resend, a worker killed mid-send; and nothing secret left in logs, histories or rows.

interface Placed { orderId: string; accessToken: string; phone: string }

async function placeAndPay(kami: Kami, sku: string, phone: string | undefined, quantity = 1): Promise<Placed> {
  // each order from its own address: the whole run shares 127.0.0.1, and velocity would send later ones to review
  const created = await kami.checkout({ sku, quantity, email: `sms-${randomInt(1e9)}@example.com`, ...(phone ? { phone } : {}) },
    { 'x-forwarded-for': `198.51.100.${randomInt(1, 255)}` });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await kami.pay(created.body.orderId, created.body.accessToken)).status).toBe(200);
  return { orderId: created.body.orderId, accessToken: created.body.accessToken, phone: phone ?? '' };
}

const handleOf = (kami: Kami, orderId: string) => kami.temporal.workflow.getHandle(orderWorkflowId(orderId));
const deliveryRows = (kami: Kami, orderId: string) => kami.db.delivery.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
const mailFor = (kami: Kami, orderId: string) => kami.mail.messages.filter((m) => m.subject.includes(orderId) && m.to.includes('example.com'));
const noticesFor = (kami: Kami, orderId: string) => kami.mail.messages.filter((m) => m.to.includes(MERCHANT_EMAIL) && m.subject.includes(orderId));

/** The workflow's history as text, every payload decoded (base64 would hide a key from a plain search). */
async function historyText(kami: Kami, orderId: string): Promise<string> {
  const history = await handleOf(kami, orderId).fetchHistory();
  const decoded: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.data instanceof Uint8Array && o.metadata) decoded.push(Buffer.from(o.data).toString('utf8'));
      Object.values(o).forEach(walk);
    }
  };
  walk(history);
  return `${JSON.stringify(history)}\n${decoded.join('\n')}`;
}

const patchMarkers = async (kami: Kami, orderId: string) => ((await handleOf(kami, orderId).fetchHistory()).events ?? [])
  .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length;
const scheduledActivities = async (kami: Kami, orderId: string) => ((await handleOf(kami, orderId).fetchHistory()).events ?? [])
  .filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);

describe('Twilio: an SMS product from checkout to the buyer\'s phone', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let twilio: FakeTwilio;
  let kami: Kami;
  let operator: AdminSession;
  const logLines: string[] = [];
  /** Every secret an SMS order here put in the buyer's hands; none may appear at rest or in a log. */
  const secrets = new Set<string>();
  const smsOrders: string[] = [];

  beforeAll(async () => {
    twilio = await startFakeTwilio(TWILIO);
    // a database of its own: this Kami relays merchant notices (the delivery_failing ones by email too)
    db = await freshDatabase('sms');
    const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
    kami = await startKami({
      events: true, log: createLogger('debug', 'sms-test', sink),
      env: { ...twilioEnv(twilio), DATABASE_URL: db.url, LOG_LEVEL: 'debug', KAMI_MERCHANT_EMAIL_NOTICES: 'delivery_failing' },
    });
    operator = await loginAs(kami, 'operator');
    secrets.add(TWILIO.authToken);
  });
  afterAll(async () => {
    await kami?.stop();
    await twilio?.close();
    await db?.drop();
  });

  /** Remembers an order's keys and token as secrets to look for. */
  async function remember(o: Placed) {
    smsOrders.push(o.orderId);
    secrets.add(o.accessToken);
    for (const k of await readOrderSecrets(kami.db, kami.vault, o.orderId)) secrets.add(k.secret);
  }

  it('needs the phone at checkout, then emails the keys and texts the order page\'s link (keys not allowed), each once', async () => {
    const product = await smsProduct(kami, 5, { smsText: 'Your {product} (order {order}) is ready: {link}' });
    const before = await kami.db.order.count({ where: { productId: product.id } });
    const refused = await kami.checkout({ sku: product.sku, quantity: 1, email: 'nophone@example.com' });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'phone_required']);
    expect(await kami.db.order.count({ where: { productId: product.id } })).toBe(before);

    const o = await placeAndPay(kami, product.sku, usPhone(), 2);
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    await remember(o);
    const keys = (await kami.order(o.orderId, o.accessToken)).body.keys as string[];
    expect(keys).toHaveLength(2);

    // the email, unchanged: the keys
    const mails = mailFor(kami, o.orderId);
    expect(mails).toHaveLength(1);
    for (const k of keys) expect(mails[0]!.text).toContain(k);
    // the SMS: the link, whose token opens the keys; not the keys themselves
    const sms = twilio.to(o.phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.from).toBe(TWILIO.from);
    const link = `${kami.baseUrl}/orders/${o.orderId}?token=${o.accessToken}`;
    expect(sms[0]!.body).toBe(`Your ${product.name} (order ${o.orderId}) is ready: ${link}`);
    for (const k of keys) expect(sms[0]!.body).not.toContain(k);
    expect((await kami.order(o.orderId, new URL(link).searchParams.get('token')!)).body.keys).toEqual(keys);

    expect((await deliveryRows(kami, o.orderId)).map((d) => [d.channel, d.status, d.attempts, d.provider, d.messageId])).toEqual([
      ['email', 'sent', 1, null, expect.any(String)], ['sms', 'sent', 1, 'twilio', sms[0]!.sid],
    ]);
    const events = await kami.db.orderEvent.findMany({ where: { orderId: o.orderId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['email_sent', 'delivered', 'sms_sent']));
    // the order's run asked for the SMS behind its patch, as one activity beside the email
    expect(await patchMarkers(kami, o.orderId)).toBe(1);
    expect(await historyText(kami, o.orderId)).toContain(SMS_DELIVERY_PATCH);
    expect(await scheduledActivities(kami, o.orderId)).toEqual(['deliverSms']);
  });

  it('a routine order on the same shop is untouched: no SMS activity, no patch marker, no SMS', async () => {
    const product = await kami.product(2);
    const sent = twilio.messages.length;
    const o = await placeAndPay(kami, product.sku, usPhone());
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    expect(await scheduledActivities(kami, o.orderId)).toEqual([]);
    expect(await patchMarkers(kami, o.orderId)).toBe(0);
    expect(twilio.messages).toHaveLength(sent);
    expect((await deliveryRows(kami, o.orderId)).map((d) => d.channel)).toEqual(['email']);
  });

  it('texts the keys themselves where the product allows it', async () => {
    const product = await smsProduct(kami, 3, { smsKeysAllowed: true, smsText: '{product} order {order}:\n{keys}' });
    const o = await placeAndPay(kami, product.sku, usPhone(), 2);
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    await remember(o);
    const keys = (await kami.order(o.orderId, o.accessToken)).body.keys as string[];
    expect(twilio.to(o.phone).map((m) => m.body)).toEqual([`${product.name} order ${o.orderId}:\n${keys.join('\n')}`]);
    expect(mailFor(kami, o.orderId)).toHaveLength(1);
  });

  it('"not sent" twice (rate limit, outage), then sent: one SMS, three attempts, the merchant told once while it retried', async () => {
    const product = await smsProduct(kami, 2, { smsText: 'Order {order}: {link}' });
    twilio.fail({ kind: 'rate_limit' }, { kind: 'server_error' });
    const o = await placeAndPay(kami, product.sku, usPhone());
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    await remember(o);
    expect(twilio.to(o.phone)).toHaveLength(1);
    const sms = (await deliveryRows(kami, o.orderId)).find((d) => d.channel === 'sms');
    expect(sms).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    const failing = await kami.db.orderEvent.findMany({ where: { orderId: o.orderId, type: 'delivery_failing' } });
    expect(failing.map((e) => [e.step, (e.data as { error: string }).error])).toEqual([['sms', 'Twilio 20429: Too Many Requests']]);
    await expect.poll(() => noticesFor(kami, o.orderId).length, { timeout: 20_000 }).toBe(1);
    const [notice] = noticesFor(kami, o.orderId);
    expect(notice!.subject).toBe(`Delivery SMS failing: order ${o.orderId}`);
    expect(notice!.text).toContain('The SMS to the buyer failed; Kami keeps retrying.');
  });

  it('refused for good (an invalid number): recorded, not retried, the merchant told; the email and the order page still deliver', async () => {
    const product = await smsProduct(kami, 2, { smsText: 'Order {order}: {link}' });
    twilio.fail({ kind: 'invalid_number' });
    const requests = twilio.requests.length;
    const o = await placeAndPay(kami, product.sku, usPhone());
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    await remember(o);
    expect(twilio.requests.length - requests).toBe(1);
    expect(twilio.to(o.phone)).toHaveLength(0);
    expect(mailFor(kami, o.orderId)).toHaveLength(1);
    expect((await deliveryRows(kami, o.orderId)).find((d) => d.channel === 'sms'))
      .toMatchObject({ status: 'failed', attempts: 1, lastError: `Twilio 21211: The 'To' number ${o.phone} is not a valid phone number.` });
    await expect.poll(() => noticesFor(kami, o.orderId).length, { timeout: 20_000 }).toBe(1);
    const [notice] = noticesFor(kami, o.orderId);
    expect(notice!.text).toContain('The SMS to the buyer could not be sent and will not be retried');
    expect(notice!.text).toContain('Twilio 21211');
    expect((await kami.order(o.orderId, o.accessToken)).body.status).toBe('delivered');
  });

  it('an operator texts the buyer again (sms-resend-1); an order without an SMS, or a viewer, cannot', async () => {
    const product = await smsProduct(kami, 3, { smsText: 'Order {order}: {link}' });
    const o = await placeAndPay(kami, product.sku, usPhone());
    await handleOf(kami, o.orderId).result();
    await remember(o);
    const resent = await adminCall(kami, operator, 'POST', `/orders/${o.orderId}/resend-sms`);
    expect([resent.status, resent.body]).toEqual([202, { id: o.orderId, status: 'delivered', channel: 'sms-resend-1' }]);
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    expect(twilio.to(o.phone)).toHaveLength(2);
    expect((await deliveryRows(kami, o.orderId)).map((d) => [d.channel, d.status])).toEqual([['email', 'sent'], ['sms', 'sent'], ['sms-resend-1', 'sent']]);
    const shown = await adminCall(kami, operator, 'GET', `/orders/${o.orderId}`);
    expect(shown.body.smsDelivered).toBe(true);
    expect(shown.body.deliveries.map((d: { channel: string; messageId: string }) => d.channel)).toEqual(['email', 'sms', 'sms-resend-1']);
    expect(JSON.stringify(shown.body.deliveries)).not.toContain(o.accessToken);
    expect(await kami.db.auditLog.count({ where: { action: 'order.resend_sms', targetId: o.orderId } })).toBe(1);

    const routine = await placeAndPay(kami, (await kami.product(1)).sku, undefined);
    await handleOf(kami, routine.orderId).result();
    const refused = await adminCall(kami, operator, 'POST', `/orders/${routine.orderId}/resend-sms`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'sms_not_resendable']);
    const viewer = await loginAs(kami, 'viewer');
    expect((await adminCall(kami, viewer, 'POST', `/orders/${o.orderId}/resend-sms`)).status).toBe(403);
  });

  it('leaves no key, token or auth token in a log line, a workflow history or the database', async () => {
    expect(smsOrders.length).toBeGreaterThanOrEqual(4);
    expect(secrets.size).toBeGreaterThan(smsOrders.length);
    const logs = logLines.join('');
    const histories = (await Promise.all(smsOrders.map((id) => historyText(kami, id)))).join('\n');
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', db.url], { encoding: 'utf8', maxBuffer: 256 << 20 });
    // positive controls: each scan reads what it claims to
    expect(logs).toContain('delivery SMS failed');
    for (const id of smsOrders) {
      expect(histories).toContain(id);
      expect(dump).toContain(id);
    }
    onTestFailed(() => console.error(`secrets: ${[...secrets].length}`));
    for (const secret of secrets) {
      expect(logs.includes(secret), 'a secret in a log line').toBe(false);
      expect(histories.includes(secret), 'a secret in a workflow history').toBe(false);
      expect(dump.includes(secret), 'a secret in the database').toBe(false);
    }
  });
});

describe('Alibaba Cloud SMS: the template\'s variables carry the keys where the product allows it', () => {
  let aliyun: FakeAliyunSms;
  let kami: Kami;
  beforeAll(async () => {
    aliyun = await startFakeAliyunSms({ ...ALIYUN, templates: { [ALIYUN_TEMPLATE.code]: ALIYUN_TEMPLATE.vars } });
    kami = await startKami({ env: aliyunEnv(aliyun) });
  });
  afterAll(async () => {
    await kami?.stop();
    await aliyun?.close();
  });

  const mainland = () => `+86138${String(randomInt(1e7, 1e8))}`;
  const template = (content: string) => ({
    smsTemplateCode: ALIYUN_TEMPLATE.code, smsTemplateParams: [{ name: 'order', value: '{order}' }, { name: 'content', value: content }],
  });

  it('keys allowed: the signed SendSms the fake verified carries them; the email still goes', async () => {
    const product = await smsProduct(kami, 2, { smsKeysAllowed: true, ...template('{keys}') });
    const o = await placeAndPay(kami, product.sku, mainland());
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    const keys = (await kami.order(o.orderId, o.accessToken)).body.keys as string[];
    const sent = aliyun.messages.filter((m) => m.outId === `${o.orderId}.sms`);
    expect(sent).toEqual([expect.objectContaining({
      phoneNumbers: o.phone.slice(3), signName: ALIYUN.signName, templateCode: ALIYUN_TEMPLATE.code, params: { order: o.orderId, content: keys.join('\n') },
    })]);
    expect(mailFor(kami, o.orderId)).toHaveLength(1);
    expect((await deliveryRows(kami, o.orderId)).find((d) => d.channel === 'sms')).toMatchObject({ status: 'sent', provider: 'aliyun', messageId: sent[0]!.bizId });
    expect(aliyun.requests.every((r) => r.signed)).toBe(true);
  });

  it('keys not allowed: the link; flow control (isv.BUSINESS_LIMIT_CONTROL) is waited out', async () => {
    const product = await smsProduct(kami, 2, template('{link}'));
    aliyun.fail({ kind: 'flow_control' });
    const o = await placeAndPay(kami, product.sku, mainland());
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    const sent = aliyun.messages.filter((m) => m.outId === `${o.orderId}.sms`);
    expect(sent.map((m) => m.params)).toEqual([{ order: o.orderId, content: `${kami.baseUrl}/orders/${o.orderId}?token=${o.accessToken}` }]);
    expect((await deliveryRows(kami, o.orderId)).find((d) => d.channel === 'sms')).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describe('a worker killed while the provider has the SMS', () => {
  let twilio: FakeTwilio;
  let kami: Kami;
  beforeAll(async () => {
    twilio = await startFakeTwilio(TWILIO);
    // the order's give-up period (its input, from the API's configuration) outlasts the activity's timeout: the retry comes
    kami = await startKami({ worker: false, env: { ...twilioEnv(twilio), KAMI_EMAIL_GIVE_UP_AFTER: '2m' } });
  });
  afterAll(async () => {
    await killSpawnedWorkers();
    await kami?.stop();
    await twilio?.close();
  });

  it('is not followed by a second SMS: the next worker finds the attempt unanswered and records it unknown, once', async () => {
    const env = twilioEnv(twilio);
    const first = spawnWorker(kami, env);
    let second: ChildWorker | undefined;
    onTestFailed(() => console.error(`first worker:\n${first.output().slice(-4000)}\nsecond worker:\n${second?.output().slice(-4000)}`));
    const product = await smsProduct(kami, 2, { smsText: 'Order {order}: {link}' });
    twilio.fail({ kind: 'hold' });
    const o = await placeAndPay(kami, product.sku, usPhone());
    // the provider has taken the message; its answer is held while the worker dies
    await expect.poll(() => twilio.to(o.phone).length, { timeout: 30_000 }).toBe(1);
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    twilio.release();
    second = spawnWorker(kami, env);

    // the activity's start-to-close timeout hands the retry to the new worker, which sends nothing
    expect((await handleOf(kami, o.orderId).result()).status).toBe('delivered');
    expect(twilio.to(o.phone)).toHaveLength(1);
    const sms = (await deliveryRows(kami, o.orderId)).find((d) => d.channel === 'sms');
    expect(sms).toMatchObject({ status: 'unknown', attempts: 1, lastError: expect.stringContaining('may have been sent') });
    // it was the retry on the second worker that found the lease run out (not the run giving up)
    const failed = ((await handleOf(kami, o.orderId).fetchHistory()).events ?? []).find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type).toBe('SmsOutcomeUnknown');
    const events = await kami.db.orderEvent.findMany({ where: { orderId: o.orderId, type: 'delivery_failing' } });
    expect(events.map((e) => [e.step, (e.data as { outcome: string }).outcome])).toEqual([['sms:failed', 'unknown']]);
    expect(mailFor(kami, o.orderId)).toHaveLength(1);
    const keys = (await kami.order(o.orderId, o.accessToken)).body.keys as string[];
    for (const secret of [...keys, o.accessToken, TWILIO.authToken]) expect(first.output() + second.output()).not.toContain(secret);
    await second.kill('SIGTERM');
  }, 120_000);
});
