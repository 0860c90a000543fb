import type { KeyVault } from './crypto.js';
import { keyHint } from './crypto.js';
import type { Db } from './db.js';

export interface ImportResult { batchId: number; imported: number; duplicates: number }

/**
 * Encrypts and stores card keys for a product as one labelled batch. Duplicates (inside the list or
 * against existing stock) are found by fingerprint and skipped, never stored twice.
 */
export async function importKeys(db: Db, vault: KeyVault, productId: string, secrets: string[], label: string): Promise<ImportResult> {
  const unique = new Map<string, string>();
  for (const raw of secrets) {
    const secret = raw.trim();
    if (secret) unique.set(vault.fingerprint(secret), secret);
  }
  return db.$transaction(async (tx) => {
    const batch = await tx.keyBatch.create({ data: { productId, label } });
    let imported = 0;
    const rows = [...unique].map(([fingerprint, secret]) => ({
      productId, batchId: batch.id, fingerprint, hint: keyHint(secret), ciphertext: vault.encrypt(secret, productId),
    }));
    for (let i = 0; i < rows.length; i += 1000) {
      imported += (await tx.cardKey.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true })).count;
    }
    return { batchId: batch.id, imported, duplicates: secrets.filter((s) => s.trim()).length - imported };
  }, { timeout: 120_000 });
}
