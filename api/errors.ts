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
  const e = err as { type?: string; limit?: number } | null;
  if (e?.type === 'entity.too.large') return new ApiError(413, 'payload_too_large', `request body exceeds ${e.limit} bytes`);
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'request body is not valid JSON');
  if (err instanceof WorkflowNotFoundError) return new ApiError(409, 'order_not_running', 'this order has finished; nothing is waiting for that');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const mapped = httpOfFailure(err.cause.type);
    if (mapped) return new ApiError(mapped.status, mapped.code, err.cause.message);
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
    res.status(known?.status ?? 500).json(errorBody(err, req.id));
  };
}
