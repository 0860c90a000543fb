import type { Request } from 'express';
import type { PaymentFacts } from '../../domain/order.js';

export interface PaymentNotification extends PaymentFacts { orderId: string }

/**
 * The seam for payment gateways. A provider builds the URL a buyer pays at and turns a callback
 * request into verified facts; it throws ApiError(401) for anything it cannot authenticate.
 */
export interface PaymentProvider {
  readonly name: string;
  paymentUrl(orderId: string, accessToken: string): string;
  verifyNotification(req: Request): PaymentNotification;
}
