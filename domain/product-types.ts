import { z } from 'zod';

/**
 * Product types (issue 12). Pure TypeScript and zod: the API, the storefront, the delivery email and
 * the operator panel all use these, so a pair is split and a buyer's input is checked the same way
 * everywhere.
 */

/** `plain`: a key is one secret text. `pair`: a card number and its password, sold together. */
export const KEY_FORMATS = ['plain', 'pair'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

/**
 * A pair is stored as ONE secret whose plaintext is `cardNumber<TAB>password`: one ciphertext, one
 * authentication tag, so its two halves can never be separated or swapped with another pair's, and
 * every path that decrypts keys (delivery, order read, reports, reveal) keeps working unchanged.
 * Neither half may contain a tab, so the split is unambiguous.
 */
export const PAIR_SEPARATOR = '\t';

/** A shared ("loop") key goes to at most this many buyers (each use is a stock row of its own). */
export const MAX_KEY_USES = 10_000;

/** How a product's keys are stored: their format, and how many buyers each goes to (1: an ordinary key). */
export interface KeyShape { format?: KeyFormat; uses?: number }

export interface CardPair { cardNumber: string; password: string }

/**
 * One import line of a pair product: `number<TAB>password` or `number,password` (split at the first
 * tab, or else at the first comma: a password may contain commas). The canonical secret, or why not.
 */
export function parsePairLine(line: string): { secret: string; cardNumber: string } | { problem: string } {
  const text = line.trim();
  const at = text.includes('\t') ? text.indexOf('\t') : text.indexOf(',');
  if (at < 0) return { problem: 'needs a card number and a password, separated by a tab or a comma' };
  const cardNumber = text.slice(0, at).trim();
  const password = text.slice(at + 1).trim();
  if (!cardNumber) return { problem: 'the card number is missing' };
  if (!password) return { problem: 'the password is missing' };
  if (password.includes('\t')) return { problem: 'more than two columns (a tab inside the password)' };
  return { secret: `${cardNumber}${PAIR_SEPARATOR}${password}`, cardNumber };
}

/** The halves of a stored pair (a secret without a separator is all card number). */
export function splitPair(secret: string): CardPair {
  const at = secret.indexOf(PAIR_SEPARATOR);
  return at < 0 ? { cardNumber: secret, password: '' } : { cardNumber: secret.slice(0, at), password: secret.slice(at + 1) };
}

export interface KeyLabels { cardNumber: string; password: string }
export const EN_KEY_LABELS: KeyLabels = { cardNumber: 'Card number', password: 'Password' };

/** A key as one line of text for a person: a pair with its labels, a plain key as it is. */
export function keyText(format: KeyFormat | string, secret: string, labels: KeyLabels = EN_KEY_LABELS): string {
  if (format !== 'pair') return secret;
  const p = splitPair(secret);
  return `${labels.cardNumber}: ${p.cardNumber}  ${labels.password}: ${p.password}`;
}

// ---------------------------------------------------------------------------------------------
// Buyer input: fields a product asks the buyer for at checkout (a game account, a server…)

export const BUYER_FIELD_TYPES = ['text', 'number', 'select'] as const;
export const MAX_BUYER_FIELDS = 10;
export const MAX_BUYER_VALUE_LENGTH = 500;

/** A regular expression an owner typed: it must compile, and stay short. */
const Pattern = z.string().min(1).max(200).refine((p) => {
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** One field's declaration, as stored in product.buyer_fields. */
export const BuyerField = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'use 1-32 lowercase letters, digits or _, starting with a letter'),
  label: z.string().trim().min(1).max(100),
  type: z.enum(BUYER_FIELD_TYPES),
  required: z.boolean().default(true),
  pattern: Pattern.nullish(),
  options: z.array(z.string().trim().min(1).max(100)).min(1).max(50).nullish(),
  maxLength: z.int().min(1).max(MAX_BUYER_VALUE_LENGTH).default(100),
}).superRefine((f, ctx) => {
  if (f.type === 'select' && !f.options?.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select field needs its options' });
  if (f.type !== 'select' && f.options?.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a select field has options' });
  if (f.type === 'select' && f.options && new Set(f.options).size !== f.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must differ' });
});
export type BuyerField = z.infer<typeof BuyerField>;

export const BuyerFields = z.array(BuyerField).max(MAX_BUYER_FIELDS).superRefine((fields, ctx) => {
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another field is already named "${f.name}"` });
    seen.add(f.name);
  });
});

/** What a buyer may send as `buyerInput` before it is checked against the product (bounded, flat). */
export const BuyerInputBody = z.record(z.string().max(32), z.union([z.string().max(MAX_BUYER_VALUE_LENGTH * 2), z.number()]))
  .refine((r) => Object.keys(r).length <= MAX_BUYER_FIELDS, `at most ${MAX_BUYER_FIELDS} fields`)
  .meta({ description: "the product's own checkout fields (GET /api/v1/products/{sku} lists them as buyerFields), by name" });

/** The zod schema of one field's value: text trimmed, empty is absent. */
function valueSchema(f: BuyerField): z.ZodType<string | number | undefined> {
  const empty = (v: unknown) => (v === '' || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
  let value: z.ZodType<string | number>;
  if (f.type === 'number') {
    const text = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)], { error: 'must be a number' })
      .pipe(z.number().refine(Number.isFinite, 'must be a number'));
    value = f.pattern
      ? text.refine((n) => String(n).length <= f.maxLength && new RegExp(`^(?:${f.pattern})$`, 'u').test(String(n)), `must match the format ${f.pattern}`)
      : text.refine((n) => String(n).length <= f.maxLength, `at most ${f.maxLength} characters`);
  } else if (f.type === 'select') {
    value = z.string({ error: 'choose one of the options' }).trim().refine((v) => f.options!.includes(v), `choose one of: ${f.options!.join(', ')}`);
  } else {
    let s = z.string({ error: 'must be text' }).trim().max(f.maxLength, `at most ${f.maxLength} characters`);
    if (f.pattern) s = s.regex(new RegExp(`^(?:${f.pattern})$`, 'u'), `must match the format ${f.pattern}`);
    value = s;
  }
  return z.preprocess(empty, f.required ? z.custom<unknown>((v) => v !== undefined, 'required').pipe(value) : value.optional()) as z.ZodType<string | number | undefined>;
}

/** The zod schema of a buyer's values for these fields: every declared field checked, nothing else taken. */
export function buyerInputSchema(fields: readonly BuyerField[]) {
  return z.strictObject(Object.fromEntries(fields.map((f) => [f.name, valueSchema(f)])))
    .transform((v) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Record<string, string | number>);
}

/**
 * Checks a buyer's values against a product's fields: the values to store, or each field's problem
 * (keyed `buyerInput.<name>`; an undeclared field under its own name).
 */
export function checkBuyerInput(fields: readonly BuyerField[], input: Record<string, unknown> | undefined):
  { ok: true; value: Record<string, string | number> } | { ok: false; details: Record<string, string> } {
  const r = buyerInputSchema(fields).safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data };
  const details: Record<string, string> = {};
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) details[`buyerInput.${k}`] = 'this product has no such field';
    } else {
      const key = `buyerInput.${String(issue.path[0] ?? '')}`;
      details[key] ??= issue.message;
    }
  }
  return { ok: false, details };
}

/** A stored product.buyer_fields value read back (anything unreadable counts as no fields). */
export const buyerFieldsOf = (json: unknown): BuyerField[] => {
  const r = BuyerFields.safeParse(json ?? []);
  return r.success ? r.data : [];
};

/** The buyer's values with their labels, in the product's order (values of fields since removed last, by name). */
export function labelledInput(fields: readonly BuyerField[], input: unknown): { name: string; label: string; value: string }[] {
  const values = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const known = fields.filter((f) => values[f.name] !== undefined).map((f) => ({ name: f.name, label: f.label, value: String(values[f.name]) }));
  const rest = Object.keys(values).filter((k) => !fields.some((f) => f.name === k)).map((k) => ({ name: k, label: k, value: String(values[k]) }));
  return [...known, ...rest];
}
