import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { effectiveRules } from '../../infra/rules-store.js';
import { createKeyVault } from '../../infra/crypto.js';
import { createDb, type Db } from '../../infra/db.js';
import { seedDemo } from '../../scripts/lib/demo.js';
import { freshDatabase } from '../helpers/fresh-db.js';

let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let db: Db;
beforeAll(async () => {
  fresh = await freshDatabase('demo');
  db = createDb(fresh.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await fresh?.drop();
});

it('seeds a clearly marked demo catalogue, including a flash sale limited to 3 per buyer per 24h, once', async () => {
  const vault = createKeyVault(randomBytes(32));
  expect(await seedDemo(db, vault)).toBe(3);
  const products = await db.product.findMany({ orderBy: { sku: 'asc' } });
  expect(products.every((p) => p.demo && p.name.startsWith('[DEMO]'))).toBe(true);
  const flash = products.find((p) => p.sku === 'DEMO-FLASH-SALE')!;
  expect((await effectiveRules(db, flash.id)).settings).toMatchObject({ purchaseLimit: 3, purchaseLimitWindow: '24h' });
  expect(await db.cardKey.count({ where: { productId: flash.id, status: 'available' } })).toBe(100);
  const [key] = await db.cardKey.findMany({ where: { productId: flash.id }, take: 1 });
  expect(vault.decrypt(key!.ciphertext, flash.id)).toMatch(/^DEMOFLASH-/);
  expect(await seedDemo(db, vault)).toBe(0);
  expect(await db.product.count()).toBe(3);
});
