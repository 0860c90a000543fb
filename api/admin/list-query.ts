import type { Response } from 'express';
import { z } from 'zod';
import { INT4_MAX } from '../../domain/ids.js';
import { holdsNul } from '../edge.js';

/**
 * The ra-data-simple-rest list contract, parsed once for every resource:
 * `?sort=["field","ASC"]&range=[0,24]&filter={json}` → rows, with `Content-Range: <resource> 0-24/319`.
 */

/** Largest page (and largest id list in a getMany filter). */
export const MAX_PAGE = 1000;

export type SortOrder = 'asc' | 'desc';

export interface ListSpec<F extends z.ZodType> {
  /** Fields a list may sort by, named as in the records; any other is a 400. */
  sortable: readonly string[];
  defaultSort: readonly [field: string, order: 'ASC' | 'DESC'];
  /** A strict object of optional filters: an unknown filter is a 400, never silently ignored. */
  filter: F;
}

export interface ListQuery<F> {
  sort: { field: string; order: SortOrder };
  range: [start: number, end: number];
  skip: number;
  take: number;
  filter: F;
}

const jsonParam = <T extends z.ZodType>(schema: T) => z.string().transform((text, ctx) => {
  try {
    const value = JSON.parse(text) as unknown;
    // a NUL written as \u0000 inside the JSON passes the URL's check; PostgreSQL text refuses it
    if (holdsNul(value)) {
      ctx.addIssue({ code: 'custom', message: 'contains a NUL character (\\u0000)' });
      return z.NEVER;
    }
    return value;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a JSON value' });
    return z.NEVER;
  }
}).pipe(schema);

const Range = z.tuple([z.int().min(0), z.int().min(0)]).refine(([start, end]) => end >= start && end - start < MAX_PAGE, {
  message: `expected [start, end] with start <= end and at most ${MAX_PAGE} rows`,
});

/** Parses express's req.query for a list; throws a ZodError (→ 400 with details per parameter). */
export function parseListQuery<F extends z.ZodType>(query: unknown, spec: ListSpec<F>): ListQuery<z.output<F>> {
  const Sort = z.tuple([z.string(), z.enum(['ASC', 'DESC', 'asc', 'desc'])]).superRefine(([field], ctx) => {
    if (!spec.sortable.includes(field)) ctx.addIssue({ code: 'custom', message: `cannot sort by "${field}"; sort by one of: ${spec.sortable.join(', ')}` });
  });
  const parsed = z.object({
    sort: jsonParam(Sort).optional(),
    range: jsonParam(Range).optional(),
    filter: jsonParam(spec.filter).optional(),
  }).parse(query);
  const [field, order] = parsed.sort ?? spec.defaultSort;
  const range = parsed.range ?? [0, MAX_PAGE - 1];
  return {
    sort: { field, order: order.toLowerCase() as SortOrder },
    range,
    skip: range[0],
    take: range[1] - range[0] + 1,
    filter: parsed.filter ?? spec.filter.parse({}),
  };
}

/**
 * Prisma orderBy for a parsed sort, with the id as tie-breaker so pages never overlap or skip rows.
 * The cast is safe: sortable fields are whitelisted per resource and named like the model's fields.
 */
export function orderBy<T>(sort: ListQuery<unknown>['sort'], tieBreaker = 'id'): T[] {
  const keys = sort.field === tieBreaker ? [sort.field] : [sort.field, tieBreaker];
  return keys.map((k) => ({ [k]: sort.order })) as T[];
}

/** Answers a list: the rows as a JSON array and the total in Content-Range. */
export function sendList(res: Response, resource: string, rows: unknown[], total: number, range: readonly [number, number]) {
  const span = rows.length ? `${range[0]}-${range[0] + rows.length - 1}` : '*';
  res.setHeader('Content-Range', `${resource} ${span}/${total}`);
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range');
  res.json(rows);
}

/** A filter that takes one value or a list of them (multi-selects, and getMany's {"id":[…]}). */
export const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1).max(MAX_PAGE)]).transform((v): z.output<T>[] => (Array.isArray(v) ? v : [v]));

/**
 * A date filter bound: an ISO date-time, or a day (`2026-11-25`, as date pickers send). A day as the
 * upper bound includes that whole day; bounds are used as `>= from` and `< to`.
 */
export const dateBound = (edge: 'from' | 'to') => z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => {
  const d = new Date(s);
  if (edge === 'to' && s.length === 10) d.setUTCDate(d.getUTCDate() + 1);
  return d;
});

/** A serial (int4) row id, in a path or a filter: anything past 2^31-1 names no row and never reaches PostgreSQL. */
export const SerialId = z.coerce.number().pipe(z.int().positive().max(INT4_MAX));

/** Route params `:id` of numeric and uuid resources. */
export const IntId = z.object({ id: SerialId });
export const UuidId = z.object({ id: z.uuid() });
