import type { Request, RequestHandler, Response } from 'express';
import { escapeHtml } from '../../domain/html.js';
import { toApiError } from '../errors.js';
import type { Messages } from './i18n.js';

/** A refused form, said to the buyer: a summary and, per field, what to fix. */
export interface Refusal { status: number; message: string; fields: Record<string, string> }

/**
 * Turns an error from a domain function into the buyer's language: field problems by the field's own
 * hint (`fieldText`), refusals by their code, anything else as the server's message. Null for an
 * unexpected error (the app's error handler answers those).
 */
export function refusalOf(t: Messages, err: unknown, fieldText: Record<string, string> = {}): Refusal | null {
  const e = toApiError(err);
  if (!e) return null;
  const details = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>;
  if (e.code === 'invalid_buyer_input') {
    // the product's own fields: each problem under its field's key (buyerInput.<name>)
    return { status: e.status, message: t.fieldProblems, fields: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, String(v)])) };
  }
  if (e.code === 'invalid_request') {
    const fields = Object.fromEntries(Object.entries(details).map(([k, v]) => [k.split('.')[0]!, fieldText[k.split('.')[0]!] ?? String(v)]));
    return { status: e.status, message: Object.keys(fields).length ? t.fieldProblems : e.message, fields };
  }
  return { status: e.status, message: t.refusal[e.code]?.(details) ?? e.message, fields: {} };
}

export const alert = (tone: 'ok' | 'bad', text: string, title?: string) =>
  `<div class="alert ${tone}" role="${tone === 'bad' ? 'alert' : 'status'}">${title ? `<strong>${escapeHtml(title)}</strong><br>` : ''}${escapeHtml(text)}</div>`;

interface FieldOptions {
  name: string; label: string;
  /** The input's id when one page has two fields of this name (default f-<name>). */
  id?: string; type?: 'text' | 'email' | 'password' | 'number'; value?: string | number; hint?: string; problem?: string;
  /** Extra attributes, already safe (required, min/max, autocomplete…). */
  attrs?: string;
}

/** A labelled input with its hint and problem tied to it for screen readers. */
export function field(o: FieldOptions): string {
  const id = o.id ?? `f-${o.name}`;
  const described = [o.hint && `${id}-hint`, o.problem && `${id}-problem`].filter(Boolean).join(' ');
  return `<div class="field"><label for="${id}">${escapeHtml(o.label)}</label>
<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}"${o.value === undefined ? '' : ` value="${escapeHtml(String(o.value))}"`}${o.attrs ? ` ${o.attrs}` : ''}${described ? ` aria-describedby="${described}"` : ''}${o.problem ? ' aria-invalid="true"' : ''}>
${o.hint ? `<p class="hint" id="${id}-hint">${escapeHtml(o.hint)}</p>` : ''}${o.problem ? `<p class="problem" id="${id}-problem">${escapeHtml(o.problem)}</p>` : ''}</div>`;
}

/** The text of a form field as posted (a repeated field counts as not given). */
export const formText = (body: unknown, name: string): string | undefined => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * Runs a rate limit (express-rate-limit middleware) inside a page's handler, so its refusal is shown
 * on the page in the buyer's language instead of leaving as the API's JSON error.
 */
export async function passGuard(guards: RequestHandler | RequestHandler[], req: Request, res: Response): Promise<void> {
  for (const guard of [guards].flat()) {
    await new Promise<void>((resolve, reject) => {
      void guard(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
    });
  }
}
