import fc from 'fast-check';

/**
 * fc.oneof that shrinks across alternatives towards the first one: list the plain case first, so a
 * failure found with a 1 MB body or a junk path shrinks to a normal request when it still fails.
 */
export function pick<Ts extends fc.MaybeWeightedArbitrary<unknown>[]>(...arbs: Ts): fc.Arbitrary<fc.OneOfValue<Ts>> {
  const oneof = fc.oneof as (constraints: fc.OneOfConstraints, ...a: Ts) => fc.Arbitrary<fc.OneOfValue<Ts>>;
  return oneof({ withCrossShrink: true }, ...arbs);
}

/**
 * JSON values with holes for text JSON.stringify cannot produce: `-0`, `1e400`, duplicate keys,
 * deep nesting written out. `encodeJson` writes a Raw verbatim.
 */
export class Raw {
  constructor(readonly text: string) {}
}

export type Value = null | boolean | number | string | Raw | Value[] | { [key: string]: Value };

/** JSON text of a Value; Raw pieces go in as they are. */
export function encodeJson(v: Value): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(encodeJson).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${encodeJson(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Integers around every width a number column or a JavaScript number can overflow at. */
export const EDGE_INTEGERS = [
  0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 3e9, 1e10, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53),
  100_000_000, 100_000_001, 1e15, 1e21,
];
const EDGE_NUMBERS = [...EDGE_INTEGERS, 1e308, -1e308, 5e-324, 0.5, 1.5, -0.000001, 2147483647.5];
/** Number literals JSON.stringify never writes: negative zero, overflow to Infinity, underflow, exponent forms. */
const RAW_NUMBERS = ['-0', '1e400', '-1e400', '1e-400', '1.0', '2147483648.0', '1E2', '0.1e1', '-0.0', '9007199254740993', '123456789012345678901234567890'];
const NUMERIC_STRINGS = ['NaN', 'Infinity', '-Infinity', '-0', '1e309', '2147483648', '9007199254740993', '0x10', '1_000', ' 1', '', '1.5', '+1', '1e3', '١٢٣'];

/** Strings that have broken parsers, databases and templates before. */
const NASTY_STRINGS = [
  '\u0000', 'a\u0000b', '\u0000'.repeat(8), '\ud800', 'x\udfffy', '\ud83d', '😀', '👩‍👩‍👧‍👦', '\u202e', 'ǅ', 'İ', 'ß', '\u00a0', '\ufeff', 'ﬀ',
  ' ', '\t\n\r', '\r\n\r\n', "'", '"', '\\', "' OR '1'='1", '"; DROP TABLE product; --', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
  '%00', '%', '%ZZ', '../../../etc/passwd', 'null', 'undefined', 'true', '[]', '{}', 'constructor', '__proto__', 'toString', 'ЖЖЖ', '가나다',
  'e\u0301', '\u001b[31m', '\u0007', '\u007f', '\u0085', '\u2028', '\uffff', '\ufffe', '\u{10ffff}',
];

/** Lengths just past the limits the schemas and columns use. */
const LONG_LENGTHS = [17, 33, 41, 65, 129, 201, 255, 257, 501, 1001, 5001, 20_001, 70_000];

/** Any UTF-16 code unit: NUL, control characters and lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

export const nastyString: fc.Arbitrary<string> = pick(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udc00', '\u0000\u0000'), fc.string({ maxLength: 8 })).map(([a, n, b]) => a + n + b) },
  { weight: 2, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...LONG_LENGTHS), fc.constantFrom('x', 'é', '😀', '\u0000', '9')).map(([n, c]) => c.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMERIC_STRINGS) },
);

export const nastyNumber: fc.Arbitrary<Value> = pick(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((t) => new Raw(t)) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

/** Deep nesting written out directly (cheap to generate, costly to parse and validate). */
const deepNesting: fc.Arbitrary<Value> = fc.tuple(fc.constantFrom(64, 512, 3000, 20_000), fc.boolean())
  .map(([depth, arrays]) => new Raw(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

const NASTY_STRUCTURES = [
  '{"__proto__":{"isAdmin":true,"role":"owner"}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"a":1,"a":2}',
  '[null]', '[[]]', '{"":""}', '{"$where":"1"}', '{"toString":1}', '{"valueOf":"x"}',
];

export const nastyStructure: fc.Arbitrary<Value> = pick(
  fc.constantFrom<Value>(null, true, false, [], {}, ''),
  fc.constantFrom(...NASTY_STRUCTURES).map((t) => new Raw(t)),
  deepNesting,
  fc.array(fc.constantFrom<Value>(null, 0, '', 'x'), { minLength: 1001, maxLength: 1001 }),
);

/** One value that does not belong where it is put. */
export const nastyValue: fc.Arbitrary<Value> = pick(
  { weight: 4, arbitrary: nastyNumber },
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyStructure },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Value> },
);

/** An own property even for `__proto__`, which plain assignment would turn into a prototype change. */
const define = (o: { [key: string]: Value }, k: string, v: Value) => {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
};

type Slot = { get(): Value; set(v: Value): void; remove?(): void };

/** Every place in a value a mutation can aim at: the root, each object property, each array element. */
function slots(root: { v: Value }): Slot[] {
  const out: Slot[] = [{ get: () => root.v, set: (v) => { root.v = v; } }];
  const walk = (v: Value, depth: number) => {
    if (depth > 6 || v === null || typeof v !== 'object' || v instanceof Raw) return;
    if (Array.isArray(v)) {
      v.slice(0, 50).forEach((x, i) => {
        out.push({ get: () => v[i]!, set: (n) => { v[i] = n; }, remove: () => { v.splice(i, 1); } });
        walk(x, depth + 1);
      });
    } else {
      for (const k of Object.keys(v)) {
        out.push({ get: () => v[k]!, set: (n) => { define(v, k, n); }, remove: () => { delete v[k]; } });
        walk(v[k]!, depth + 1);
      }
    }
  };
  walk(root.v, 0);
  return out;
}

const clone = (v: Value): Value => (v instanceof Raw || v === null || typeof v !== 'object' ? v
  : Array.isArray(v) ? v.map(clone) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])));

/** The value with slot `i` (modulo the number of slots; 0 is the root) replaced. Slot order puts the fields first. */
export function replaceAt(v: Value, i: number, by: Value): Value {
  const root = { v: clone(v) };
  const all = slots(root);
  // prefer fields over the root: index 0 shrinks to the first field, the root is last
  const ordered = all.length > 1 ? [...all.slice(1), all[0]!] : all;
  ordered[i % ordered.length]!.set(by);
  return root.v;
}

export function removeAt(v: Value, i: number): Value {
  const root = { v: clone(v) };
  const removable = slots(root).filter((s) => s.remove);
  if (removable.length) removable[i % removable.length]!.remove!();
  return root.v;
}

/** Same value with the type of one field changed: a number as a string, a string as a number, a scalar wrapped in an array. */
export function retypeAt(v: Value, i: number, how: number): Value {
  const root = { v: clone(v) };
  const all = slots(root).slice(1);
  if (!all.length) return root.v;
  const s = all[i % all.length]!;
  const x = s.get();
  const options: Value[] = [
    typeof x === 'number' ? String(x) : typeof x === 'string' && x !== '' && !Number.isNaN(Number(x)) ? Number(x) : 1,
    [x], { value: x }, x === null ? 'null' : null, typeof x === 'boolean' ? String(x) : true,
  ];
  s.set(options[how % options.length]!);
  return root.v;
}

export function addField(v: Value, key: string, by: Value): Value {
  const root = { v: clone(v) };
  const objects = slots(root).map((s) => s.get()).filter((x): x is { [k: string]: Value } => x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Raw));
  if (!objects.length) return root.v;
  define(objects[key.length % objects.length]!, key, by);
  return root.v;
}

/**
 * Valid-ish values from `valid`, then mutated: one field nasty, one removed, one retyped, an extra field,
 * or the whole value replaced. Every mutation shrinks towards the valid value it started from.
 */
export function mutated(valid: fc.Arbitrary<Value>): fc.Arbitrary<Value> {
  return pick(
    { weight: 5, arbitrary: valid },
    { weight: 6, arbitrary: fc.tuple(valid, fc.nat(), nastyValue).map(([v, i, n]) => replaceAt(v, i, n)) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.nat(), fc.nat()).map(([v, i, h]) => retypeAt(v, i, h)) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.nat()).map(([v, i]) => removeAt(v, i)) },
    { weight: 1, arbitrary: fc.tuple(valid, pick(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'id', 'status', 'role', 'admin', 'constructor')), nastyValue).map(([v, k, n]) => addField(v, k, n)) },
    { weight: 1, arbitrary: nastyValue },
  );
}
