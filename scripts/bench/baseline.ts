import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import express from 'express';
import { readBuyerOrder } from '../../api/checkout/order-view.js';
import { bearerToken } from '../../api/checkout/bearer.js';
import { CreateOrderBody, OrderParams } from '../../api/checkout/schemas.js';
import { ApiError, errorHandler } from '../../api/errors.js';
import { pagesRouter } from '../../api/pages/routes.js';
import { createSandboxProvider } from '../../api/payments/sandbox.js';
import { renderDeliveryEmail } from '../../activities/delivery-email.js';
import { normalizeEmail } from '../../domain/identity.js';
import { paymentMismatch } from '../../domain/order.js';
import { createDb } from '../../infra/db.js';
import { newOrderId } from '../../infra/ids.js';
import { createMailer } from '../../infra/mailer.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import type { BenchOptions } from './options.js';
import type { Stack } from './stack.js';
import type { Target } from './target.js';

/** The gateway routes reused from Kami never touch Temporal; the baseline has no workflows at all. */
const noTemporal = new Proxy({}, { get() { throw new Error('the baseline shop has no Temporal client'); } }) as Client;

/**
 * The way most card-key shops deliver: checkout only inserts the order; the payment callback verifies
 * the signature, records the payment, claims keys with the textbook SELECT … FOR UPDATE SKIP LOCKED,
 * sends the email over SMTP and only then answers the gateway. Same tables, same gateway hop (Kami's
 * sandbox pay route), same buyer read (Kami's readBuyerOrder), same pool size as Kami's API.
 */
export async function startBaselineTarget(stack: Stack, o: BenchOptions): Promise<Target> {
  const { config, vault, log } = stack;
  const db = createDb(config.DATABASE_URL, o.apiPool);
  const mailer = createMailer(config.smtpUrl, config.MAIL_FROM);
  const gateway = createSandboxProvider(vault.sandboxWebhookSecret, '');
  let baseUrl = '';

  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(express.json({ verify: (req, _res, buf) => { (req as express.Request).rawBody = buf; } }));

  app.post('/api/v1/orders', async (req, res) => {
    const body = CreateOrderBody.parse(req.body);
    const product = await db.product.findUnique({ where: { sku: body.sku } });
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${body.sku}`);
    const order = await db.order.create({
      data: {
        id: newOrderId(), productId: product.id, quantity: body.quantity, unitPriceCents: product.priceCents,
        amountCents: product.priceCents * body.quantity, currency: product.currency, email: body.email,
        emailNormalized: normalizeEmail(body.email), buyerIp: req.ip, status: 'awaiting_payment', paymentProvider: 'sandbox', expiresAt: new Date(Date.now() + 30 * 60_000),
      },
    });
    res.status(201).json({ orderId: order.id, status: order.status, accessToken: vault.orderAccessToken(order.id) });
  });

  app.get('/api/v1/orders/:orderId', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    res.json(await readBuyerOrder({ db, vault }, orderId, bearerToken(req.get('authorization'))));
  });

  app.post('/api/v1/payments/sandbox/notify', async (req, res) => {
    const n = gateway.verifyNotification(req);
    const order = await db.order.findUnique({ where: { id: n.orderId }, include: { product: true } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${n.orderId}`);
    const mismatch = paymentMismatch(order, n);
    if (mismatch) throw new ApiError(409, 'amount_mismatch', mismatch);
    const inserted = await db.payment.createMany({
      data: [{ orderId: order.id, provider: 'sandbox', txnId: n.txnId, amountCents: n.amountCents, currency: n.currency }],
      skipDuplicates: true,
    });
    if (inserted.count === 0) return void res.json({ received: true, duplicate: true });

    await db.$transaction(async (tx) => {
      const free = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM card_key WHERE product_id = ${order.productId}::uuid AND status = 'available'
        ORDER BY id LIMIT ${order.quantity} FOR UPDATE SKIP LOCKED`;
      if (free.length < order.quantity) throw new ApiError(409, 'out_of_stock', 'not enough keys');
      await tx.cardKey.updateMany({ where: { id: { in: free.map((k) => k.id) } }, data: { status: 'sold', orderId: order.id, soldAt: new Date() } });
      // stamped last, as Kami's claimKeys does: the keys are readable once this commits
      await tx.order.update({ where: { id: order.id }, data: { status: 'delivering', paidAt: new Date(), deliveredAt: new Date() } });
    });

    const secrets = await readOrderSecrets(db, vault, order.id);
    const mail = renderDeliveryEmail({
      orderId: order.id, productName: order.product.name, quantity: order.quantity, guide: order.product.guide,
      secrets: secrets.map((s) => s.secret), orderUrl: `${baseUrl}/orders/${order.id}`,
    });
    await mailer.send({ to: order.email, messageId: `<${order.id}.delivery@kami>`, ...mail });
    await db.order.update({ where: { id: order.id }, data: { status: 'delivered', closedAt: new Date() } });
    res.json({ received: true, duplicate: false });
  });

  app.use(pagesRouter({ config, db, vault, log, temporal: noTemporal, selfUrl: () => baseUrl }));
  app.use(errorHandler(log));

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    name: 'Baseline (sync callback)',
    baseUrl,
    db,
    async stop() {
      mailer.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await db.$disconnect();
    },
  };
}
