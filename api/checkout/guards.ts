import type { Request } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import { normalizeEmail } from '../../domain/identity.js';
import type { Config } from '../../infra/config.js';
import { ApiError } from '../errors.js';

const LOOKUP_WINDOW_MS = 15 * 60_000;

const limiter = (limit: number, windowMs: number, message: string, over: Partial<Options> = {}) => rateLimit({
  windowMs,
  limit: limit || Number.MAX_SAFE_INTEGER,
  standardHeaders: 'draft-8',
  legacyHeaders: false,
  handler: (_req, _res, next) => next(new ApiError(429, 'rate_limited', message)),
  ...over,
});

const address = (req: Request) => ipKeyGenerator(req.ip ?? '');

/** The email a lookup names, as the orders store it (so `A.Lice@gmail.com` and `alice@gmail.com` share one budget). */
const lookupEmail = (req: Request) => normalizeEmail(String(req.body?.email ?? '').slice(0, 254));

/**
 * The buyer-facing rate limits, made once per app and shared by the public API and the storefront,
 * so a page and the API draw from one budget. Counted in memory per API process.
 */
export function buyerGuards(config: Config) {
  return {
    /** Orders per client address per minute. */
    checkout: limiter(config.KAMI_CHECKOUT_RATE_LIMIT, 60_000, 'too many orders from this address; wait a minute and try again'),
    /**
     * Failed lookups per address and per email (from any address, so guessing one buyer's query
     * password from many addresses gains nothing). A lookup that finds orders does not count.
     */
    lookup: [
      limiter(config.KAMI_LOOKUP_RATE_LIMIT, LOOKUP_WINDOW_MS, 'too many order lookups that found nothing from this address; wait 15 minutes and try again',
        { keyGenerator: address, skipSuccessfulRequests: true }),
      limiter(config.KAMI_LOOKUP_EMAIL_RATE_LIMIT, LOOKUP_WINDOW_MS, 'too many order lookups that found nothing for this email; wait 15 minutes and try again',
        { keyGenerator: lookupEmail, skipSuccessfulRequests: true }),
    ],
    /** "Send my keys again" per order per hour; a refused request (wrong token, order busy) does not count. */
    resend: limiter(config.KAMI_RESEND_RATE_LIMIT, 60 * 60_000, 'the keys of this order were sent again several times in the last hour; wait an hour, or check your spam folder',
      { keyGenerator: (req) => String(req.params.orderId), skipFailedRequests: true }),
    /** Coupon codes that named no coupon, per address: guessing private codes gets slow. Requests without a coupon do not count. */
    coupon: limiter(config.KAMI_COUPON_GUESS_LIMIT, LOOKUP_WINDOW_MS, 'too many unknown coupon codes from this address; wait 15 minutes and try again', {
      keyGenerator: address, skip: (req) => typeof req.body?.coupon !== 'string', skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode !== 404,
    }),
  };
}
export type BuyerGuards = ReturnType<typeof buyerGuards>;
