import { Router, type Request, type Response } from 'express';
import { formatMinor } from '../../domain/money.js';
import { tierFor } from '../../domain/pricing.js';
import { balancesOf } from '../../infra/channels/ledger.js';
import { durationMs } from '../../infra/config.js';
import { availableStock } from '../../infra/order-store.js';
import { readWhenReady } from '../checkout/order-view.js';
import { OrderParams } from '../checkout/schemas.js';
import type { ApiDeps } from '../deps.js';
import { signedRequests } from './auth.js';
import { keysFile, onItsWay, readPartnerOrder, settled, type PartnerOrder } from './order-view.js';
import { placePartnerOrder } from './place-order.js';
import { KeysFormat, PartnerOrderBody, PartnerOrderLookup, PartnerWaitQuery } from './schemas.js';

/**
 * The partner API (/api/v1/partner): signed requests only (see auth.ts). Partners place orders that
 * are idempotent on their own order id, read them (keys included, as soon as delivered), download
 * the keys, and read their balance and price list. A channel only ever sees its own orders.
 */
export function partnerRouter(deps: ApiDeps): Router {
  const router = Router();
  const { db, config } = deps;
  router.use(...signedRequests(deps));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store'); // answers carry keys and balances
    next();
  });

  /** `wait=true`: up to KAMI_PARTNER_WAIT; `wait=N`: N seconds; otherwise no wait. */
  const waitMs = (req: Request) => {
    const { wait } = PartnerWaitQuery.parse(req.query);
    return wait === 'true' ? durationMs(config.KAMI_PARTNER_WAIT) : typeof wait === 'number' ? wait * 1000 : 0;
  };

  /** Reads the order, holding the answer while it is on its way (woken by its NOTIFYs) when asked to wait. */
  async function answer(req: Request, res: Response, orderId: string, ms: number): Promise<PartnerOrder> {
    const read = () => readPartnerOrder(deps, req.partner!.channelId, { orderId });
    if (!ms) return read();
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    return readWhenReady(deps.notices, orderId, read, onItsWay, ms, aborted.signal);
  }

  router.post('/orders', async (req, res) => {
    const ms = waitMs(req);
    const body = PartnerOrderBody.parse(req.body);
    const placed = await placePartnerOrder(deps, req.partner!, body);
    const order = await answer(req, res, placed.orderId, ms);
    res.status(!settled(order) ? 202 : placed.created ? 201 : 200).json(order);
  });

  router.get('/orders', async (req, res) => {
    const { externalOrderId } = PartnerOrderLookup.parse(req.query);
    res.json(await readPartnerOrder(deps, req.partner!.channelId, { externalOrderId }));
  });

  router.get('/orders/:orderId', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    res.json(await answer(req, res, orderId, waitMs(req)));
  });

  router.get('/orders/:orderId/keys', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const { format } = KeysFormat.parse(req.query);
    const order = await readPartnerOrder(deps, req.partner!.channelId, { orderId });
    const file = keysFile(order, format);
    res.type(file.type);
    res.attachment(`${order.externalOrderId.replace(/[^\w.-]/g, '_')}-keys.${format}`);
    res.send(file.body);
  });

  router.get('/balance', async (req, res) => {
    const balances = await balancesOf(db, req.partner!.channelId);
    res.json({ data: balances.map((b) => ({ currency: b.currency, balance: formatMinor(b.balanceMinor, b.currency), balanceMinor: b.balanceMinor })) });
  });

  router.get('/products', async (req, res) => {
    const products = await db.product.findMany({
      where: { active: true }, orderBy: { name: 'asc' },
      select: { id: true, sku: true, name: true, priceCents: true, currency: true, channelPrices: { where: { channelId: req.partner!.channelId } } },
    });
    const stock = await availableStock(db, products.map((p) => p.id));
    res.json({
      data: products.map((p) => {
        const tiers = p.channelPrices.filter((t) => t.currency === p.currency).map((t) => ({ minQuantity: t.minQuantity, unitPriceMinor: Number(t.unitPriceMinor) }));
        return {
          sku: p.sku, name: p.name, currency: p.currency, listPrice: formatMinor(Number(p.priceCents), p.currency), listPriceMinor: Number(p.priceCents),
          available: stock.get(p.id) ?? 0,
          tiers: tiers.sort((a, b) => a.minQuantity - b.minQuantity).map((t) => ({
            minQuantity: t.minQuantity, maxQuantity: tierFor(tiers, t.minQuantity)!.maxQuantity, unitPrice: formatMinor(t.unitPriceMinor, p.currency), unitPriceMinor: t.unitPriceMinor,
          })),
        };
      }),
    });
  });

  return router;
}
