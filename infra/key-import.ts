import type { KeyVault } from './crypto.js';
import { keyHint } from './crypto.js';
import { splitPair, type KeyShape } from '../domain/product-types.js';
import type { Db, Prisma } from './db.js';

export interface ImportResult { batchId: number; imported: number; duplicates: number }
/** Runs inside the import's transaction (e.g. to audit it), so the keys and that record commit together. */
export type AfterImport = (tx: Prisma.TransactionClient, result: ImportResult) => Promise<void>;

/** Thousands of encrypted inserts in one transaction can outlast Prisma's 5 s default. */
const IMPORT_TX = { timeout: 120_000 };

/**
 * Encrypts and stores card keys for a product as one labelled batch. Duplicates (inside the list or
 * against existing stock) are found by fingerprint and skipped, never stored twice.
 */
export async function importKeys(db: Db, vault: KeyVault, productId: string, secrets: string[], label: string, after?: AfterImport, shape: KeyShape = {}): Promise<ImportResult> {
  return db.$transaction(async (tx) => {
    const batch = await tx.keyBatch.create({ data: { productId, label } });
    return storeKeys(tx, vault, productId, batch.id, secrets, after, shape);
  }, IMPORT_TX);
}

/**
 * Adds keys to an existing batch of the product: a large file imported in chunks stays one batch.
 * Null when the product has no such batch.
 */
export async function appendKeys(db: Db, vault: KeyVault, productId: string, batchId: number, secrets: string[], after?: AfterImport, shape: KeyShape = {}): Promise<ImportResult | null> {
  return db.$transaction(async (tx) => {
    const batch = await tx.keyBatch.findFirst({ where: { id: batchId, productId }, select: { id: true } });
    return batch && storeKeys(tx, vault, productId, batch.id, secrets, after, shape);
  }, IMPORT_TX);
}

/**
 * Stores the (already canonical) secrets. A pair's hint is taken from its card number: the last
 * characters of the whole secret would be part of the password.
 */
async function storeKeys(tx: Prisma.TransactionClient, vault: KeyVault, productId: string, batchId: number, secrets: string[], after: AfterImport | undefined, shape: KeyShape): Promise<ImportResult> {
  const { format = 'plain', uses = 1 } = shape;
  const unique = new Map<string, string>();
  for (const raw of secrets) {
    const secret = raw.trim();
    if (secret) unique.set(vault.fingerprint(secret), secret);
  }
  let imported = 0;
  const hint = (secret: string) => keyHint(format === 'pair' ? splitPair(secret).cardNumber : secret);
  if (uses > 1) {
    // a shared key: one row a use, each with a fingerprint of its own (the secret's, per use) and the
    // secret's own as shared_fingerprint; a key already in stock (any of its uses) is a duplicate, not topped up
    const known = new Set((await tx.cardKey.findMany({
      where: { productId, sharedFingerprint: { in: [...unique.keys()] } }, select: { sharedFingerprint: true }, distinct: ['sharedFingerprint'],
    })).map((k) => k.sharedFingerprint));
    for (const [shared, secret] of unique) {
      if (known.has(shared)) continue;
      const rows = Array.from({ length: uses }, (_, i) => ({
        productId, batchId, fingerprint: vault.fingerprint(`${secret}\u0000use:${i + 1}`), sharedFingerprint: shared, useNo: i + 1,
        hint: hint(secret), ciphertext: vault.encrypt(secret, productId),
      }));
      let stored = 0;
      for (let i = 0; i < rows.length; i += 1000) stored += (await tx.cardKey.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true })).count;
      if (stored) imported++;
    }
  } else {
    const rows = [...unique].map(([fingerprint, secret]) => ({ productId, batchId, fingerprint, hint: hint(secret), ciphertext: vault.encrypt(secret, productId) }));
    for (let i = 0; i < rows.length; i += 1000) {
      imported += (await tx.cardKey.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true })).count;
    }
  }
  // for a shared key product both count keys (each stored with all its uses), not uses
  const result = { batchId, imported, duplicates: secrets.filter((s) => s.trim()).length - imported };
  await after?.(tx, result);
  return result;
}
