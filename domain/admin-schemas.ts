import { z } from 'zod';
import { durationToMs } from './duration.js';
import { INT4_MAX } from './ids.js';
import { SmsSettingsInput } from './sms.js';
import { BuyerFields, KEY_FORMATS, MAX_KEY_USES } from './product-types.js';

/**
 * Request bodies of the operator panel's API. Pure zod, no Node imports: the server parses with
 * these and the panel (admin/) may import them to validate forms the same way.
 */

/** Ascending rank: each role may do everything the roles before it may. */
export const ROLES = ['viewer', 'operator', 'owner'] as const;
export type Role = (typeof ROLES)[number];
export const roleAtLeast = (role: Role, min: Role) => ROLES.indexOf(role) >= ROLES.indexOf(min);

export const OperatorEmail = z.string().trim().toLowerCase().pipe(z.email().max(254));
/** Upper bound keeps a hostile body from making argon2 hash megabytes. */
export const Password = z.string().min(10, 'use at least 10 characters').max(256);

export const LoginBody = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(256),
});

/** Forms send '' (or null) for a password left empty: that means "keep the current one". */
const OptionalPassword = z.preprocess((v) => (v === '' || v === null ? undefined : v), Password.optional());

export const OperatorCreate = z.object({
  email: OperatorEmail,
  name: z.string().trim().min(1).max(120),
  role: z.enum(ROLES),
  password: Password,
});
/** Unknown fields (id, createdAt… that react-admin sends back) are dropped, not rejected. */
export const OperatorUpdate = OperatorCreate.omit({ password: true }).partial().extend({
  disabled: z.boolean().optional(),
  password: OptionalPassword,
});

/**
 * The editable fields of a product; the one place to add a product setting. Optional fields left
 * out take the database default on create and stay unchanged on update.
 */
export const ProductInput = z.object({
  sku: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1-64 letters, digits, dot, dash or underscore'),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).optional(),
  guide: z.string().max(20_000).optional(),
  priceCents: z.int().min(1, 'price must be at least 1 cent').max(100_000_000),
  /** What one key costs the shop: the promotions' floor keeps the price at or above it (domain/promotions.ts). */
  costMinor: z.int().min(0).max(100_000_000).optional(),
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'use a three-letter ISO 4217 code such as USD'),
  active: z.boolean().optional(),
  /** `manual` goods have no card keys: an operator delivers them (the order waits in review). */
  deliveryMode: z.enum(['auto', 'manual']).optional(),
  /** The dashboard lists the product once fewer keys than this are available. */
  lowStockThreshold: z.int().min(0).max(1_000_000).optional(),
  /** SMS delivery beside the email; which combinations can be saved is domain/sms.ts smsSettingsProblems. */
  ...SmsSettingsInput,
  /** `plain` keys or card number + password `pair`s (domain/product-types.ts); fixed once the product has keys. */
  keyFormat: z.enum(KEY_FORMATS).optional(),
  /** 1: every key is sold once; more: a shared ("loop") key, delivered to up to this many buyers, one per order. Fixed once the product has keys. */
  keyUses: z.int().min(1).max(MAX_KEY_USES).optional(),
  /** The buyer's own checkout fields (a game account, a server…), checked at checkout by domain/product-types.ts. */
  buyerFields: BuyerFields.optional(),
  /** The buyer gives a device id at checkout (a built-in buyer field); one code per device (domain/device-binding.ts). */
  deviceBound: z.boolean().optional(),
  /** Manual delivery: how long a paid order may wait for its goods (`30m`, `4h`, `1d`); past it the order escalates. Null or '': none. */
  manualSla: z.preprocess((v) => (v === '' ? null : v), z.string().trim().regex(/^[1-9]\d{0,5}(s|m|h|d)$/, 'use a duration such as 30m, 4h or 1d')
    .refine((v) => durationToMs(v) <= 30 * 86_400_000, 'at most 30 days').nullable().optional()),
});
export const ProductUpdate = ProductInput.partial();

export const MAX_KEY_LENGTH = 500;
/** Lines per import request; the panel sends larger files in chunks of this size to one batch. */
export const MAX_IMPORT_LINES = 5000;

/**
 * Why a trimmed, non-empty line of an import file cannot be stored as a key, or null when it can.
 * A line is a key or a CSV `cardNo,password` pair; either way the whole line is the secret.
 */
export function keyLineProblem(key: string): string | null {
  if ([...key].length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  // tabs are allowed: spreadsheets export `cardNo<TAB>password`
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(key)) return 'contains control characters';
  return null;
}

const ImportLines = z.array(z.string()).min(1).max(MAX_IMPORT_LINES, `send at most ${MAX_IMPORT_LINES} lines per request`);

export const KeyImportPreviewBody = z.object({
  productId: z.uuid(),
  lines: ImportLines,
  /** File line number of lines[0], so a chunked preview reports file line numbers. */
  firstLine: z.int().min(1).max(INT4_MAX).default(1),
});

export const KeyImportBody = z.object({
  productId: z.uuid(),
  label: z.string().trim().min(1).max(200),
  lines: ImportLines.superRefine((lines, ctx) => {
    lines.forEach((raw, i) => {
      const line = raw.trim();
      const problem = line ? keyLineProblem(line) : null;
      if (problem) ctx.addIssue({ code: 'custom', path: [i], message: `line ${i + 1}: ${problem}` });
    });
  }),
  /** The batch the first chunk created: later chunks of the same file append to it. */
  batchId: z.int().positive().max(INT4_MAX).optional(),
});

const KeyIds = (max: number) => z.array(z.int().positive().max(INT4_MAX)).min(1).max(max).transform((ids) => [...new Set(ids)]);

export const KeyVoidBody = z.object({ ids: KeyIds(MAX_IMPORT_LINES), reason: z.string().trim().min(1).max(500) });
export const KeyRevealBody = z.object({ ids: KeyIds(100) });

/** What importing a list of key lines would do (POST /admin/api/keys/import/preview); line numbers are 1-based. */
export interface ImportPreview {
  /** Non-empty lines. */
  total: number;
  /** Lines an import would store: well-formed, first of their kind in the file, not yet in stock. */
  valid: number;
  invalid: { line: number; reason: string }[];
  duplicatesInFile: { line: number; firstLine: number }[];
  duplicatesInStock: { line: number }[];
}
