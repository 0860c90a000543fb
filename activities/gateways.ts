import type { ActivityDeps } from './deps.js';
import { askGateway } from '../infra/payments/ask.js';

/** Attempts the sweep looks back on: as long as the slowest gateway retries (Alipay ~25 h, Stripe 3 days). */
const SWEEP_WINDOW_MS = 72 * 3_600_000;
const SWEEP_BATCH = 200;

export const createGatewayActivities = ({ db, gateways, runs, log }: ActivityDeps) => ({
  /**
   * The order run's poll of one open attempt. Idempotent: asking again asks the gateway again, and
   * a payment already recorded is found by its (provider, transaction). `open` false: stop asking.
   */
  async queryAttempt(attemptId: number): Promise<{ paymentId: number | null; open: boolean }> {
    const a = await db.paymentAttempt.findUnique({ where: { id: attemptId } });
    if (!a || a.status !== 'open') return { paymentId: null, open: false };
    const g = await gateways.get(a.provider);
    if (!g?.gateway.query) return { paymentId: null, open: false };
    const { paymentId, answer } = await askGateway(db, g, a);
    return { paymentId, open: paymentId === null && answer.state !== 'closed' };
  },

  /**
   * The reconciliation schedule's sweep: attempts of the last 72 h whose order closed unpaid
   * (expired or cancelled: their run no longer asks) are asked once more; a payment the gateway
   * reports and Kami missed (a callback lost after expiry) wakes the order's run, which takes it
   * through the late-payment path into review. Returns how many it found.
   */
  async sweepUnpaidAttempts(): Promise<{ asked: number; found: number }> {
    const attempts = await db.paymentAttempt.findMany({
      where: {
        status: { in: ['open', 'closed'] }, createdAt: { gt: new Date(Date.now() - SWEEP_WINDOW_MS) },
        order: { paymentId: null, status: { in: ['expired', 'cancelled'] } },
      },
      include: { order: { include: { product: { select: { sku: true } } } } },
      orderBy: { createdAt: 'asc' }, take: SWEEP_BATCH,
    });
    let asked = 0;
    let found = 0;
    for (const a of attempts) {
      const g = await gateways.get(a.provider);
      if (!g?.gateway.query) continue;
      asked++;
      try {
        const { paymentId } = await askGateway(db, g, a);
        if (paymentId === null) continue;
        found++;
        const o = a.order;
        const p = await db.payment.findUniqueOrThrow({ where: { id: paymentId } });
        await runs.paymentRecorded({ id: o.id, productId: o.productId, sku: o.product.sku, expiresAt: o.expiresAt }, {
          paymentId, provider: p.provider, txnId: p.txnId, amountCents: Number(p.amountCents), currency: p.currency,
        });
      } catch (err) {
        log.warn({ provider: a.provider, gatewayOrderNo: a.gatewayOrderNo, err: (err as Error).message }, 'reconciliation could not ask the gateway; next sweep tries again');
      }
    }
    if (found) log.warn({ found }, 'reconciliation found payments no callback had delivered; their orders go to review');
    return { asked, found };
  },
});
