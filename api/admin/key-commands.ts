import { Router } from 'express';
import { z } from 'zod';
import { KeyImportBody, KeyImportPreviewBody, KeyRevealBody, KeyVoidBody } from '../../domain/admin-schemas.js';
import { audit } from '../../infra/audit.js';
import { appendKeys, importKeys, type AfterImport } from '../../infra/key-import.js';
import { releaseBackorders } from '../backorders.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { adminJson, importJson } from './body.js';
import { previewImport } from './key-preview.js';
import { findProduct } from './products.js';
import { actorOf, requireRole } from './session.js';
import { INT4_MAX } from '../../domain/ids.js';
import { parsePairLine, type KeyFormat } from '../../domain/product-types.js';

/**
 * The secrets of an import's lines for a product of this format: a pair product's lines become
 * `number<TAB>password` (from a tab or a comma); a line without both parts refuses the whole
 * request with its line number, nothing stored. Empty lines stay empty (skipped when stored).
 */
export function secretsOf(format: KeyFormat, lines: string[], firstLine = 1): string[] {
  if (format !== 'pair') return lines;
  const problems: Record<string, string> = {};
  const secrets = lines.map((raw, i) => {
    if (!raw.trim()) return '';
    const r = parsePairLine(raw);
    if ('problem' in r) problems[`lines.${i}`] = `line ${firstLine + i}: ${r.problem}`;
    return 'secret' in r ? r.secret : '';
  });
  if (Object.keys(problems).length) {
    throw new ApiError(400, 'invalid_request', 'this product sells card number + password pairs: every line needs both, separated by a tab or a comma; nothing was imported', problems);
  }
  return secrets;
}

const EXPORT_PAGE = 1000;
const ExportQuery = z.object({ productId: z.uuid(), batchId: z.coerce.number().pipe(z.int().positive().max(INT4_MAX)).optional() });

/** One audit target for a command on several keys: the key itself when there is one. */
const keysTarget = (ids: number[]) => ({ type: 'card_key', id: ids.length === 1 ? ids[0] : null });

/**
 * Key commands: import (preview, then chunks into one batch) and void for operators; reveal and
 * export of unsold keys for the owner, audited before any secret leaves.
 */
export function keyCommandsRouter(deps: ApiDeps): Router {
  const { db, vault } = deps;
  const router = Router();

  router.post('/keys/import/preview', requireRole('operator'), importJson, async (req, res) => {
    const { productId, lines, firstLine } = KeyImportPreviewBody.parse(req.body);
    const product = await findProduct(db, productId);
    res.json(await previewImport(db, vault, productId, lines, firstLine, product.keyFormat as KeyFormat, product.keyUses > 1));
  });

  router.post('/keys/import', requireRole('operator'), importJson, async (req, res) => {
    const { productId, label, lines: given, batchId } = KeyImportBody.parse(req.body);
    const product = await findProduct(db, productId);
    const format = product.keyFormat as KeyFormat;
    const lines = secretsOf(format, given);
    const after: AfterImport = (tx, r) =>
      audit(tx, actorOf(req), batchId ? 'keys.import.append' : 'keys.import', { type: 'batch', id: r.batchId },
        { productId, label, lines: lines.length, imported: r.imported, duplicates: r.duplicates });
    const result = batchId
      ? await appendKeys(db, vault, productId, batchId, lines, after, { format, uses: product.keyUses })
      : await importKeys(db, vault, productId, lines, label, after, { format, uses: product.keyUses });
    if (!result) throw new ApiError(404, 'batch_not_found', `product ${productId} has no batch ${batchId}`, { batchId: 'no such batch for this product' });
    const backordersReleased = result.imported ? (await releaseBackorders(deps, productId)).length : 0;
    res.status(201).json({ ...result, backordersReleased });
  });

  /** Only unsold keys: a sold key belongs to its buyer and is voided through after-sales. */
  router.post('/keys/void', requireRole('operator'), adminJson, async (req, res) => {
    const { ids, reason } = KeyVoidBody.parse(req.body);
    await db.$transaction(async (tx) => {
      // lock first: a checkout or claim must not move a key between this check and the update
      const rows = await tx.$queryRaw<{ id: number; status: string }[]>`SELECT id, status FROM card_key WHERE id = ANY(${ids}::int[]) FOR UPDATE`;
      const status = new Map(rows.map((k) => [k.id, k.status]));
      const blocked = ids.filter((id) => !['available', 'reserved'].includes(status.get(id) ?? 'missing'));
      if (blocked.length) {
        throw new ApiError(409, 'keys_not_voidable', 'only available or reserved keys can be voided; nothing was changed',
          { ids: `not voidable: ${blocked.map((id) => `${id} (${status.get(id) ?? 'no such key'})`).join(', ')}` });
      }
      await tx.cardKey.updateMany({ where: { id: { in: ids } }, data: { status: 'void', voidReason: reason, reservedUntil: null } });
      await audit(tx, actorOf(req), 'keys.void', keysTarget(ids), { ids, reason });
    });
    res.json({ voided: ids.length, ids });
  });

  router.post('/keys/reveal', requireRole('owner'), adminJson, async (req, res) => {
    const { ids } = KeyRevealBody.parse(req.body);
    const keys = await db.cardKey.findMany({ where: { id: { in: ids } }, select: { id: true, productId: true, status: true, ciphertext: true }, orderBy: { id: 'asc' } });
    const missing = ids.filter((id) => !keys.some((k) => k.id === id));
    if (missing.length) throw new ApiError(404, 'key_not_found', `no key ${missing.join(', ')}`, { ids: `unknown: ${missing.join(', ')}` });
    const sold = keys.filter((k) => k.status === 'sold').map((k) => k.id);
    if (sold.length) throw new ApiError(409, 'key_sold', 'sold keys belong to their buyers and are not revealed here', { ids: `sold: ${sold.join(', ')}` });
    // the record comes first: no secret leaves unless its reveal is on file
    await audit(db, actorOf(req), 'keys.reveal', keysTarget(ids), { ids });
    res.json(keys.map((k) => ({ id: k.id, secret: vault.decrypt(k.ciphertext, k.productId) })));
  });

  /** Available keys only: a reserved key may be sold to its buyer any minute. */
  router.get('/keys/export', requireRole('owner'), async (req, res) => {
    const { productId, batchId } = ExportQuery.parse(req.query);
    const product = await findProduct(db, productId);
    if (batchId && !(await db.keyBatch.findFirst({ where: { id: batchId, productId } }))) {
      throw new ApiError(404, 'batch_not_found', `product ${productId} has no batch ${batchId}`, { batchId: 'no such batch for this product' });
    }
    const where = { productId, batchId, status: 'available' };
    const count = await db.cardKey.count({ where });
    await audit(db, actorOf(req), 'keys.export', { type: 'product', id: productId }, { batchId: batchId ?? null, count });
    res.type('text/plain; charset=utf-8');
    res.attachment(`${product.sku.replace(/[^\w.-]/g, '_')}${batchId ? `-batch-${batchId}` : ''}-keys.txt`);
    for (let after = 0; ;) {
      const page = await db.cardKey.findMany({ where: { ...where, id: { gt: after } }, orderBy: { id: 'asc' }, take: EXPORT_PAGE, select: { id: true, ciphertext: true } });
      if (!page.length) break;
      res.write(page.map((k) => `${vault.decrypt(k.ciphertext, productId)}\n`).join(''));
      after = page.at(-1)!.id;
    }
    res.end();
  });

  return router;
}
