import { MAX_IMPORT_LINES } from '../../../../domain/admin-schemas.js';
import type { KamiDataProvider } from '../../dataProvider.js';
import type { KeyFileAnalysis, LineIssue } from './analyse.js';

export { MAX_IMPORT_LINES };

/** Reads a file off the main thread (see parse.worker.ts). */
export function analyseInWorker(text: string): Promise<KeyFileAnalysis> {
  const worker = new Worker(new URL('./parse.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<KeyFileAnalysis>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<KeyFileAnalysis>) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(text);
  }).finally(() => worker.terminate());
}

export interface Preview extends KeyFileAnalysis {
  /** Lines that an import would store. */
  valid: number;
}

type Progress = (done: number, of: number) => void;

/**
 * Asks the server about the file in chunks of at most MAX_IMPORT_LINES lines (numbered from `firstLine`
 * so its answers name file lines) and merges its findings with the local ones: the server knows the
 * stock; the local pass knows repeats across chunks.
 */
export async function previewInChunks(dp: KamiDataProvider, productId: string, file: KeyFileAnalysis, onProgress: Progress): Promise<Preview> {
  const issues = new Map<number, LineIssue>(file.issues.map((i) => [i.line, i]));
  for (let start = 0; start < file.lines.length; start += MAX_IMPORT_LINES) {
    onProgress(start, file.lines.length);
    const lines = file.lines.slice(start, start + MAX_IMPORT_LINES);
    const answer = await dp.previewKeyImport({ productId, lines, firstLine: start + 1 });
    for (const i of answer.invalid) issues.set(i.line, { line: i.line, kind: 'invalid', detail: i.reason });
    for (const d of answer.duplicatesInStock) if (!issues.has(d.line)) issues.set(d.line, { line: d.line, kind: 'duplicate_in_stock' });
  }
  onProgress(file.lines.length, file.lines.length);
  const sorted = [...issues.values()].sort((a, b) => a.line - b.line);
  return { ...file, issues: sorted, valid: file.total - sorted.length };
}

/** The lines an import sends: non-blank and free of every issue found in the preview. */
export function importableLines(preview: Preview): string[] {
  const skip = new Set(preview.issues.map((i) => i.line));
  return preview.lines.filter((raw, i) => raw.trim() && !skip.has(i + 1)).map((raw) => raw.trim());
}

export interface ImportOutcome {
  batchId: number;
  imported: number;
  duplicates: number;
}

/**
 * Imports in chunks into one batch: the first chunk creates it, later chunks append. Each await lets the
 * page repaint, so the progress bar moves and the page stays usable.
 */
export async function importInChunks(
  dp: KamiDataProvider, productId: string, label: string, lines: string[], onProgress: Progress,
): Promise<ImportOutcome> {
  let outcome: ImportOutcome | undefined;
  for (let start = 0; start < lines.length; start += MAX_IMPORT_LINES) {
    onProgress(start, lines.length);
    const chunk = lines.slice(start, start + MAX_IMPORT_LINES);
    const r = await dp.importKeys({ productId, label, lines: chunk, ...(outcome ? { batchId: outcome.batchId } : {}) });
    outcome = { batchId: r.batchId, imported: (outcome?.imported ?? 0) + r.imported, duplicates: (outcome?.duplicates ?? 0) + r.duplicates };
  }
  onProgress(lines.length, lines.length);
  if (!outcome) throw new Error('nothing to import');
  return outcome;
}
