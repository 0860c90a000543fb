import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { httpOfFailure } from '../domain/errors.js';
import type { Logger } from '../infra/logger.js';

/** An error meant for the client: HTTP status, machine-readable code, and a message a person can act on. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** Seconds a client is told to wait (Retry-After) while a dependency is away. */
const RETRY_AFTER_SECONDS = 5;

// gRPC UNAVAILABLE / DEADLINE_EXCEEDED; socket errors; PostgreSQL "cannot connect now", admin shutdown,
// connection exceptions (class 08); Prisma's "can't reach / timed out / connection closed".
const UNAVAILABLE_CODES = new Set<unknown>([14, 4, 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', 'P1001', 'P1002', 'P1008', 'P1017']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Failed to connect before the deadline|Client network socket disconnected/i;

// PostgreSQL: undefined column, undefined function, undefined table — code newer than its schema
const SCHEMA_BEHIND_CODES = new Set<unknown>(['42703', '42883', '42P01']);

/** True when the database is missing a column, function or table this code uses: `npm run migrate` has not run yet. */
export function isSchemaBehind(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (SCHEMA_BEHIND_CODES.has(e.code)) return true;
  }
  return false;
}

/** True when the error (or one it wraps) says PostgreSQL or Temporal cannot be reached right now. */
export function isDependencyUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (UNAVAILABLE_CODES.has(e.code) || (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message))) return true;
  }
  return false;
}

export const notFound: RequestHandler = (req) => {
  throw new ApiError(404, 'route_not_found', `no route for ${req.method} ${req.path}`);
};

function fieldErrors(err: ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) out[issue.path.join('.') || '(root)'] ??= issue.message;
  return out;
}

/** Maps any error to the client-facing ApiError; null for an unexpected one (a 500 the caller logs). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return new ApiError(400, 'invalid_request', 'the request is invalid; see details for each field', fieldErrors(err));
  const e = err as { type?: string; limit?: number; status?: number; charset?: string; encoding?: string; code?: string } | null;
  if (e?.type === 'entity.too.large') return new ApiError(413, 'payload_too_large', `request body exceeds ${e.limit} bytes`);
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'request body is not valid JSON');
  if (e?.type === 'charset.unsupported') return new ApiError(415, 'unsupported_charset', `charset "${e.charset}" is not supported; send the body as UTF-8`);
  if (e?.type === 'encoding.unsupported') return new ApiError(415, 'unsupported_encoding', `content encoding "${e.encoding}" is not supported; send it uncompressed or gzip/deflate`);
  // zlib's own error inflating a body whose Content-Encoding says gzip/deflate (Z_…) or br (ERR__ERROR_…)
  if (e?.status === 400 && typeof e.code === 'string' && /^(Z_|ERR__ERROR_)/.test(e.code)) {
    return new ApiError(400, 'invalid_encoding', 'the body is not valid for its Content-Encoding; send it uncompressed or correctly compressed');
  }
  // the body parser's and router's own client errors (an aborted body, too many parameters, a path
  // that is not valid percent-encoding) carry a 4xx status
  if (err instanceof URIError || (e?.status !== undefined && e.status >= 400 && e.status < 500 && (e.type !== undefined || err instanceof URIError))) {
    return new ApiError(e?.status && e.status < 500 ? e.status : 400, 'invalid_request', 'the request could not be read (malformed encoding, size or parameters)');
  }
  if (err instanceof WorkflowNotFoundError) return new ApiError(409, 'order_not_running', 'this order has finished; nothing is waiting for that');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const mapped = httpOfFailure(err.cause.type);
    if (mapped) return new ApiError(mapped.status, mapped.code, err.cause.message);
  }
  if (isSchemaBehind(err)) {
    return new ApiError(503, 'service_unavailable', `Kami's database schema is older than this Kami (a migration is pending); try again in ${RETRY_AFTER_SECONDS} seconds`);
  }
  if (isDependencyUnavailable(err)) {
    return new ApiError(503, 'service_unavailable',
      `Kami cannot reach its database or workflow service right now; try again in ${RETRY_AFTER_SECONDS} seconds (a checkout retried with the same Idempotency-Key is never placed twice)`);
  }
  return null;
}

/** The response body for an error; unexpected ones say only that something failed. */
export function errorBody(err: unknown, reqId = 'n/a') {
  const e = toApiError(err) ?? new ApiError(500, 'internal_error', `something went wrong on our side; quote request id ${reqId} when you contact support`);
  return { error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } };
}

/** The single error middleware: every failure leaves as `{ error: { code, message, details? } }`. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toApiError(err);
    if (!known) log.error({ err, reqId: req.id, method: req.method, path: req.path }, 'unhandled error');
    else if (known.status === 503) {
      if (isSchemaBehind(err)) log.error({ reqId: req.id, err: (err as Error).message }, 'the database schema is behind this code: run npm run migrate');
      else log.warn({ reqId: req.id, method: req.method, path: req.path, err: (err as Error).message }, 'a dependency is unavailable');
      res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    }
    res.status(known?.status ?? 500).json(errorBody(err, req.id));
  };
}
