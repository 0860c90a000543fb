import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KeyVault } from './crypto.js';
import type { Db, Prisma } from './db.js';
import { signedHeaders } from './channels/signature.js';

/**
 * The merchant's own endpoints for a product (table product_endpoint): `fulfilment`, called after
 * payment and the rules instead of claiming a key. Each has a URL and a signing secret Kami generates
 * (shown once, kept encrypted under the master key, bound to its key id); Kami signs its POSTs with it
 * exactly as it signs webhooks (infra/channels/signature.ts), the key id in Kami-Key-Id.
 */
export type EndpointKind = 'fulfilment' | 'licence';

const aad = (keyId: string) => `product-endpoint:${keyId}`;

export interface IssuedEndpoint { kind: EndpointKind; url: string; keyId: string; secret: string; createdAt: Date }
export interface UsableEndpoint { url: string; keyId: string; secret: string }

/** Sets (or replaces) a product's endpoint with a fresh secret, returned once. */
export async function issueEndpoint(tx: Prisma.TransactionClient | Db, vault: KeyVault, productId: string, kind: EndpointKind, url: string, actor: string): Promise<IssuedEndpoint> {
  const keyId = `pe_${randomBytes(12).toString('base64url')}`;
  const secret = `ps_${randomBytes(32).toString('base64url')}`;
  const data = { url, keyId, secret: vault.encrypt(secret, aad(keyId)), createdBy: actor, createdAt: new Date() };
  const row = await tx.productEndpoint.upsert({
    where: { productId_kind: { productId, kind } }, create: { productId, kind, ...data }, update: data,
  });
  return { kind, url, keyId, secret, createdAt: row.createdAt };
}

/** The endpoint to call, with its secret decrypted (only in the activity that signs with it). */
export async function endpointFor(db: Db, vault: KeyVault, productId: string, kind: EndpointKind): Promise<UsableEndpoint | null> {
  const row = await db.productEndpoint.findUnique({ where: { productId_kind: { productId, kind } }, select: { url: true, keyId: true, secret: true } });
  return row && { url: row.url, keyId: row.keyId, secret: vault.decrypt(row.secret, aad(row.keyId)) };
}

/** What a product record shows of its endpoints: never the secret. */
export async function endpointsOf(db: Db | Prisma.TransactionClient, productIds: string[]) {
  const rows = await db.productEndpoint.findMany({ where: { productId: { in: productIds } }, select: { productId: true, kind: true, url: true, keyId: true, createdAt: true } });
  const by = new Map<string, Partial<Record<EndpointKind, { url: string; keyId: string; createdAt: Date }>>>();
  for (const r of rows) by.set(r.productId, { ...by.get(r.productId), [r.kind]: { url: r.url, keyId: r.keyId, createdAt: r.createdAt } });
  return by;
}

/**
 * The merchant's answer, as documented in README ("Product types"): a 2xx or 4xx whose JSON body says
 * `fulfilled` (with an optional receipt for the buyer and a reference for the operator) or `refused`
 * (with a reason). Anything else — another status, no answer in time, a body that says neither — is
 * a failure that is tried again.
 */
const Answer = z.discriminatedUnion('status', [
  z.object({ status: z.literal('fulfilled'), receipt: z.string().trim().max(500).optional(), reference: z.string().trim().max(200).optional() }),
  z.object({ status: z.literal('refused'), reason: z.string().trim().max(1000).optional() }),
]);
export type MerchantAnswer = z.infer<typeof Answer>;

export type CallResult = { ok: true; answer: MerchantAnswer } | { ok: false; error: string };

/**
 * POSTs one signed JSON body to the merchant. `Kami-Idempotency-Key` (the order id) is the same on
 * every try: the merchant fulfils an order id once and answers a repeat with its first answer.
 * Redirects are not followed. Never throws.
 */
export async function callMerchant(endpoint: UsableEndpoint, body: Record<string, unknown>, idempotencyKey: string, timeoutMs: number): Promise<CallResult> {
  const target = new URL(endpoint.url);
  const raw = JSON.stringify(body);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Kami-Fulfilment/1',
    'kami-idempotency-key': idempotencyKey,
    ...signedHeaders(endpoint.keyId, endpoint.secret, { method: 'POST', path: `${target.pathname}${target.search}`, body: raw }),
  };
  let res: Response;
  let text: string;
  try {
    res = await fetch(target, { method: 'POST', headers, body: raw, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String(e.cause?.code ?? e.cause?.message ?? e.message) };
  }
  if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) return { ok: false, error: `HTTP ${res.status}` };
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { return { ok: false, error: `HTTP ${res.status}: the answer is not JSON` }; }
  const answer = Answer.safeParse(parsed);
  if (!answer.success) return { ok: false, error: `HTTP ${res.status}: the answer says neither fulfilled nor refused` };
  // a 4xx that says fulfilled is no fulfilment
  if (res.status >= 400 && answer.data.status === 'fulfilled') return { ok: false, error: `HTTP ${res.status}` };
  return { ok: true, answer: answer.data };
}
