import { Router, type Request } from 'express';
import { z } from 'zod';
import { SMS_CHANNEL } from '../../domain/delivery-channels.js';
import { deviceIdOf } from '../../domain/device-binding.js';
import { orderWorkflowId } from '../../domain/ids.js';
import { ORDER_STATUSES } from '../../domain/order-status.js';
import type { Prisma } from '../../infra/db.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { hintFor } from './keys.js';
import { dateBound, oneOrMany, orderBy, parseListQuery, sendList } from './list-query.js';
import { requireRole } from './session.js';

const OrderId = z.string().trim().max(40);

const LIST = {
  sortable: ['id', 'status', 'quantity', 'amountCents', 'email', 'paymentProvider', 'channelId', 'createdAt', 'paidAt', 'deliveredAt', 'expiresAt', 'updatedAt'],
  defaultSort: ['createdAt', 'DESC'],
  filter: z.strictObject({
    id: oneOrMany(OrderId).optional(),
    status: oneOrMany(z.enum(ORDER_STATUSES)).optional(),
    productId: z.uuid().optional(),
    email: z.string().trim().max(254).optional(),
    /** An order id prefix or part of the buyer's email. */
    q: z.string().trim().min(1).max(254).optional(),
    createdFrom: dateBound('from').optional(),
    createdTo: dateBound('to').optional(),
    paymentProvider: z.string().trim().max(32).optional(),
    channelId: z.string().trim().max(40).optional(),
    externalOrderId: z.string().trim().max(64).optional(),
  }),
} as const;

/** Key text never leaves through here: hints only (…ABCD), for telling keys apart, and none for viewers. */
const INCLUDE = {
  product: { select: { sku: true, name: true, deliveryMode: true, buyerFields: true } },
  cardKeys: { select: { id: true, hint: true, status: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.OrderInclude;

type OrderRow = Prisma.OrderGetPayload<{ include: typeof INCLUDE }>;

const DELIVERY = {
  channel: true, recipient: true, status: true, attempts: true, provider: true, messageId: true, lastError: true, sentAt: true, updatedAt: true,
} satisfies Prisma.DeliverySelect;

/** `orders` (read-only; decisions are commands on the order's workflow). */
export function ordersRouter({ db, config }: ApiDeps): Router {
  const router = Router();
  const temporalUrl = (id: string) =>
    `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${orderWorkflowId(id)}`;

  /** Every order column except checkout bookkeeping, so columns added for reviews show up by themselves. */
  const record = (req: Request, { product, cardKeys, requestHash: _h, idempotencyKey: _k, ...order }: OrderRow) => ({
    ...order,
    sku: product.sku,
    productName: product.name,
    deliveryMode: product.deliveryMode,
    buyerFields: product.buyerFields,
    keys: cardKeys.map((k) => ({ ...k, hint: hintFor(req, k.hint) })),
    temporalUrl: temporalUrl(order.id),
  });

  router.get('/orders', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, LIST);
    const where: Prisma.OrderWhereInput = {
      id: f.id && { in: f.id },
      status: f.status && { in: f.status },
      productId: f.productId,
      email: f.email === undefined ? undefined : { equals: f.email, mode: 'insensitive' },
      paymentProvider: f.paymentProvider,
      channelId: f.channelId,
      externalOrderId: f.externalOrderId,
      createdAt: f.createdFrom || f.createdTo ? { gte: f.createdFrom, lt: f.createdTo } : undefined,
      OR: f.q ? [{ id: { startsWith: f.q, mode: 'insensitive' } }, { email: { contains: f.q, mode: 'insensitive' } }] : undefined,
    };
    const [rows, total] = await Promise.all([
      db.order.findMany({ where, include: INCLUDE, orderBy: orderBy<Prisma.OrderOrderByWithRelationInput>(sort), skip, take }),
      db.order.count({ where }),
    ]);
    sendList(res, 'orders', rows.map((row) => record(req, row)), total, range);
  });

  router.get('/orders/:id', requireRole('viewer'), async (req, res) => {
    const id = OrderId.parse(req.params.id);
    const order = await db.order.findUnique({
      where: { id },
      include: {
        ...INCLUDE,
        events: { select: { type: true, actor: true, data: true, createdAt: true }, orderBy: { id: 'asc' } },
        // how each channel went (never what was sent: an SMS's text may hold keys and is not stored)
        deliveries: { select: DELIVERY, orderBy: { id: 'asc' } },
        // the merchant system's answer (its receipt is the order's sold key, readable like one)
        fulfilment: { select: { kind: true, status: true, attempts: true, lastError: true, reference: true, refusal: true, cardKeyId: true, updatedAt: true } },
      },
    });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${id}`);
    const { events, deliveries, fulfilment, ...rest } = order;
    // a device-bound product's activation: the buyer's device and the order whose code it is bound to
    const deviceId = deviceIdOf(order.buyerInput);
    const binding = deviceId
      ? await db.deviceBinding.findUnique({ where: { productId_deviceId: { productId: order.productId, deviceId } }, select: { orderId: true, cardKeyId: true } })
      : null;
    const device = deviceId ? { deviceId, boundBy: binding?.cardKeyId ? binding.orderId : null } : null;
    res.json({ ...record(req, rest), events, deliveries, fulfilment, device, smsDelivered: deliveries.some((d) => d.channel === SMS_CHANNEL) });
  });

  return router;
}
