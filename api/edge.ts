import express, { type RequestHandler } from 'express';
import { ApiError } from './errors.js';

/** True when any string in a parsed body (keys included) holds a NUL character, which PostgreSQL text refuses. */
export function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (k.includes('\0') || holdsNul(v, depth + 1)) return true;
  return false;
}

export const nulRefused = () => new ApiError(400, 'invalid_request', 'the request contains a NUL character (\\u0000); remove it and send it again');

/** Refuses a NUL in the path or query string (as `%00`) before any route decodes it. */
export const refuseNulInUrl: RequestHandler = (req, _res, next) => {
  if (/%00/.test(req.originalUrl)) throw nulRefused();
  next();
};

/** Runs a body parser, then refuses a NUL character anywhere in what it parsed. */
const refusingNul = (parse: RequestHandler): RequestHandler => (req, res, next) =>
  parse(req, res, (err?: unknown) => next(err ?? (holdsNul(req.body) ? nulRefused() : undefined)));

type Verify = NonNullable<NonNullable<Parameters<typeof express.json>[0]>['verify']>;

/** A JSON body parser with a size limit that refuses NUL characters in what it parsed. */
export const jsonBody = (limit: string, verify?: Verify): RequestHandler => refusingNul(express.json({ limit, verify }));

/** An HTML-form body parser with a size limit that refuses NUL characters. */
export const formBody = (limit: string): RequestHandler => refusingNul(express.urlencoded({ extended: false, limit }));
