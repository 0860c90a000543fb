import express, { type Request, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { channelSettings, ipAllowed, type ChannelSettings } from '../../domain/channels.js';
import { credentialFor, firstUseOfNonce } from '../../infra/channels/credentials.js';
import { NONCE_SHAPE, SIGNATURE_HEADERS, SIGNATURE_WINDOW_S, signatureMatches, timestampFresh } from '../../infra/channels/signature.js';
import type { ApiDeps } from '../deps.js';
import { holdsNul, nulRefused } from '../edge.js';
import { ApiError } from '../errors.js';

/** The partner channel a signed request speaks for. */
export interface Partner {
  keyId: string;
  channelId: string;
  name: string;
  kind: string;
  settings: ChannelSettings;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by signedRequests on /api/v1/partner routes. */
      partner?: Partner;
    }
  }
}

export const PARTNER_BODY_LIMIT = '16kb';

const unauthorized = (code: string, message: string, details?: unknown) => new ApiError(401, code, message, details);

/**
 * Partner requests, checked in this order before anything is read or written: the four signature
 * headers; a timestamp within SIGNATURE_WINDOW_S of Kami's clock; a live key (not revoked, not past
 * its rotation's end, its channel enabled); the HMAC over method, path with query, timestamp, nonce
 * and the raw body's hash; the channel's IP allow-list; its rate limit; and last the nonce, remembered
 * only for a request that passed everything else (a forged request cannot use up a real one's
 * nonce). Then the JSON body is parsed from the bytes that were signed.
 */
export function signedRequests(deps: Pick<ApiDeps, 'db' | 'vault'>): RequestHandler[] {
  const { db, vault } = deps;
  // the signature covers the bytes as sent: read them raw, whatever the content type says
  const raw = express.raw({ type: () => true, limit: PARTNER_BODY_LIMIT });

  const verify: RequestHandler = async (req, _res, next) => {
    const h = {
      keyId: req.get(SIGNATURE_HEADERS.keyId), timestamp: req.get(SIGNATURE_HEADERS.timestamp),
      nonce: req.get(SIGNATURE_HEADERS.nonce), signature: req.get(SIGNATURE_HEADERS.signature),
    };
    const missing = Object.entries(SIGNATURE_HEADERS).filter(([k]) => !h[k as keyof typeof h]).map(([, name]) => name);
    if (missing.length) {
      throw unauthorized('missing_signature', `sign the request: send ${missing.join(', ')} (see the partner API's signature recipe)`, { headers: missing });
    }
    if (!timestampFresh(h.timestamp!)) {
      throw unauthorized('stale_timestamp', `Kami-Timestamp must be unix seconds within ${SIGNATURE_WINDOW_S} s of Kami's clock (now ${Math.floor(Date.now() / 1000)}); check your server's time`);
    }
    if (!NONCE_SHAPE.test(h.nonce!)) throw unauthorized('invalid_nonce', 'Kami-Nonce must be 16–64 letters, digits, - or _, new for every request (a UUID will do)');
    const credential = await credentialFor(db, vault, h.keyId!);
    if (!credential) throw unauthorized('unknown_key', 'no usable key has this Kami-Key-Id (unknown, revoked, past its rotation period, or its channel is disabled)');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!signatureMatches(credential.secret, { method: req.method, path: req.originalUrl, timestamp: h.timestamp!, nonce: h.nonce!, body }, h.signature!)) {
      throw unauthorized('invalid_signature', 'Kami-Signature does not match this request: sign METHOD, path with query string, timestamp, nonce and the SHA-256 of the exact body bytes sent');
    }
    const settings = channelSettings(credential.channel.settings);
    if (!ipAllowed(settings.ipAllowList, req.ip)) {
      throw new ApiError(403, 'ip_not_allowed', `this channel may not call from ${req.ip ?? 'an unknown address'}; the shop can add it to the channel's IP allow-list`);
    }
    req.partner = { keyId: credential.keyId, channelId: credential.channelId, name: credential.channel.name, kind: credential.channel.kind, settings };
    req.body = body;
    next();
  };

  const limited = rateLimit({
    windowMs: 60_000,
    limit: (req: Request) => req.partner!.settings.rateLimitPerMinute,
    skip: (req: Request) => req.partner!.settings.rateLimitPerMinute === 0,
    keyGenerator: (req: Request) => `channel:${req.partner!.channelId}`,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, _res, next) => next(new ApiError(429, 'rate_limited', `this channel may send ${req.partner!.settings.rateLimitPerMinute} requests a minute; wait and try again`)),
  });

  const nonce: RequestHandler = async (req, _res, next) => {
    if (!(await firstUseOfNonce(db, req.partner!.keyId, req.get(SIGNATURE_HEADERS.nonce)!, SIGNATURE_WINDOW_S))) {
      throw unauthorized('nonce_reused', 'this Kami-Nonce was used before: a replayed request is refused; sign every request with a new nonce');
    }
    next();
  };

  const json: RequestHandler = (req, _res, next) => {
    const bytes = req.body as Buffer;
    if (!bytes.length) {
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) throw new ApiError(415, 'unsupported_media_type', 'send the body as JSON (Content-Type: application/json)');
    try {
      req.body = JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      throw new ApiError(400, 'invalid_json', 'request body is not valid JSON');
    }
    if (holdsNul(req.body)) throw nulRefused();
    next();
  };

  return [raw, verify, limited, nonce, json];
}
