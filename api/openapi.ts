import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** Every public route registers its zod schemas here; GET /openapi.json is generated from them. */
export const registry = new OpenAPIRegistry();

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({ example: 'out_of_stock' }),
    message: z.string(),
    details: z.unknown().optional(),
  }),
}).meta({ id: 'Error' });

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? 'error', content: { 'application/json': { schema: ErrorBody } } }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'malformed or invalid request', 401: 'missing or invalid credentials', 402: 'not enough balance', 403: 'credentials do not grant this',
  404: 'not found', 409: 'conflicts with the current state', 413: 'body too large', 429: 'rate limited',
};

export function openApiDocument() {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kami checkout API',
      version: '1.0.0',
      description: 'Buy card keys (卡密): list products, create an order, pay, read the delivered keys.',
    },
  });
}
