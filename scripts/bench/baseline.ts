/**
 * The way most card-key shops deliver, as a process of its own (`node --import tsx scripts/bench/baseline.ts`,
 * configured by the same environment variables as Kami): checkout only inserts the order; the payment
 * callback verifies the signature, records the payment, claims keys with the textbook
 * SELECT … FOR UPDATE SKIP LOCKED, sends the email over SMTP and only then answers the gateway.
 * Same tables, same buyer read (Kami's readBuyerOrder), same pool size as Kami's API (20). It does
 * less than Kami on purpose (no audit events, no rules, no delivery record, no durability if it dies
 * inside the callback): it is what peers ship.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { readBuyerOrder } from '../../api/checkout/order-view.js';
import { bearerToken } from '../../api/checkout/bearer.js';
import { CreateOrderBody, OrderParams } from '../../api/checkout/schemas.js';
import { ApiError, errorHandler } from '../../api/errors.js';
import { createSandboxGateway } from '../../infra/payments/sandbox.js';
import { renderDeliveryEmail } from '../../activities/delivery-email.js';
import { normalizeEmail } from '../../domain/identity.js';
import { paymentMismatch } from '../../domain/order.js';
import { loadConfig } from '../../infra/config.js';
import { createKeyVault } from '../../infra/crypto.js';
import { createDb } from '../../infra/db.js';
import { newOrderId } from '../../infra/ids.js';
import { createLogger } from '../../infra/logger.js';
import { createMailer } from '../../infra/mailer.js';
import { readOrderSecrets } from '../../infra/order-store.js';

const config = loadConfig();
if (!config.KAMI_MASTER_KEY) throw new Error('the baseline needs KAMI_MASTER_KEY (the bench sets it)');
const log = createLogger(config.LOG_LEVEL, 'baseline');
const db = createDb(config.DATABASE_URL, 20);
const vault = createKeyVault(Buffer.from(config.KAMI_MASTER_KEY, 'hex'));
const mailer = createMailer(config.smtpUrl, config.MAIL_FROM);
const gateway = createSandboxGateway(vault.sandboxWebhookSecret, '');
const baseUrl = config.publicUrl;

const app = express();
app.set('trust proxy', 'loopback');
app.use(express.json({ verify: (req, _res, buf) => { (req as express.Request).rawBody = buf; } }));

app.get('/readyz', async (_req, res) => {
  await db.$queryRaw`SELECT 1`;
  res.json({ status: 'ready' });
});

app.post('/api/v1/orders', async (req, res) => {
  const body = CreateOrderBody.parse(req.body);
  const product = await db.product.findUnique({ where: { sku: body.sku } });
  if (!product) throw new ApiError(404, 'product_not_found', `no product ${body.sku}`);
  const order = await db.order.create({
    data: {
      id: newOrderId(), productId: product.id, quantity: body.quantity, unitPriceCents: product.priceCents,
      amountCents: Number(product.priceCents) * body.quantity, currency: product.currency, email: body.email,
      emailNormalized: normalizeEmail(body.email), buyerIp: req.ip, status: 'awaiting_payment', paymentProvider: 'sandbox', expiresAt: new Date(Date.now() + 30 * 60_000),
    },
  });
  res.status(201).json({
    orderId: order.id, status: order.status, amountDueCents: Number(order.amountCents), currency: order.currency, accessToken: vault.orderAccessToken(order.id),
  });
});

app.get('/api/v1/orders/:orderId', async (req, res) => {
  const { orderId } = OrderParams.parse(req.params);
  res.json(await readBuyerOrder({ db, vault }, orderId, bearerToken(req.get('authorization'))));
});

app.post('/api/v1/payments/sandbox/notify', async (req, res) => {
  const raw = { method: req.method, url: req.originalUrl, headers: req.headers as Record<string, string>, body: req.rawBody ?? Buffer.alloc(0) };
  const f = await gateway.verifyNotification(raw);
  const n = { provider: 'sandbox', orderId: f.gatewayOrderNo, txnId: f.txnId, amountCents: f.amountMinor, currency: f.currency };
  const order = await db.order.findUnique({ where: { id: n.orderId }, include: { product: true } });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${n.orderId}`);
  // money columns may be Int or BigInt depending on the schema version: compare as numbers
  const mismatch = paymentMismatch({ amountCents: Number(order.amountCents), currency: order.currency }, n);
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
    // stamped last, as Kami's claim does: the keys are readable once this commits
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

app.use(errorHandler(log));

const server = app.listen(config.PORT, '127.0.0.1');
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
log.info({ port: (server.address() as AddressInfo).port }, 'baseline listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    mailer.close();
    server.closeAllConnections();
    server.close();
    void db.$disconnect().finally(() => process.exit(0));
  });
}
