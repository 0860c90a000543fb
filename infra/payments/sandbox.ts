import { z } from 'zod';
import { MAX_MINOR_UNITS } from '../../domain/money.js';
import { hmacSha256Hex, safeEqualHex } from '../crypto.js';
import { NotificationRefused, type PaymentGateway, type RawNotification } from './gateway.js';

export const SIGNATURE_HEADER = 'Kami-Signature';
/** A v1 signature is exactly a hex HMAC-SHA256 as Kami writes it: anything else is refused unread. */
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
/** A signature older than this is refused, so a captured callback cannot be replayed later. */
const TOLERANCE_SECONDS = 300;

/** `orderId` is the gateway order number of the attempt it pays (the order id for an order's first attempt). */
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

/** HTTP statuses of the sandbox's refusals (a real gateway gets its own failure answer instead). */
const REFUSAL_STATUS: Record<string, number> = { invalid_request: 400, malformed: 400, transaction_reused: 409 };

/**
 * Kami's built-in gateway for development and tests: no account needed, its "payment page" is
 * Kami's own (/sandbox/pay), and it signs its callbacks exactly as a real gateway would.
 */
export function createSandboxGateway(secret: string, publicUrl: string): PaymentGateway {
  return {
    name: 'sandbox',
    currencies: [],
    async createAttempt(a) {
      return { payUrl: `${publicUrl}/sandbox/pay/${a.orderId}`, gatewayAmountMinor: a.amountMinor, gatewayCurrency: a.currency };
    },
    verifyNotification(n: RawNotification) {
      const header = n.headers[SIGNATURE_HEADER.toLowerCase()] ?? '';
      // split at the first '=' only: split('=', 2) would silently drop whatever follows a second one
      const parts = Object.fromEntries(header.split(',').map((kv) => {
        const eq = kv.indexOf('=');
        return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
      }));
      const t = Number(parts.t);
      if (!parts.t || !parts.v1 || !Number.isInteger(t)) throw new NotificationRefused('invalid_signature', `missing or malformed ${SIGNATURE_HEADER} header`);
      if (Math.abs(Date.now() / 1000 - t) > TOLERANCE_SECONDS) throw new NotificationRefused('stale_signature', 'the notification is too old to be accepted');
      const raw = n.body.toString('utf8');
      // Buffer.from(hex) reads uppercase, drops a dangling digit and stops at the first non-hex character
      if (!SIGNATURE_HEX.test(parts.v1) || !safeEqualHex(parts.v1, hmacSha256Hex(secret, `${t}.${raw}`))) {
        throw new NotificationRefused('invalid_signature', 'the signature does not match the notification');
      }
      let body: unknown;
      try { body = JSON.parse(raw); } catch { throw new NotificationRefused('invalid_request', 'the notification body is not JSON'); }
      const parsed = SandboxNotification.safeParse(body);
      if (!parsed.success) throw new NotificationRefused('invalid_request', `the notification is malformed: ${z.prettifyError(parsed.error)}`);
      const p = parsed.data;
      return { gatewayOrderNo: p.orderId, txnId: p.txnId, paid: true, amountMinor: p.amountCents, currency: p.currency.toUpperCase(), ...(p.account ? { account: p.account } : {}) };
    },
    answer(outcome) {
      if (outcome.received) return { status: 200, body: { received: true, duplicate: outcome.duplicate } };
      return { status: REFUSAL_STATUS[outcome.code] ?? 401, body: { error: { code: outcome.code, message: outcome.message } } };
    },
  };
}
