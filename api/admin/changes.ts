import { bigintAsNumber } from '../../infra/db.js';

const MAX_AUDITED_TEXT = 200;

const summarise = (v: unknown) => (typeof v === 'string' && v.length > MAX_AUDITED_TEXT ? `(${v.length} characters)` : bigintAsNumber('', v));

/**
 * What an update changed, as { field: { from, to } } over the fields the request set. Long texts
 * (guides, descriptions) are recorded by length only, so the audit log stays small.
 */
export function changes<T extends object>(before: T, after: T, fields: string[]): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of fields) {
    const from = (before as Record<string, unknown>)[field];
    const to = (after as Record<string, unknown>)[field];
    if (JSON.stringify(from, bigintAsNumber) !== JSON.stringify(to, bigintAsNumber)) out[field] = { from: summarise(from), to: summarise(to) };
  }
  return out;
}
