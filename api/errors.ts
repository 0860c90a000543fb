import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { WorkflowNotFoundError } from '@temporalio/client';
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

/** The single error middleware: every failure leaves as `{ error: { code, message, details? } }`. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else if (err instanceof ZodError) e = new ApiError(400, 'invalid_request', 'the request is invalid; see details for each field', fieldErrors(err));
    else if (err?.type === 'entity.too.large') e = new ApiError(413, 'payload_too_large', `request body exceeds ${err.limit} bytes`);
    else if (err?.type === 'entity.parse.failed') e = new ApiError(400, 'invalid_json', 'request body is not valid JSON');
    else if (err instanceof WorkflowNotFoundError) e = new ApiError(404, 'order_not_found', 'no running order with that id');
    else {
      log.error({ err, reqId: req.id, method: req.method, path: req.path }, 'unhandled error');
      e = new ApiError(500, 'internal_error', `something went wrong on our side; quote request id ${req.id} when you contact support`);
    }
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } });
  };
}
