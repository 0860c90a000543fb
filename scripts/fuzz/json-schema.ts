import fc from 'fast-check';
import { z } from 'zod';
import { pick, type Value } from './values.js';

/** The part of JSON Schema (draft 2020-12, as zod 4 and OpenAPI 3.1 write it) the generators read. */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/**
 * Field generators that beat the schema at finding real rows: `sku` from the seeded products,
 * `orderId` from seeded orders… Each hint is mixed with the schema's own generator.
 */
export type Hints = Record<string, fc.Arbitrary<Value>>;

export interface SchemaContext {
  /** Where `$ref`s point: `#/$defs/X` (zod) and `#/components/schemas/X` (OpenAPI). */
  root: { $defs?: Record<string, JsonSchema>; components?: { schemas?: Record<string, JsonSchema> } };
  hints: Hints;
  /** Objects carry their required fields and at most two optional ones (clean requests read like a client's). */
  sparse?: boolean;
}

/** The input side of a zod schema as JSON Schema (transforms and pipes show what they accept). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
}

function resolve(ref: string, ctx: SchemaContext): JsonSchema {
  const zodDef = ref.match(/^#\/\$defs\/(.+)$/)?.[1];
  if (zodDef) return ctx.root.$defs?.[zodDef] ?? {};
  const component = ref.match(/^#\/components\/schemas\/(.+)$/)?.[1];
  if (component) return ctx.root.components?.schemas?.[component] ?? {};
  return {};
}

const email = pick(
  fc.emailAddress({ size: 'small' }),
  fc.constantFrom('buyer@example.com', 'A.Lice+x@gmail.com', 'alice@gmail.com', 'x@y.co', `${'a'.repeat(64)}@example.com`),
);
const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

function fitLength(x: string, min: number, max: number): string {
  const long = x.length >= min ? x : (x || 'x').repeat(Math.ceil(min / Math.max(1, x.length)));
  return long.length > max ? long.slice(0, max) : long;
}

/** Lengths a generated string keeps: the schema's bounds, never more than a few dozen characters unless asked. */
function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Math.max(min, 40);
  const fit = (x: string) => x.length >= min && x.length <= max;
  if (s.format === 'email') return email.map((x) => (fit(x) ? x : 'buyer@example.com'));
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') return isoDate.map((d) => d.toISOString());
  if (s.format === 'date') return isoDate.map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'uri' || s.format === 'url') return fc.webUrl();
  if (s.pattern) {
    let re: RegExp | undefined;
    try { re = new RegExp(s.pattern); } catch { /* a pattern JavaScript cannot read: plain strings below */ }
    // a filter that rarely passes makes generation crawl (no filters here): lengths are cut or repeated
    // to fit instead, which keeps `^[…]+$` patterns and may leave others (valid-ish is enough)
    if (re) return fc.stringMatching(re).map((x) => fitLength(x, min, max));
  }
  const small = fc.string({ minLength: min, maxLength: Math.min(max, min + 24) });
  const unicode = fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, min + 12) }).map((x) => (fit(x) ? x : 'x'.repeat(Math.max(min, 1))));
  const atLimit = fc.constantFrom('x', 'é', '😀').map((c) => c.repeat(Math.max(1, Math.floor(max / c.length))));
  return pick({ weight: 6, arbitrary: small }, { weight: 2, arbitrary: unicode }, { weight: 1, arbitrary: atLimit });
}

function integerArb(s: JsonSchema): fc.Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
  const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Math.max(lo, 0) + 1_000_000);
  const edges = [lo, lo + 1, hi, hi - 1, 0, 1, 2, 20, 21, 22, 25, 100, 101, 2 ** 31 - 1, 2 ** 31, 3e9].filter((n) => n >= lo && n <= hi);
  return pick(
    { weight: 4, arbitrary: fc.integer({ min: lo, max: Math.min(hi, lo + 30) }) },
    { weight: 3, arbitrary: fc.constantFrom(...new Set(edges)) },
    { weight: 2, arbitrary: fc.integer({ min: lo, max: Math.min(hi, Math.max(lo, 0) + 200) }) },
    { weight: 1, arbitrary: fc.integer({ min: Math.max(lo, Number.MIN_SAFE_INTEGER), max: Math.min(hi, Number.MAX_SAFE_INTEGER) }) },
  );
}

/** A generator of values that the schema accepts, give or take patterns fast-check approximates. */
export function arbitraryOf(schema: JsonSchema, ctx: SchemaContext, name?: string, depth = 0): fc.Arbitrary<Value> {
  const own = plainArbitraryOf(schema, ctx, depth);
  const hint = name === undefined ? undefined : ctx.hints[name];
  return hint ? pick({ weight: 3, arbitrary: hint }, { weight: 1, arbitrary: own }) : own;
}

function plainArbitraryOf(s: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<Value> {
  if (depth > 8) return fc.constant(null);
  if (s.$ref) return arbitraryOf(resolve(s.$ref, ctx), ctx, undefined, depth + 1);
  if (s.const !== undefined) return fc.constant(s.const as Value);
  if (s.enum) return fc.constantFrom(...(s.enum as Value[]));
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) return pick(...alternatives.map((a) => arbitraryOf(a, ctx, undefined, depth + 1)));
  if (s.allOf?.length) return arbitraryOf(Object.assign({}, ...s.allOf) as JsonSchema, ctx, undefined, depth + 1);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return pick(...types.map((t) => plainArbitraryOf({ ...s, type: t }, ctx, depth)));
  switch (types[0]) {
    case 'string': return stringArb(s);
    case 'integer': return integerArb(s);
    case 'number': return pick(integerArb(s), fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true }));
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      if (s.prefixItems) return fc.tuple(...s.prefixItems.map((p) => arbitraryOf(p, ctx, undefined, depth + 1)));
      const min = s.minItems ?? 0;
      const max = s.maxItems ?? min + 6;
      const item = s.items ? arbitraryOf(s.items, ctx, undefined, depth + 1) : fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Value>;
      const some = fc.array(item, { minLength: min, maxLength: Math.min(max, min + 6) });
      // at the limit now and then: the most lines, ids or items a request may carry
      return max > min + 6 && max <= 5000 ? pick({ weight: 9, arbitrary: some }, { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) }) : some;
    }
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const keys = Object.keys(props);
      if (!keys.length) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Value>, { maxKeys: 3 });
      const model = Object.fromEntries(keys.map((k) => [k, arbitraryOf(props[k]!, ctx, k, depth + 1)]));
      if (ctx.sparse) {
        const optional = keys.filter((k) => !required.has(k));
        return fc.tuple(fc.record(model), fc.subarray(optional, { maxLength: Math.min(2, optional.length) }))
          .map(([all, keep]) => Object.fromEntries(Object.entries(all).filter(([k]) => required.has(k) || keep.includes(k))) as Value);
      }
      return fc.record(model, { requiredKeys: keys.filter((k) => required.has(k)) }) as fc.Arbitrary<Value>;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Value>;
  }
}
