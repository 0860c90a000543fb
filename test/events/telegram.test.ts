import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTelegramWebhook } from '../../api/telegram.js';
import { signSandboxNotification } from '../../infra/payments/sandbox.js';
import { telegramOf } from '../../infra/telegram/bot.js';
import { adminCall, loginAs, type AdminSession } from '../helpers/admin.js';
import { freshDatabase } from '../helpers/fresh-db.js';
import { MERCHANT_EMAIL, startKami, type Kami } from '../helpers/kami.js';
import { startFakeTelegram, type FakeTelegram, type FakeUser, type SentMessage } from '../fakes/telegram.js';

const TOKEN = '123456789:AAH-test_token_for_the_fake_bot_api';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let tg: FakeTelegram;
let kami: Kami;
let operator: AdminSession;
let viewer: AdminSession;
const alice: FakeUser = { id: 4242, is_bot: false, first_name: 'Alice', username: 'alice_ops' };
const victor: FakeUser = { id: 5151, is_bot: false, first_name: 'Victor', username: 'victor_viewer' };
const mallory: FakeUser = { id: 6666, is_bot: false, first_name: 'Mallory' };

beforeAll(async () => {
  db = await freshDatabase('telegram');
  tg = await startFakeTelegram(TOKEN);
  kami = await startKami({
    events: true,
    env: { DATABASE_URL: db.url, KAMI_TELEGRAM_BOT_TOKEN: TOKEN, KAMI_TELEGRAM_API_BASE: tg.apiBase, KAMI_MERCHANT_EMAIL_NOTICES: 'review_waiting,stock_low' },
  });
  // what the API does at start
  await registerTelegramWebhook(telegramOf(kami.config), kami.baseUrl, kami.log);
  operator = await loginAs(kami, 'operator');
  viewer = await loginAs(kami, 'viewer');
});
afterAll(async () => {
  await kami?.stop();
  await tg?.close();
  await db?.drop();
});

const statusOf = async (orderId: string) => (await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status;

async function link(session: AdminSession, user: FakeUser) {
  const made = await adminCall(kami, session, 'POST', '/telegram/link');
  expect(made.status, made.text).toBe(201);
  expect(made.body.deepLink).toBe(`https://t.me/kami_test_bot?start=${made.body.code}`);
  expect(await tg.userSays(user, made.body.command)).toBe(200);
  return made.body.code as string;
}

/** The message Kami sent to `user` about `orderId`, once it is there. */
async function messageAbout(user: FakeUser, orderId: string): Promise<SentMessage> {
  await expect.poll(() => tg.messages.find((m) => m.chat_id === user.id && m.text.includes(orderId)), { timeout: 20_000 }).toBeTruthy();
  return tg.messages.find((m) => m.chat_id === user.id && m.text.includes(orderId))!;
}

async function flaggedOrder(quantity = 21) {
  const product = await kami.product(quantity + 30, { priceCents: 150 });
  const { body } = await kami.checkout({ sku: product.sku, quantity, email: 'bulk.buyer@example.com' });
  await kami.pay(body.orderId, body.accessToken);
  await expect.poll(() => statusOf(body.orderId), { timeout: 20_000 }).toBe('in_review');
  return { orderId: body.orderId as string, product };
}

describe('merchant notifications in Telegram', () => {
  it('links an operator with a one-time code, and refuses an unknown or reused one', async () => {
    const code = await link(operator, alice);
    expect(tg.messages.at(-1)).toMatchObject({ chat_id: alice.id, text: expect.stringContaining(`Linked to Test operator (${operator.operator.email})`) });
    const me = await adminCall(kami, operator, 'GET', '/telegram');
    expect(me.body).toMatchObject({ configured: true, bot: 'kami_test_bot', linked: true, username: 'alice_ops' });
    // the code worked once
    expect(await tg.userSays(mallory, `/start ${code}`)).toBe(200);
    expect(tg.messages.at(-1)).toMatchObject({ chat_id: mallory.id, text: expect.stringContaining('unknown or expired') });
    expect(await kami.db.telegramLink.count({ where: { telegramUserId: BigInt(mallory.id) } })).toBe(0);
    expect(await kami.db.auditLog.count({ where: { action: 'operator.telegram.link', actorEmail: operator.operator.email } })).toBe(1);
    await link(viewer, victor);
  });

  it('refuses updates without the secret token or with a malformed body, changing nothing', async () => {
    const path = tg.webhook!.url;
    const forged = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guess' }, body: JSON.stringify({ update_id: 1 }) });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('invalid_secret_token');
    const malformed = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': tg.webhook!.secret }, body: JSON.stringify({ update_id: 'x' }) });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('invalid_request');
  });

  it('decision round trip: a review waiting reaches the linked operator with buttons; Approve decides it through the workflow, audited; a second press changes nothing', async () => {
    // Telegram is busy at first: Kami waits as long as it is told before trying again
    tg.failNext('sendMessage', { code: 429, retryAfter: 2 });
    const { orderId, product } = await flaggedOrder();
    const msg = await messageAbout(alice, orderId);
    expect(msg.text).toContain('Review waiting');
    expect(msg.text).toContain('21 keys is above the bulk threshold');
    expect(msg.text).toContain('Buyer: bu…@example.com');
    expect(msg.text).toContain(`${kami.baseUrl}/admin/orders/${orderId}/show`);
    expect(msg.reply_markup.inline_keyboard[0].map((b: { text: string }) => b.text)).toEqual(['✅ Approve', '❌ Reject']);
    // the viewer hears about it, without buttons; the merchant's email too (review_waiting is in its list)
    const toViewer = await messageAbout(victor, orderId);
    expect(toViewer.reply_markup).toBeUndefined();
    // the refused send is tried again with the same chat and text (it may be another of the order's messages than the two read above)
    const retryOf = () => {
      const sends = tg.callsOf('sendMessage');
      const throttled = sends.findIndex((c) => c.answered === 429);
      const retried = throttled < 0 ? undefined
        : sends.slice(throttled + 1).find((c) => c.body.chat_id === sends[throttled]!.body.chat_id && c.body.text === sends[throttled]!.body.text);
      return { sends, throttled, retried };
    };
    await expect.poll(() => retryOf().retried?.answered, { timeout: 20_000 }).toBe(200);
    const { sends, throttled, retried } = retryOf();
    expect(throttled).toBeGreaterThanOrEqual(0);
    expect(retried!.at - sends[throttled]!.at).toBeGreaterThanOrEqual(1900);
    await kami.mail.waitFor((m) => m.to.includes(MERCHANT_EMAIL) && m.text.includes(orderId), 15_000);

    const approve = msg.reply_markup.inline_keyboard[0][0].callback_data as string;
    // someone who is not linked, and a linked viewer, are refused
    expect(await tg.userPresses(mallory, msg, approve)).toBe(200);
    expect(tg.callsOf('answerCallbackQuery').at(-1)!.body.text).toContain('not linked');
    expect(await tg.userPresses(victor, toViewer, approve)).toBe(200);
    expect(tg.callsOf('answerCallbackQuery').at(-1)!.body.text).toContain('needs the operator role');
    expect(await statusOf(orderId)).toBe('in_review');

    expect(await tg.userPresses(alice, msg, approve)).toBe(200);
    expect(tg.callsOf('answerCallbackQuery').at(-1)!.body.text).toBe(`Approved: order ${orderId}.`);
    await expect.poll(() => statusOf(orderId), { timeout: 20_000 }).toBe('delivered');
    expect(msg.edits.at(-1)!.text).toContain(`✅ Approved by ${operator.operator.email} in Telegram.`);
    const decision = await kami.db.orderEvent.findFirstOrThrow({ where: { orderId, type: 'decision' } });
    expect(decision.actor).toBe(operator.operator.email);
    expect(decision.data).toMatchObject({ action: 'approve', note: 'decided in Telegram' });
    expect(await kami.db.auditLog.count({ where: { targetId: orderId, action: 'order.review.approve', actorEmail: operator.operator.email } })).toBe(1);

    // a second press (or a stale message) is answered and changes nothing
    expect(await tg.userPresses(alice, msg, approve)).toBe(200);
    expect(tg.callsOf('answerCallbackQuery').at(-1)!.body.text).toContain('no longer waits for this decision; nothing changed');
    expect(await kami.db.orderEvent.count({ where: { orderId, type: 'decision' } })).toBe(1);
    // no message ever carried a key
    const keys = await kami.db.cardKey.findMany({ where: { orderId } });
    expect(keys).toHaveLength(21);
    const secrets = product.secrets;
    for (const m of tg.messages) for (const s of secrets) expect(m.text).not.toContain(s);
  });

  it('Reject from Telegram rejects; a review decided in the panel makes the button stale', async () => {
    const a = await flaggedOrder();
    const msgA = await messageAbout(alice, a.orderId);
    expect(await tg.userPresses(alice, msgA, msgA.reply_markup.inline_keyboard[0][1].callback_data)).toBe(200);
    await expect.poll(() => statusOf(a.orderId), { timeout: 20_000 }).toBe('rejected');

    const b = await flaggedOrder();
    const msgB = await messageAbout(alice, b.orderId);
    const inPanel = await adminCall(kami, operator, 'POST', `/orders/${b.orderId}/reject`, { body: { note: 'decided in the panel' } });
    expect(inPanel.status, inPanel.text).toBe(200);
    await expect.poll(() => statusOf(b.orderId), { timeout: 20_000 }).toBe('rejected');
    expect(await tg.userPresses(alice, msgB, msgB.reply_markup.inline_keyboard[0][0].callback_data)).toBe(200);
    expect(tg.callsOf('answerCallbackQuery').at(-1)!.body.text).toContain('is rejected now');
    expect(await statusOf(b.orderId)).toBe('rejected');
  });

  it('an underpaid order reaches the operator as a payment anomaly, with the buttons of its review', async () => {
    const product = await kami.product(2);
    const { body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'underpaid@example.com' });
    const raw = JSON.stringify({ orderId: body.orderId, txnId: `low-${body.orderId}`, amountCents: 100, currency: 'USD', paidAt: new Date().toISOString() });
    const res = await fetch(`${kami.baseUrl}/api/v1/payments/sandbox/notify`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'Kami-Signature': signSandboxNotification(kami.vault.sandboxWebhookSecret, raw) }, body: raw,
    });
    expect(res.status).toBe(200);
    const msg = await messageAbout(alice, body.orderId);
    expect(msg.text).toContain('Payment anomaly');
    expect(msg.text).toContain('paid 1.00 USD of 5.00 USD due');
    expect(msg.reply_markup.inline_keyboard[0]).toHaveLength(2);
  });

  it('tells about stock running low and a failing delivery email; unlinking stops the messages', async () => {
    const product = await kami.product(3, { name: 'Scarce card' });
    await expect.poll(() => tg.messages.find((m) => m.chat_id === alice.id && m.text.includes('Stock low') && m.text.includes(product.sku)), { timeout: 20_000 }).toBeTruthy();

    kami.mail.state.down = true;
    const stocked = await kami.product(20);
    const { body } = await kami.checkout({ sku: stocked.sku, quantity: 1, email: 'late.mail@example.com' });
    await kami.pay(body.orderId, body.accessToken);
    const failing = await messageAbout(alice, body.orderId);
    kami.mail.state.down = false;
    expect(failing.text).toContain('Delivery email failing');
    expect(failing.reply_markup).toBeUndefined();

    const unlinked = await adminCall(kami, viewer, 'DELETE', '/telegram/link');
    expect(unlinked.status).toBe(204);
    expect((await adminCall(kami, viewer, 'DELETE', '/telegram/link')).status).toBe(404);
    const before = tg.messages.filter((m) => m.chat_id === victor.id).length;
    const { orderId } = await flaggedOrder();
    await messageAbout(alice, orderId);
    expect(tg.messages.filter((m) => m.chat_id === victor.id)).toHaveLength(before);
  });
});
