import { setTimeout as sleep } from 'node:timers/promises';
import type { BuyerRecord } from './buyers.js';
import type { SunkMail } from './mail-sink.js';
import type { BenchDatabase, Stack } from './stack.js';

export interface SaleCheck {
  ok: boolean;
  orders: number;
  /** Σ quantity over the shop's paid orders of the run: what every count below must equal. */
  expected: number;
  soldRows: number;
  /** Paid orders whose sold keys do not number exactly their quantity. */
  ordersWrongCount: number;
  buyerKeys: number;
  buyerDistinct: number;
  mailKeys: number;
  mailDistinct: number;
  /** Orders without a delivery email, and orders whose email keys differ from the keys the buyer read. */
  mailMissing: number;
  mailMismatches: number;
  /** Keys that reached more than one order, in the view where most did (buyers' reads or emails). */
  keysSoldTwice: number;
}

const MAIL_WAIT_MS = 30_000;

/**
 * No key sold twice, seen three ways over every order a shop sold in the run: rows in card_key,
 * keys the buyers read through the API, and keys in the delivery emails (caught by the SMTP sink).
 * Each must hold exactly Σ quantity distinct keys, every order exactly its quantity, and each email
 * the same keys as the buyer read.
 */
export async function checkSales(stack: Stack, data: BenchDatabase, productIds: string[], buyers: BuyerRecord[]): Promise<SaleCheck> {
  const byOrder = new Map(buyers.map((b) => [b.orderId, [...b.keys].sort().join()]));
  let mails: SunkMail[] = [];
  const deadline = Date.now() + MAIL_WAIT_MS;
  for (;;) {
    mails = (await stack.mail.collect()).filter((m) => m.orderId && byOrder.has(m.orderId));
    if (new Set(mails.map((m) => m.orderId)).size >= byOrder.size || Date.now() > deadline) break;
    await sleep(500);
  }
  const { rows: [row] } = await data.pg.query<{ sold: string; wrong: string }>(`
    SELECT (SELECT count(*) FROM card_key WHERE product_id = ANY($1::uuid[]) AND status = 'sold') AS sold,
           (SELECT count(*) FROM "order" o WHERE o.id = ANY($2) AND o.quantity <>
              (SELECT count(*) FROM card_key k WHERE k.order_id = o.id AND k.status = 'sold')) AS wrong`,
  [productIds, [...byOrder.keys()]]);
  const expected = buyers.reduce((s, b) => s + b.quantity, 0);
  const buyerKeys = buyers.flatMap((b) => b.keys);
  const mailKeys: string[] = [];
  let mailMismatches = 0;
  const mailed = new Set<string>();
  for (const m of mails) {
    mailed.add(m.orderId!);
    mailKeys.push(...m.keys);
    if ([...m.keys].sort().join() !== byOrder.get(m.orderId!)) mailMismatches++;
  }
  const buyerDistinct = new Set(buyerKeys).size;
  const mailDistinct = new Set(mailKeys).size;
  const check = {
    orders: buyers.length,
    expected,
    soldRows: Number(row!.sold),
    ordersWrongCount: Number(row!.wrong),
    buyerKeys: buyerKeys.length,
    buyerDistinct,
    mailKeys: mailKeys.length,
    mailDistinct,
    mailMissing: byOrder.size - mailed.size,
    mailMismatches,
    keysSoldTwice: Math.max(buyerKeys.length - buyerDistinct, mailKeys.length - mailDistinct),
  };
  const ok = check.soldRows === expected && check.ordersWrongCount === 0 && check.buyerKeys === expected && buyerDistinct === expected
    && check.mailKeys === expected && mailDistinct === expected && check.mailMissing === 0 && mailMismatches === 0;
  return { ok, ...check };
}
