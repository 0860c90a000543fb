import type { Db } from '../../infra/db.js';
import type { CaughtMail } from '../lib/mail-catcher.js';
import type { BuyerRecord } from './load.js';
import { KEY_PATTERN } from './target.js';

export interface SaleCheck {
  ok: boolean;
  /** Σ quantity over the run's orders: what every count below must equal. */
  expected: number;
  soldRows: number;
  /** Orders whose sold keys do not number exactly their quantity. */
  ordersWrongCount: number;
  buyerKeys: number;
  buyerDistinct: number;
  mailKeys: number;
  mailDistinct: number;
  /** Orders whose email keys differ from the keys the buyer read on the API. */
  mailMismatches: number;
}

/** The order a delivery email is about, read from its subject. */
export const mailOrderId = (subject: string) => subject.match(/order (ord_[0-9A-Z]{22})/)?.[1];

/**
 * No key sold twice, seen three ways: rows in card_key, keys the buyers read through the API, and
 * keys in the delivery emails. Each must hold exactly Σ quantity distinct keys, every order exactly
 * its quantity, and each email the same keys as its order page.
 */
export async function checkSales(db: Db, productId: string, buyers: BuyerRecord[], mails: CaughtMail[]): Promise<SaleCheck> {
  const [row] = await db.$queryRaw<{ expected: bigint; sold: bigint; wrong: bigint }[]>`
    SELECT (SELECT coalesce(sum(quantity), 0) FROM "order" WHERE product_id = ${productId}::uuid) AS expected,
           (SELECT count(*) FROM card_key WHERE product_id = ${productId}::uuid AND status = 'sold') AS sold,
           (SELECT count(*) FROM "order" o WHERE o.product_id = ${productId}::uuid AND o.quantity <>
              (SELECT count(*) FROM card_key k WHERE k.order_id = o.id AND k.status = 'sold')) AS wrong`;
  const expected = Number(row!.expected);
  const buyerKeys = buyers.flatMap((b) => b.keys);
  const byOrder = new Map(buyers.map((b) => [b.orderId, [...b.keys].sort().join()]));
  const mailKeys: string[] = [];
  let mailMismatches = 0;
  for (const m of mails) {
    const orderId = mailOrderId(m.subject);
    if (!orderId || !byOrder.has(orderId)) continue;
    const keys = [...new Set(m.text.match(KEY_PATTERN) ?? [])];
    mailKeys.push(...keys);
    if (keys.sort().join() !== byOrder.get(orderId)) mailMismatches++;
  }
  const check = {
    expected,
    soldRows: Number(row!.sold),
    ordersWrongCount: Number(row!.wrong),
    buyerKeys: buyerKeys.length,
    buyerDistinct: new Set(buyerKeys).size,
    mailKeys: mailKeys.length,
    mailDistinct: new Set(mailKeys).size,
    mailMismatches,
  };
  const ok = check.soldRows === expected && check.ordersWrongCount === 0 && check.buyerKeys === expected
    && check.buyerDistinct === expected && check.mailKeys === expected && check.mailDistinct === expected && mailMismatches === 0;
  return { ok, ...check };
}
