import { formatMinor } from '../../domain/money.js';
import type { Db } from '../db.js';
import type { OrderRuns } from '../order-runs.js';
import type { GatewayRegistry } from './registry.js';

/** What the buyer needs to pay one attempt (never a secret: a link, a QR text, an amount). */
export interface AttemptView {
  provider: string;
  status: string;
  url?: string;
  qrCode?: string;
  /** In the gateway's currency, as the buyer pays it (USDT with 4 decimals). */
  amount?: string;
  currency?: string;
  expiresAt: string;
  /** Why the gateway could not open it (the buyer may pick another). */
  error?: string;
}

type AttemptRow = {
  id: number; seq: number; orderId: string; provider: string; gatewayOrderNo: string; status: string; payUrl: string | null; qrCode: string | null;
  gatewayAmountMinor: bigint | null; gatewayCurrency: string | null; expiresAt: Date; lastError: string | null;
};

export function attemptView(a: AttemptRow): AttemptView {
  const amount = a.gatewayAmountMinor === null || !a.gatewayCurrency ? undefined : formatMinor(Number(a.gatewayAmountMinor), a.gatewayCurrency);
  return {
    provider: a.provider, status: a.status, expiresAt: a.expiresAt.toISOString(),
    ...(a.payUrl ? { url: a.payUrl } : {}), ...(a.qrCode ? { qrCode: a.qrCode } : {}),
    ...(amount ? { amount, currency: a.gatewayCurrency! } : {}), ...(a.lastError ? { error: a.lastError } : {}),
  };
}

interface Deps { db: Db; gateways: GatewayRegistry; runs: OrderRuns }

/**
 * Opens the order's attempt on `provider` at the gateway: its first attempt if the order was placed
 * with that provider and the gateway has not been called yet, otherwise a new one under
 * `<order id>_<n>` (so switching gateway never collides with an earlier attempt; an underscore, as
 * Alipay's out_trade_no takes only letters, digits and underscores). A gateway that can
 * be queried wakes the order's run, which then asks it on a backoff until the hold ends.
 */
export async function openAttempt(deps: Deps, orderId: string, provider: string, clientIp?: string): Promise<AttemptView> {
  const { db, gateways } = deps;
  const enabled = await gateways.get(provider);
  if (!enabled) throw new Error(`payment provider ${provider} is not enabled`);
  const order = await db.order.findUniqueOrThrow({
    where: { id: orderId },
    include: { product: { select: { name: true, sku: true } }, attempts: { orderBy: { seq: 'asc' } } },
  });
  let attempt: AttemptRow | undefined = order.attempts.find((a) => a.provider === provider && a.status === 'open' && (a.payUrl || a.qrCode || provider === 'sandbox'));
  if (attempt) return attemptView(attempt);
  const first = order.attempts.find((a) => a.seq === 1 && a.provider === provider && a.status === 'open' && !a.payUrl && !a.qrCode);
  attempt = first ?? await db.paymentAttempt.create({
    data: {
      orderId, seq: order.attempts.length + 1, provider, gatewayOrderNo: `${orderId}_${order.attempts.length + 1}`,
      amountMinor: order.amountCents, currency: order.currency, expiresAt: order.expiresAt, status: 'creating',
    },
  });
  try {
    const created = await enabled.gateway.createAttempt({
      gatewayOrderNo: attempt.gatewayOrderNo, orderId, amountMinor: Number(order.amountCents), currency: order.currency,
      subject: `${order.product.name} × ${order.quantity}`.slice(0, 120), notifyUrl: `${deps.gateways.notifyUrl(provider)}`,
      returnUrl: deps.gateways.returnUrl(orderId), expiresAt: order.expiresAt, clientIp,
    });
    attempt = await db.paymentAttempt.update({
      where: { id: attempt.id },
      data: {
        status: 'open', payUrl: created.payUrl ?? null, qrCode: created.qrCode ?? null, gatewayRef: created.gatewayRef ?? null,
        gatewayAmountMinor: created.gatewayAmountMinor, gatewayCurrency: created.gatewayCurrency, lastError: null, updatedAt: new Date(),
      },
    });
  } catch (err) {
    const message = `the gateway did not open the payment: ${(err as Error).message}`.slice(0, 500);
    attempt = await db.paymentAttempt.update({ where: { id: attempt.id }, data: { status: 'failed', lastError: message, updatedAt: new Date() } });
    return attemptView(attempt);
  }
  if (enabled.canQuery) {
    await deps.runs.attemptOpened({ id: orderId, productId: order.productId, sku: order.product.sku, expiresAt: order.expiresAt }, attempt.id);
  }
  return attemptView(attempt);
}
