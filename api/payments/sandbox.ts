import type { Request } from 'express';
import { z } from 'zod';
import { hmacSha256Hex, safeEqualHex } from '../../infra/crypto.js';
import { ApiError } from '../errors.js';
import type { PaymentNotification, PaymentProvider } from './provider.js';
import { MAX_MINOR_UNITS } from '../../domain/money.js';

export const SIGNATURE_HEADER = 'Kami-Signature';
/** A v1 signature is exactly a hex HMAC-SHA256 as Kami writes it: anything else is refused unread. */
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
/** A signature older than this is refused, so a captured callback cannot be replayed later. */
const TOLERANCE_SECONDS = 300;

export const SandboxNotification = z.strictObject({
  orderId: z.string().min(1).max(40),
  txnId: z.string().min(1).max(128),
  amountCents: z.int().min(0).max(MAX_MINOR_UNITS),
  currency: z.string().length(3),
  paidAt: z.iso.datetime(),
  account: z.string().min(1).max(128).optional(),
});

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme Stripe made familiar. */
export function signSandboxNotification(secret: string, rawBody: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${hmacSha256Hex(secret, `${t}.${rawBody}`)}`;
}

/** Kami's built-in provider: no account needed, signs its callbacks exactly as a real gateway would. */
export function createSandboxProvider(secret: string, publicUrl: string): PaymentProvider {
  return {
    name: 'sandbox',
    paymentUrl: (orderId, token) => `${publicUrl}/sandbox/pay/${orderId}?token=${encodeURIComponent(token)}`,
    verifyNotification(req: Request): PaymentNotification {
      const header = req.get(SIGNATURE_HEADER) ?? '';
      // split at the first '=' only: split('=', 2) would silently drop whatever follows a second one
      const parts = Object.fromEntries(header.split(',').map((kv) => {
        const eq = kv.indexOf('=');
        return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
      }));
      const t = Number(parts.t);
      if (!parts.t || !parts.v1 || !Number.isInteger(t)) throw new ApiError(401, 'invalid_signature', `missing or malformed ${SIGNATURE_HEADER} header`);
      if (Math.abs(Date.now() / 1000 - t) > TOLERANCE_SECONDS) throw new ApiError(401, 'stale_signature', 'the notification is too old to be accepted');
      const raw = req.rawBody?.toString('utf8') ?? '';
      // Buffer.from(hex) reads uppercase, drops a dangling digit and stops at the first non-hex character
      if (!SIGNATURE_HEX.test(parts.v1) || !safeEqualHex(parts.v1, hmacSha256Hex(secret, `${t}.${raw}`))) throw new ApiError(401, 'invalid_signature', 'the signature does not match the notification');
      return { ...SandboxNotification.parse(req.body), provider: 'sandbox' };
    },
  };
}
