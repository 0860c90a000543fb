import { z } from 'zod';
import ms from 'ms';
import { DEFAULT_PHONE_REGION, isPhoneRegion, type PhoneRegion } from '../domain/identity.js';
import { passwordVerdict } from '../domain/password-strength.js';
import { INT4_MAX } from '../domain/ids.js';
import { isLoopbackHost, NOTICE_KINDS } from '../domain/events.js';
import { SMS_PROVIDERS } from '../domain/sms.js';

/** A Temporal/`ms` duration such as `15m`, `24h`, `500ms`. Kept as text: it goes into workflow input as is. */
const Duration = z.string().transform((v) => v as ms.StringValue).refine((v) => typeof ms(v as ms.StringValue) === 'number' && ms(v as ms.StringValue) > 0, {
  message: 'expected a duration such as 500ms, 30s, 15m, 24h',
});
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);
const Flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
/** An outside service's base URL: https, or plain http to a loopback address (a local fake in tests). */
const ProviderBase = z.url({ protocol: /^https?$/ }).transform((v) => v.replace(/\/+$/, ''))
  .refine((v) => v.startsWith('https:') || isLoopbackHost(new URL(v).hostname), 'use https:// (plain http only to a loopback address)');

const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Base URL buyers and operators reach Kami at; used in payment links and emails. */
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().default('postgresql://postgres@127.0.0.1:5432/kami'),
  /** Set to use an existing Temporal cluster; unset, `npm start` runs a dev server on TEMPORAL_PORT. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  /** Where operators open workflows; defaults to the dev server's Web UI. */
  TEMPORAL_UI_URL: z.url().optional(),
  /**
   * mTLS to a Temporal cluster (PEM file paths): this process's client certificate and key, the CA
   * that signed the server's certificate (unset: the system's CAs), and the name the server's
   * certificate carries when it differs from TEMPORAL_ADDRESS's host.
   */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  KAMI_TASK_QUEUE: z.string().min(1).default('kami-orders'),
  KAMI_DATA_DIR: z.string().default('.kami'),
  /** A prebuilt workflow bundle (`npm run bundle:workflows`); unset, production uses dist/ and development bundles at start. */
  KAMI_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** 32 bytes as 64 hex characters. Unset outside production: generated into KAMI_DATA_DIR/master.key. */
  KAMI_MASTER_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (32 bytes)').optional(),
  /** Seed the [DEMO] catalogue into an empty database (`npm start`); on by default except in production. */
  KAMI_DEMO: Flag.optional(),
  /** Lets production run with the sandbox provider or demo data (a staging shop); it then warns loudly at every start. */
  KAMI_ALLOW_UNSAFE_PRODUCTION: Flag.default(false),
  /** The built-in sandbox payment provider; on by default except in production. */
  KAMI_SANDBOX_PAYMENTS: Flag.optional(),
  KAMI_PAYMENT_HOLD: Duration.default('15m'),
  /** The hold when little stock is left (fewer than KAMI_SCARCE_STOCK keys after it): unpaid carts block a sellout for less. */
  KAMI_PAYMENT_HOLD_SCARCE: Duration.default('5m'),
  KAMI_SCARCE_STOCK: z.coerce.number().int().min(0).max(1_000_000).default(10),
  /** Unpaid orders one client address may hold at once, and one buyer (email) at that address (0 = no cap). */
  KAMI_MAX_UNPAID_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(10),
  KAMI_MAX_UNPAID_PER_BUYER: z.coerce.number().int().min(0).max(1_000_000).default(3),
  /** Most of a product's available stock one order may hold, in percent (100 = no cap); orders of up to KAMI_HOLD_SHARE_FLOOR keys are never capped. */
  KAMI_MAX_HOLD_SHARE: z.coerce.number().int().min(1).max(100).default(50),
  KAMI_HOLD_SHARE_FLOOR: z.coerce.number().int().min(1).max(1_000_000).default(5),
  /** While an order awaits payment on a gateway that can be asked, its run asks at these intervals (and once more as the hold ends). */
  KAMI_PAYMENT_QUERY_SCHEDULE: z.string().default('30s,1m,2m,5m')
    .transform((v) => v.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(Duration).min(1).max(50)),
  /** How often the reconciliation schedule asks gateways about attempts of the last 72 h that Kami has no payment for. */
  KAMI_PAYMENT_SWEEP_EVERY: Duration.default('10m'),
  KAMI_EMAIL_GIVE_UP_AFTER: Duration.default('24h'),
  KAMI_EMAIL_RETRY_MAX_INTERVAL: Duration.default('10m'),
  /** How long an order keeps retrying the merchant's fulfilment endpoint before it waits for an operator. */
  KAMI_FULFILMENT_GIVE_UP_AFTER: Duration.default('30m'),
  KAMI_CHECKOUT_RATE_LIMIT: z.coerce.number().int().min(0).default(60),
  /**
   * Which proxies in front of Kami to believe about the client's address (X-Forwarded-For): off
   * (default: the connection's address counts), a hop count, or a comma list of addresses/CIDRs
   * (`loopback`, `uniquelocal` allowed). Set it to your reverse proxy, never wider: a trusted
   * header lets a client pick the address rate limits and caps count.
   */
  KAMI_TRUST_PROXY: z.string().trim().max(1000).default('off')
    .transform((v): boolean | number | string => (v === '' || v === 'off' || v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  KAMI_MAX_QUANTITY: z.coerce.number().int().min(1).default(100),
  /** How long a partner's `wait=true` call holds for the keys before answering 202 with the order to poll. */
  KAMI_PARTNER_WAIT: Duration.default('10s').refine((v) => ms(v) <= 30_000, { message: 'at most 30s' }),
  /** Region a buyer's phone number without a country code is read in (ISO 3166-1 code, e.g. CN, US, GB). */
  KAMI_DEFAULT_PHONE_REGION: z.string().trim().toUpperCase()
    .refine(isPhoneRegion, 'expected a region code such as CN, US or GB')
    .transform((v) => v as PhoneRegion).default(DEFAULT_PHONE_REGION),
  /** Where review reminders go; defaults to the first owner's email. */
  KAMI_MERCHANT_EMAIL: z.email().optional(),
  /** The first owner of the operator panel; unset, one is generated at first start (never in production). */
  KAMI_ADMIN_EMAIL: z.email().optional(),
  /** Refused when too easy to guess (domain/password-strength.ts), like a password set in the panel. */
  KAMI_ADMIN_PASSWORD: z.string().min(10, 'use at least 10 characters').optional(),
  /** Idle time after which an operator panel session ends; each request pushes it forward. */
  KAMI_SESSION_TTL: Duration.default('12h'),
  /** Failed sign-ins allowed per address and email in 15 minutes (0 turns the limit off). */
  KAMI_LOGIN_RATE_LIMIT: z.coerce.number().int().min(0).default(10),
  /** Failed order lookups (storefront and API) allowed per client address in 15 minutes (0 turns the limit off). */
  KAMI_LOOKUP_RATE_LIMIT: z.coerce.number().int().min(0).default(10),
  /** Failed order lookups allowed per buyer email in 15 minutes, from any address (0 turns the limit off). */
  KAMI_LOOKUP_EMAIL_RATE_LIMIT: z.coerce.number().int().min(0).default(5),
  /** A buyer's "send my keys again" per order per hour (0 turns the limit off). */
  KAMI_RESEND_RATE_LIMIT: z.coerce.number().int().min(0).default(3),
  /** Unknown coupon codes (checkout, partner API, quote) allowed per client address in 15 minutes (0 turns the limit off). */
  KAMI_COUPON_GUESS_LIMIT: z.coerce.number().int().min(0).default(20),
  /** How long after a buyer first rates an order the rating and comment may still be changed. */
  KAMI_FEEDBACK_EDIT_WINDOW: Duration.default('7d'),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Kami <no-reply@kami.localhost>'),
  KAMI_MAIL_CATCHER_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  KAMI_MAIL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8025),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Bearer token that lets a non-local scraper read the API's GET /metrics (loopback needs none); empty = unset. */
  KAMI_METRICS_TOKEN: z.preprocess(unsetIfEmpty, z.string().min(16, 'use at least 16 characters').optional()),
  /** The worker's own GET /metrics (Kami's and the Temporal SDK's metrics); unset = not served. */
  KAMI_WORKER_METRICS_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).optional()),
  KAMI_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** How long one webhook POST may take before it counts as failed (and is retried). */
  KAMI_WEBHOOK_TIMEOUT: Duration.default('10s'),
  /** First pause between tries of a webhook or merchant notice; it doubles up to the maximum. */
  KAMI_WEBHOOK_RETRY_INITIAL: Duration.default('10s'),
  KAMI_WEBHOOK_RETRY_MAX_INTERVAL: Duration.default('1h'),
  /** After this long a delivery is given up and shows as failed in the panel. */
  KAMI_WEBHOOK_GIVE_UP_AFTER: Duration.default('24h'),
  /** How often the relay compares stock with each product's low-stock threshold (only while someone listens for stock.low). */
  KAMI_STOCK_CHECK_EVERY: Duration.default('1m'),
  /** Merchant notices also emailed to KAMI_MERCHANT_EMAIL (Telegram gets them all): comma list of review_waiting, review_overdue, payment_anomaly, delivery_failing, stock_low. */
  KAMI_MERCHANT_EMAIL_NOTICES: z.string().default('review_overdue')
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(z.enum(NOTICE_KINDS))),
  /** The Telegram bot's token from @BotFather; unset = no Telegram. Never logged or shown. */
  KAMI_TELEGRAM_BOT_TOKEN: z.preprocess(unsetIfEmpty, z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'expected a bot token such as 123456:ABC-DEF… from @BotFather').optional()),
  /** The Bot API's base URL; plain http only to a loopback address (a local fake in tests). */
  KAMI_TELEGRAM_API_BASE: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org')
    .refine((v) => v.startsWith('https:') || isLoopbackHost(new URL(v).hostname), 'use https:// (plain http only to a loopback address)'),
  /** Who sends buyers' SMS for products that deliver by SMS; unset = none (such products cannot be set up). */
  KAMI_SMS_PROVIDER: z.preprocess(unsetIfEmpty, z.enum(SMS_PROVIDERS).optional()),
  /** Alibaba Cloud SMS (dysmsapi): a RAM user's AccessKey allowed SendSms, and the approved signature (签名). The secret is never logged or shown. */
  KAMI_SMS_ALIYUN_ACCESS_KEY_ID: z.preprocess(unsetIfEmpty, z.string().trim().regex(/^[A-Za-z0-9]{8,64}$/, 'an AccessKey ID such as LTAI5t…').optional()),
  KAMI_SMS_ALIYUN_ACCESS_KEY_SECRET: z.preprocess(unsetIfEmpty, z.string().trim().min(16, 'an AccessKey secret has at least 16 characters').max(128).optional()),
  KAMI_SMS_ALIYUN_SIGN_NAME: z.preprocess(unsetIfEmpty, z.string().trim().min(1).max(64).optional()),
  KAMI_SMS_ALIYUN_ENDPOINT: ProviderBase.default('https://dysmsapi.aliyuncs.com'),
  /** Twilio: the account's SID and auth token (HTTP basic auth; the token is never logged or shown), and who sends: a number or sender ID, or a Messaging Service. */
  KAMI_SMS_TWILIO_ACCOUNT_SID: z.preprocess(unsetIfEmpty, z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID: AC and 32 hex characters').optional()),
  KAMI_SMS_TWILIO_AUTH_TOKEN: z.preprocess(unsetIfEmpty, z.string().trim().regex(/^[0-9A-Za-z]{16,128}$/, 'the account\'s auth token (32 characters in the Twilio console)').optional()),
  KAMI_SMS_TWILIO_FROM: z.preprocess(unsetIfEmpty, z.string().trim()
    .regex(/^(\+[1-9]\d{6,14}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/, 'a number in E.164 (+15005550006) or an alphanumeric sender ID (1–11 letters, digits, spaces)').optional()),
  KAMI_SMS_TWILIO_MESSAGING_SERVICE_SID: z.preprocess(unsetIfEmpty, z.string().trim().regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID: MG and 32 hex characters').optional()),
  KAMI_SMS_TWILIO_API_BASE: ProviderBase.default('https://api.twilio.com'),
}).superRefine((e, ctx) => {
  for (const [name, message] of smsConfigProblems(e)) ctx.addIssue({ code: 'custom', path: [name], message });
  // the first owner's password is checked like one set in the panel, against the owner's own email
  if (!e.KAMI_ADMIN_PASSWORD) return;
  const verdict = passwordVerdict(e.KAMI_ADMIN_PASSWORD, [e.KAMI_ADMIN_EMAIL]);
  if (verdict.problem) ctx.addIssue({ code: 'custom', path: ['KAMI_ADMIN_PASSWORD'], message: verdict.problem });
});

export type Config = ReturnType<typeof loadConfig>;

/** `KAMI_PAY_<PROVIDER>_<FIELD>` variables, grouped per provider with camelCase field names: `KAMI_PAY_EPAY_PID` → epay.pid. */
function gatewayEnv(env: Record<string, string | undefined>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [key, value] of Object.entries(env)) {
    const m = /^KAMI_PAY_([A-Z0-9]+)_([A-Z0-9_]+)$/.exec(key);
    if (!m || value === undefined || value === '') continue;
    const field = m[2]!.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    (out[m[1]!.toLowerCase()] ??= {})[field] = value;
  }
  return out;
}

/** Reads the environment once; every other module receives the result. Bad values stop the process. */
/** The mTLS settings as file paths, or undefined (plain TCP, as to the embedded dev server). */
function temporalTls(e: z.infer<typeof Env>): TemporalTls | undefined {
  if (!e.TEMPORAL_TLS_CERT && !e.TEMPORAL_TLS_KEY && !e.TEMPORAL_TLS_CA && !e.TEMPORAL_TLS_SERVER_NAME) return undefined;
  if (!e.TEMPORAL_TLS_CERT !== !e.TEMPORAL_TLS_KEY) {
    throw new Error('Invalid configuration:\n✖ TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the client certificate and its key)');
  }
  if (!e.TEMPORAL_ADDRESS) throw new Error('Invalid configuration:\n✖ TEMPORAL_TLS_* need TEMPORAL_ADDRESS (the embedded dev server speaks plain TCP on loopback)');
  return { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY, caPath: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME };
}

/** Paths to PEM files for mTLS to Temporal (read by infra/temporal.ts when connecting). */
export interface TemporalTls { certPath?: string; keyPath?: string; caPath?: string; serverName?: string }

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const sandboxPayments = e.KAMI_SANDBOX_PAYMENTS ?? !production;
  const demo = e.KAMI_DEMO ?? !production;
  // a sandbox "payment" costs nothing: a shop taking real orders must not accept one by accident
  const unsafe = [sandboxPayments && 'KAMI_SANDBOX_PAYMENTS', demo && 'KAMI_DEMO'].filter(Boolean);
  if (production && unsafe.length && !e.KAMI_ALLOW_UNSAFE_PRODUCTION) {
    throw new Error(`Invalid configuration:\n✖ ${unsafe.join(' and ')} must be off in production (anyone could pay with the sandbox, or buy demo keys); set KAMI_ALLOW_UNSAFE_PRODUCTION=1 only for a staging shop`);
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    ...e,
    production,
    publicUrl,
    temporalAddress: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
    temporalTls: temporalTls(e),
    temporalUiUrl: (e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
    sandboxPayments,
    /** Gateways configured at start; a provider configured here is read-only in the panel. */
    gatewayEnv: gatewayEnv(env),
    demo,
    /** What production runs with against advice (KAMI_ALLOW_UNSAFE_PRODUCTION); each process warns about it at start. */
    unsafeProduction: production ? unsafe as string[] : [],
    smtpUrl: e.SMTP_URL ?? `smtp://127.0.0.1:${e.KAMI_MAIL_CATCHER_PORT}`,
    holds: {
      holdMs: durationMs(e.KAMI_PAYMENT_HOLD),
      scarceHoldMs: durationMs(e.KAMI_PAYMENT_HOLD_SCARCE),
      scarceStock: e.KAMI_SCARCE_STOCK,
      maxUnpaidPerAddress: e.KAMI_MAX_UNPAID_PER_ADDRESS || INT4_MAX,
      maxUnpaidPerBuyer: e.KAMI_MAX_UNPAID_PER_BUYER || INT4_MAX,
      maxHoldSharePercent: e.KAMI_MAX_HOLD_SHARE,
      holdShareFloor: e.KAMI_HOLD_SHARE_FLOOR,
    },
    orderTimeouts: {
      paymentHold: e.KAMI_PAYMENT_HOLD,
      emailGiveUpAfter: e.KAMI_EMAIL_GIVE_UP_AFTER,
      emailRetryMaxInterval: e.KAMI_EMAIL_RETRY_MAX_INTERVAL,
      queryEvery: e.KAMI_PAYMENT_QUERY_SCHEDULE,
      fulfilmentGiveUpAfter: e.KAMI_FULFILMENT_GIVE_UP_AFTER,
    },
    /** Retries of webhooks and merchant notices (workflows/outbound.ts). */
    outbound: {
      timeoutMs: durationMs(e.KAMI_WEBHOOK_TIMEOUT),
      initialInterval: e.KAMI_WEBHOOK_RETRY_INITIAL,
      maximumInterval: e.KAMI_WEBHOOK_RETRY_MAX_INTERVAL,
      giveUpAfter: e.KAMI_WEBHOOK_GIVE_UP_AFTER,
    },
    /** Webhook deliveries and notices run on their own task queue: a slow endpoint never takes an order's worker slot. */
    eventsTaskQueue: `${e.KAMI_TASK_QUEUE}-events`,
    /** The buyers' SMS provider, or undefined when none is configured (infra/sms/). */
    sms: smsConfig(e),
  };
}

/** An SMS provider's settings, complete (smsConfigProblems checked them). */
export type SmsConfig =
  | { provider: 'aliyun'; accessKeyId: string; accessKeySecret: string; signName: string; endpoint: string }
  | { provider: 'twilio'; accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; apiBase: string };

type EnvVars = z.infer<typeof Env>;
type SmsEnv = Pick<EnvVars, Extract<keyof EnvVars, `KAMI_SMS_${string}`>>;

/** What the chosen SMS provider lacks, as [variable, problem]; nothing is said about a provider not chosen. */
function smsConfigProblems(e: Partial<SmsEnv>): [string, string][] {
  const missing = (names: (keyof SmsEnv)[]) => names.filter((n) => !e[n]).map((n): [string, string] => [n, `required with KAMI_SMS_PROVIDER=${e.KAMI_SMS_PROVIDER}`]);
  if (e.KAMI_SMS_PROVIDER === 'aliyun') return missing(['KAMI_SMS_ALIYUN_ACCESS_KEY_ID', 'KAMI_SMS_ALIYUN_ACCESS_KEY_SECRET', 'KAMI_SMS_ALIYUN_SIGN_NAME']);
  if (e.KAMI_SMS_PROVIDER !== 'twilio') return [];
  const problems = missing(['KAMI_SMS_TWILIO_ACCOUNT_SID', 'KAMI_SMS_TWILIO_AUTH_TOKEN']);
  if (!e.KAMI_SMS_TWILIO_FROM === !e.KAMI_SMS_TWILIO_MESSAGING_SERVICE_SID) {
    problems.push(['KAMI_SMS_TWILIO_FROM', 'set either KAMI_SMS_TWILIO_FROM (a number or sender ID) or KAMI_SMS_TWILIO_MESSAGING_SERVICE_SID, not both']);
  }
  return problems;
}

function smsConfig(e: SmsEnv): SmsConfig | undefined {
  if (e.KAMI_SMS_PROVIDER === 'aliyun') {
    return { provider: 'aliyun', accessKeyId: e.KAMI_SMS_ALIYUN_ACCESS_KEY_ID!, accessKeySecret: e.KAMI_SMS_ALIYUN_ACCESS_KEY_SECRET!, signName: e.KAMI_SMS_ALIYUN_SIGN_NAME!, endpoint: e.KAMI_SMS_ALIYUN_ENDPOINT };
  }
  if (e.KAMI_SMS_PROVIDER === 'twilio') {
    return {
      provider: 'twilio', accountSid: e.KAMI_SMS_TWILIO_ACCOUNT_SID!, authToken: e.KAMI_SMS_TWILIO_AUTH_TOKEN!, apiBase: e.KAMI_SMS_TWILIO_API_BASE,
      ...(e.KAMI_SMS_TWILIO_FROM ? { from: e.KAMI_SMS_TWILIO_FROM } : { messagingServiceSid: e.KAMI_SMS_TWILIO_MESSAGING_SERVICE_SID! }),
    };
  }
  return undefined;
}

export function durationMs(d: string): number {
  return ms(d as ms.StringValue);
}

/** The loud warning a production process gives at every start when it runs with the sandbox or demo data. */
export function warnIfUnsafe(config: Config, log: { warn(obj: object, msg: string): void }) {
  if (config.unsafeProduction.length) {
    log.warn({ unsafe: config.unsafeProduction }, `⚠ PRODUCTION WITH ${config.unsafeProduction.join(' AND ')} ON (KAMI_ALLOW_UNSAFE_PRODUCTION): sandbox payments cost nothing and demo keys are public; never take real orders like this`);
  }
}
