import { randomBytes } from 'node:crypto';
import type { KeyVault } from '../../infra/crypto.js';
import type { Db } from '../../infra/db.js';
import { importKeys } from '../../infra/key-import.js';

/** Every bench key matches this, so the keys in a delivery email can be picked out of its text. */
export const KEY_PATTERN = /BK-[0-9a-f]{16}/g;

/** The order a delivery email is about, read from its subject. */
export const mailOrderId = (subject: string) => subject.match(/order (ord_[0-9A-Z]{22})/)?.[1];

export interface BenchProduct { id: string; sku: string }

/** A product of its own per round, stocked with `stock` encrypted keys through the real importer. */
export async function createBenchProduct(db: Db, vault: KeyVault, label: string, stock: number): Promise<BenchProduct> {
  const sku = `BENCH-${label.toUpperCase()}-${randomBytes(3).toString('hex')}`.slice(0, 64);
  const product = await db.product.create({
    data: { sku, name: `Bench ${label}`, priceCents: 100, currency: 'USD', guide: 'Benchmark key: it redeems **nowhere**.' },
  });
  for (let done = 0; done < stock; done += 5000) {
    const secrets = Array.from({ length: Math.min(5000, stock - done) }, () => `BK-${randomBytes(8).toString('hex')}`);
    await importKeys(db, vault, product.id, secrets, 'bench');
  }
  return { id: product.id, sku };
}

/**
 * A product for orders that are never paid (`--unpaid`): its keys are only held, never sold or
 * decrypted, so they are inserted in one statement with a dummy ciphertext instead of encrypted one by one.
 */
export async function createHeldOnlyProduct(db: Db, stock: number): Promise<BenchProduct> {
  const sku = `BENCH-UNPAID-${randomBytes(3).toString('hex')}`;
  const product = await db.product.create({ data: { sku, name: 'Bench unpaid', priceCents: 100, currency: 'USD' } });
  await db.$executeRaw`INSERT INTO card_key (product_id, ciphertext, fingerprint, hint)
    SELECT ${product.id}::uuid, decode('00', 'hex'), lpad(to_hex(i), 64, '0'), 'bench' FROM generate_series(1, ${stock}::int) i`;
  return { id: product.id, sku };
}
