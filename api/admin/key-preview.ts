import { keyLineProblem, type ImportPreview } from '../../domain/admin-schemas.js';
import type { KeyVault } from '../../infra/crypto.js';
import type { Db } from '../../infra/db.js';
import { parsePairLine, type KeyFormat } from '../../domain/product-types.js';

/**
 * What importing these lines would do, stores nothing. Lines are numbered from `firstLine` (1-based);
 * duplicates are found by fingerprint, in the file and against every key the product ever had.
 */
export async function previewImport(db: Db, vault: KeyVault, productId: string, lines: string[], firstLine = 1, format: KeyFormat = 'plain', shared = false): Promise<ImportPreview> {
  const preview: ImportPreview = { total: 0, valid: 0, invalid: [], duplicatesInFile: [], duplicatesInStock: [] };
  const firstSeen = new Map<string, number>();
  lines.forEach((raw, i) => {
    const key = raw.trim();
    if (!key) return;
    const line = firstLine + i;
    preview.total++;
    const reason = keyLineProblem(key);
    if (reason) return void preview.invalid.push({ line, reason });
    // a pair product: the line must have both parts; its fingerprint is the stored form's (tab or comma alike)
    const pair = format === 'pair' ? parsePairLine(key) : null;
    if (pair && 'problem' in pair) return void preview.invalid.push({ line, reason: pair.problem });
    const fingerprint = vault.fingerprint(pair && 'secret' in pair ? pair.secret : key);
    const first = firstSeen.get(fingerprint);
    if (first) preview.duplicatesInFile.push({ line, firstLine: first });
    else firstSeen.set(fingerprint, line);
  });
  // a shared key's uses carry the secret's own fingerprint as shared_fingerprint
  const inStock = shared
    ? (await db.cardKey.findMany({ where: { productId, sharedFingerprint: { in: [...firstSeen.keys()] } }, select: { sharedFingerprint: true }, distinct: ['sharedFingerprint'] }))
      .map((k) => ({ fingerprint: k.sharedFingerprint! }))
    : await db.cardKey.findMany({ where: { productId, fingerprint: { in: [...firstSeen.keys()] } }, select: { fingerprint: true } });
  for (const { fingerprint } of inStock) preview.duplicatesInStock.push({ line: firstSeen.get(fingerprint)! });
  preview.duplicatesInStock.sort((a, b) => a.line - b.line);
  preview.valid = firstSeen.size - inStock.length;
  return preview;
}
