import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../infra/mailer.js';
import { createActivityDeps } from '../../activities/deps.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
beforeAll(async () => { kami = await startKami({ worker: false }); });
afterAll(() => kami?.stop());

/** A paid order whose keys are sold and readable (status delivering), as the settle step leaves it; no worker runs. */
async function deliveringOrder() {
  const product = await kami.product(2);
  const { body } = await kami.checkout({ sku: product.sku, quantity: 2, email: 'lease@example.com' });
  await kami.db.cardKey.updateMany({ where: { orderId: body.orderId }, data: { status: 'sold', soldAt: new Date() } });
  await kami.db.order.update({ where: { id: body.orderId }, data: { status: 'delivering', deliveredAt: new Date() } });
  return body.orderId as string;
}

it('an attempt retried while the first still hands the mail to SMTP waits for it: the buyer gets one email', async () => {
  const mailer = createMailer(kami.config.smtpUrl, kami.config.MAIL_FROM);
  const { deliverKeys } = createActivities(createActivityDeps({ config: kami.config, db: kami.db, vault: kami.vault, mailer, log: kami.log, temporal: kami.temporal }));
  try {
    const orderId = await deliveringOrder();
    kami.mail.state.delayMs = 1500;
    const first = deliverKeys(orderId, 'email');
    await new Promise((r) => setTimeout(r, 300));
    // the retry an overloaded worker starts after a timed-out attempt, which is in fact still running
    await expect(deliverKeys(orderId, 'email')).rejects.toThrow(/another attempt is handing/);
    const sent = await first;
    expect(sent.attempts).toBe(1);
    // a later retry finds it sent and sends nothing
    expect(await deliverKeys(orderId, 'email')).toEqual(sent);
    expect(kami.mail.messages.filter((m) => m.subject.includes(orderId))).toHaveLength(1);
    const order = await kami.db.order.findUniqueOrThrow({ where: { id: orderId }, include: { deliveries: true } });
    expect(order.status).toBe('delivered');
    expect(order.deliveries).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', attempts: 1, leaseUntil: null })]);
    expect(await kami.db.orderEvent.count({ where: { orderId, type: { in: ['email_sent', 'delivered'] } } })).toBe(2);
  } finally {
    kami.mail.state.delayMs = 0;
    mailer.close();
  }
});

it('a failed hand-off gives the lease back at once, so the next attempt sends', async () => {
  const mailer = createMailer(kami.config.smtpUrl, kami.config.MAIL_FROM);
  const { deliverKeys } = createActivities(createActivityDeps({ config: kami.config, db: kami.db, vault: kami.vault, mailer, log: kami.log, temporal: kami.temporal }));
  try {
    const orderId = await deliveringOrder();
    kami.mail.state.down = true;
    await expect(deliverKeys(orderId, 'email')).rejects.toThrow(/SMTP/);
    kami.mail.state.down = false;
    expect((await deliverKeys(orderId, 'email')).attempts).toBe(2);
    expect(kami.mail.messages.filter((m) => m.subject.includes(orderId))).toHaveLength(1);
  } finally {
    kami.mail.state.down = false;
    mailer.close();
  }
});

it('a replayed claim and email after the order was recorded delivered leave it delivered (a worker killed right after the email)', async () => {
  const mailer = createMailer(kami.config.smtpUrl, kami.config.MAIL_FROM);
  const { claimKeys, deliverKeys } = createActivities(createActivityDeps({ config: kami.config, db: kami.db, vault: kami.vault, mailer, log: kami.log, temporal: kami.temporal }));
  try {
    const orderId = await deliveringOrder();
    await kami.db.order.update({ where: { id: orderId }, data: { status: 'in_review' } }); // as after a person approved it
    await claimKeys(orderId);
    await deliverKeys(orderId, 'email');
    expect((await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('delivered');
    // what the next worker re-runs when the task that did both was lost
    await claimKeys(orderId);
    await deliverKeys(orderId, 'email');
    const order = await kami.db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.status).toBe('delivered');
    expect(kami.mail.messages.filter((m) => m.subject.includes(orderId))).toHaveLength(1);
  } finally {
    mailer.close();
  }
});
