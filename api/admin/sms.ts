import { Router } from 'express';
import { z } from 'zod';
import { isSmsChannel, SMS_CHANNEL, smsResendChannel } from '../../domain/delivery-channels.js';
import { accepts } from '../../domain/order-commands.js';
import { SMS_PARAM_VALUE_MAX, SMS_PARAMS_MAX, SMS_PLACEHOLDERS, SMS_TEXT_MAX } from '../../domain/sms.js';
import { audit } from '../../infra/audit.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { actorOf, requireRole } from './session.js';

const OrderId = z.string().trim().min(1).max(40);

/** Buyers' SMS in the panel: what the configured provider takes (for the product form), and an operator's resend. */
export function smsAdminRouter({ db, config, runs }: ApiDeps): Router {
  const router = Router();

  /** The provider the product form writes templates for (null: none configured, SMS cannot be turned on). Never a credential. */
  router.get('/sms', requireRole('viewer'), (_req, res) => {
    res.json({
      provider: config.sms?.provider ?? null,
      placeholders: SMS_PLACEHOLDERS, textMax: SMS_TEXT_MAX, paramsMax: SMS_PARAMS_MAX, paramValueMax: SMS_PARAM_VALUE_MAX,
    });
  });

  /**
   * Texts the buyer again on a new channel (`sms-resend-n`), as the product's template says: an
   * after-sales run, like the email's resend. Only for an order whose delivery included an SMS.
   */
  router.post('/orders/:id/resend-sms', requireRole('operator'), async (req, res) => {
    const id = OrderId.parse(req.params.id);
    const order = await db.order.findUnique({
      where: { id }, include: { product: { select: { sku: true } }, deliveries: { select: { channel: true } } },
    });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${id}`);
    const smsDeliveries = order.deliveries.filter((d) => isSmsChannel(d.channel));
    if (!accepts('resend_sms', { status: order.status, smsDelivered: smsDeliveries.some((d) => d.channel === SMS_CHANNEL) })) {
      throw new ApiError(409, 'sms_not_resendable', `order is ${order.status}${smsDeliveries.length ? '' : ' and was not delivered by SMS'}; only delivered orders that had an SMS can be texted again`);
    }
    const channel = smsResendChannel(smsDeliveries.length);
    const by = req.admin!.operator.email;
    const started = await runs.startAfterSales({ id, productId: order.productId, sku: order.product.sku, expiresAt: order.expiresAt }, { kind: 'resend', channel, by });
    if (!started) throw new ApiError(409, 'order_busy', 'this order is already being worked on; try again once that is settled');
    await audit(db, actorOf(req), 'order.resend_sms', { type: 'order', id }, { channel });
    res.status(202).json({ id, status: order.status, channel });
  });

  return router;
}
