import Stripe from 'stripe';
import { z } from 'zod';
import { exponentOf } from '../../domain/money.js';
import {
  defineGateway, NotificationRefused, type NotificationFacts, type QueryAnswer, type RawNotification, type StoredAttempt,
} from './gateway.js';
import { isLoopback } from './gateway-url.js';

/**
 * Stripe Checkout through the official `stripe` package. A payment attempt is a Checkout Session
 * (`cs_…`, kept as the attempt's gatewayRef) that names Kami's gateway order number twice, in
 * `client_reference_id` and `metadata.kami_order_no`. Its webhook events are verified with
 * `stripe.webhooks.constructEvent` (HMAC-SHA256 of `<t>.<raw body>` under the endpoint's `whsec_…`
 * secret, timestamps older than 300 s refused). The transaction id is the session's PaymentIntent
 * (`pi_…`): the money's own id at Stripe, the one refunds and disputes name, one per paid session.
 */

/** Stripe's exponents (docs.stripe.com/currencies): every currency has two decimals except these. */
const STRIPE_ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** Three decimals, and Stripe charges them only in multiples of ten minor units. */
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
// ISK, HUF and TWD stay two-decimal in Stripe's API (ISK in multiples of 100) while Kami counts them
// in whole units: the exponents disagree, so Kami does not take them through Stripe (see below).
const stripeExponent = (c: string) => (STRIPE_ZERO_DECIMAL.has(c) ? 0 : STRIPE_THREE_DECIMAL.has(c) ? 3 : 2);

/**
 * Why Stripe cannot be asked for `amountMinor` of `currency` in Kami's own minor units, or null.
 * Kami passes its amounts to Stripe unchanged (`unit_amount`, `amount_total` and refund amounts are
 * the same integers), which is exact only where domain/money.ts and Stripe agree on the exponent:
 * USD/EUR/CNY… (2), JPY/KRW/VND/CLP/UGX (0), BHD/JOD/KWD/OMR/TND (3). Where they disagree (ISK, HUF,
 * TWD: Kami 0, Stripe 2; BIF, DJF, GNF, KMF, MGA, PYG, RWF, VUV, XAF, XOF, XPF: Kami 2, Stripe 0)
 * the attempt is refused rather than converted, so no amount is ever off by a factor of 100.
 */
export function stripeCurrencyProblem(currency: string, amountMinor: number): string | null {
  const c = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) return `Stripe takes ISO 4217 currencies only, not ${c}`;
  if (exponentOf(c) !== stripeExponent(c)) {
    return `Stripe counts ${c} with ${stripeExponent(c)} decimals where Kami counts ${exponentOf(c)}: ${c} cannot be paid through Stripe here`;
  }
  if (STRIPE_THREE_DECIMAL.has(c) && amountMinor % 10 !== 0) return `Stripe charges ${c} only in whole hundredths (the last of its three decimals must be 0)`;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) return 'Stripe cannot charge an amount of zero or less';
  return null;
}

/** Stripe's bounds on a Checkout Session's `expires_at`: 30 minutes to 24 hours after creation (a minute's margin each side for clocks). */
const SESSION_MIN_MS = 31 * 60_000;
const SESSION_MAX_MS = 24 * 3_600_000 - 60_000;

const Settings = z.object({
  /** `sk_live_…`/`sk_test_…`, or a restricted key `rk_…` allowed Checkout Sessions (write) and Refunds (write). */
  secretKey: z.string().regex(/^(sk|rk)_(live|test)_[0-9A-Za-z]+$/, 'must be a Stripe secret key (sk_live_…, sk_test_… or a restricted rk_…)'),
  /** The webhook endpoint's signing secret, `whsec_…` (Dashboard → Developers → Webhooks → the endpoint). */
  webhookSecret: z.string().regex(/^whsec_[0-9A-Za-z+/=_-]+$/, 'must be the endpoint\'s signing secret (whsec_…)'),
  /** Stripe's API; plain http only to a loopback address (a local fake in tests). */
  apiBase: z.url().default('https://api.stripe.com').refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
  }, 'must be an https URL (http only for a loopback address)'),
  /** How long one call to Stripe may take before it counts as failed (the SDK then retries it once). */
  timeoutMs: z.coerce.number().int().min(200).max(80_000).default(10_000),
});
type StripeSettings = z.infer<typeof Settings>;

const HANDLED = new Set([
  'checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed', 'checkout.session.expired',
]);
/** The events that can report money received (`completed` only when its payment_status is `paid`: async methods complete unpaid first). */
const PAYING = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : v?.id);

export const stripeGateway = defineGateway<StripeSettings>({
  name: 'stripe',
  displayName: 'Stripe',
  settings: Settings,
  secretFields: ['secretKey', 'webhookSecret'],
  canQuery: true,
  canRefund: true,
  create(s, ctx) {
    const base = new URL(s.apiBase);
    const secure = base.protocol === 'https:';
    const stripe = new Stripe(s.secretKey, {
      host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port || (secure ? 443 : 80),
      protocol: secure ? 'https' : 'http',
      timeout: s.timeoutMs,
      // one retry inside a call (the SDK reuses its idempotency key); Kami's activities retry on top
      maxNetworkRetries: 1,
      telemetry: false,
      appInfo: { name: 'Kami' },
    });
    const live = s.secretKey.includes('_live_');

    /** What a Stripe error may say outside this module: its status, type and message, never a key (Stripe masks them; this removes what is left). */
    const describe = (err: unknown): string => {
      const scrub = (t: string) => t.split(s.secretKey).join('[redacted]').split(s.webhookSecret).join('[redacted]')
        .replace(/\b(sk|rk|pk|whsec)_[0-9A-Za-z_*]+/g, '[redacted]').slice(0, 300);
      if (err instanceof Stripe.errors.StripeError) {
        const what = [err.rawType ?? err.type, err.code].filter(Boolean).join('/');
        return scrub(`Stripe answered ${err.statusCode ?? 'nothing'}${what ? ` (${what})` : ''}: ${err.message}`);
      }
      return scrub(err instanceof Error ? err.message : String(err));
    };

    /** The attempt a session belongs to: both of Kami's references agree, or it names none (a session Kami did not open, or one altered). */
    const orderNoOf = (session: Stripe.Checkout.Session): string | undefined => {
      const ref = session.client_reference_id;
      return ref && session.metadata?.kami_order_no === ref ? ref : undefined;
    };

    /** The answer to a query, from a session read over TLS with the secret key. */
    const answerOf = (session: Stripe.Checkout.Session, a: StoredAttempt): QueryAnswer => {
      const { client_secret: _hidden, ...visible } = session; // embedded-mode secret: never kept
      const raw = JSON.stringify(visible);
      // the session read by the id Kami stored must still name this attempt, in Kami's mode: otherwise a person looks
      const ours = session.id === a.gatewayRef && orderNoOf(session) === a.gatewayOrderNo && session.livemode === live;
      const proof = ours ? 'tls' : 'hint';
      if (session.status === 'complete' && session.payment_status === 'paid') {
        const account = idOf(session.customer);
        return {
          state: 'paid', txnId: idOf(session.payment_intent) ?? session.id, amountMinor: session.amount_total ?? 0,
          currency: (session.currency ?? '').toUpperCase(), ...(account ? { account } : {}), proof, raw,
        };
      }
      return { state: session.status === 'expired' ? 'closed' : 'pending', proof, raw };
    };

    return {
      name: 'stripe',
      currencies: [], // any ISO currency whose exponent Kami and Stripe agree on (stripeCurrencyProblem)
      async createAttempt(a) {
        const currency = a.currency.toUpperCase();
        const problem = stripeCurrencyProblem(currency, a.amountMinor);
        if (problem) throw new Error(problem);
        // Stripe keeps a session open 30 min at least; Kami's hold may be shorter. The session may
        // outlive the hold: the order's last query as the hold ends expires it (see query), and a
        // payment that still gets through (that query failed, an async method confirmed late)
        // reaches the order as a late payment, which a person reviews.
        const now = Date.now();
        const expiresAt = Math.ceil(Math.min(Math.max(a.expiresAt.getTime(), now + SESSION_MIN_MS), now + SESSION_MAX_MS) / 1000);
        const refs = { kami_order_no: a.gatewayOrderNo, kami_order_id: a.orderId };
        let session: Stripe.Checkout.Session;
        try {
          session = await stripe.checkout.sessions.create({
            mode: 'payment',
            client_reference_id: a.gatewayOrderNo,
            metadata: { ...refs, kami_hold_ends: String(Math.floor(a.expiresAt.getTime() / 1000)) },
            payment_intent_data: { metadata: refs },
            line_items: [{ quantity: 1, price_data: { currency: currency.toLowerCase(), unit_amount: a.amountMinor, product_data: { name: a.subject } } }],
            success_url: a.returnUrl,
            cancel_url: a.returnUrl,
            expires_at: expiresAt,
          });
        } catch (err) {
          throw new Error(describe(err));
        }
        if (!session.url) throw new Error(`Stripe opened session ${session.id} without a payment page`);
        if (session.amount_total !== a.amountMinor || session.currency?.toUpperCase() !== currency) {
          // the account adds something (tax, a fee) Kami did not ask for: the buyer would pay another amount
          await stripe.checkout.sessions.expire(session.id).catch(() => undefined);
          throw new Error(`Stripe priced session ${session.id} at ${session.amount_total} ${session.currency} instead of ${a.amountMinor} ${currency.toLowerCase()}`);
        }
        return { gatewayRef: session.id, payUrl: session.url, gatewayAmountMinor: a.amountMinor, gatewayCurrency: currency };
      },

      verifyNotification(n: RawNotification): NotificationFacts {
        if (n.method !== 'POST') throw new NotificationRefused('malformed', 'Stripe sends its events by POST');
        const header = n.headers['stripe-signature'];
        if (!header) throw new NotificationRefused('invalid_signature', 'no Stripe-Signature header');
        let event: Stripe.Event;
        try {
          // the raw bytes as received, and the SDK's default tolerance of 300 s (constructEvent, not signature.verifyHeader)
          event = stripe.webhooks.constructEvent(n.body, header, s.webhookSecret);
        } catch (err) {
          if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
            if (/tolerance/i.test(err.message)) throw new NotificationRefused('stale_signature', 'the event was signed more than 300 s ago');
            throw new NotificationRefused('invalid_signature', 'the Stripe-Signature does not match the event');
          }
          throw new NotificationRefused('malformed', 'the signed body is not a JSON event');
        }
        if (event.livemode !== live) {
          // a test-mode payment is no money: never in a live shop (nor a live one in a test shop)
          throw new NotificationRefused('wrong_merchant', `a ${event.livemode ? 'live' : 'test'}-mode event reached a ${live ? 'live' : 'test'}-mode shop`);
        }
        const object = (event.data as { object?: { object?: string } } | undefined)?.object;
        if (!HANDLED.has(event.type) || object?.object !== 'checkout.session') {
          // an event this endpoint was subscribed to but Kami does not act on: acknowledged, kept
          return { gatewayOrderNo: '', txnId: event.id, paid: false, amountMinor: 0, currency: '' };
        }
        const session = object as Stripe.Checkout.Session;
        const orderNo = orderNoOf(session);
        const paid = PAYING.has(event.type) && session.payment_status === 'paid';
        if (!orderNo && paid) {
          // another integration on the same account, or references that disagree: a person looks (the route keeps it)
          ctx.log.warn({ provider: 'stripe', eventId: event.id, sessionId: session.id }, 'a paid Stripe session names no Kami attempt consistently (client_reference_id and metadata.kami_order_no); it credits nothing');
        }
        const account = idOf(session.customer);
        return {
          // '' names no attempt: a payment reported for it is kept as unknown_reference and acknowledged
          gatewayOrderNo: orderNo ?? '',
          txnId: idOf(session.payment_intent) ?? session.id,
          paid,
          amountMinor: session.amount_total ?? 0,
          currency: (session.currency ?? '').toUpperCase(),
          ...(account ? { account } : {}),
          // a session Kami did not open credits nothing, whatever references it was given
          gatewayRef: session.id,
        };
      },

      answer(outcome) {
        if (outcome.received) return { status: 200, body: { received: true, duplicate: outcome.duplicate } };
        return { status: 400, body: { error: { code: outcome.code, message: outcome.message } } };
      },

      async query(a) {
        if (!a.gatewayRef) return { state: 'not_found', proof: 'tls', raw: JSON.stringify({ error: 'no Checkout Session was opened for this attempt' }) };
        const retrieve = async () => {
          try {
            return await stripe.checkout.sessions.retrieve(a.gatewayRef!);
          } catch (err) {
            if (err instanceof Stripe.errors.StripeError && err.statusCode === 404) return null;
            throw new Error(describe(err));
          }
        };
        let session = await retrieve();
        if (!session) return { state: 'not_found', proof: 'tls', raw: JSON.stringify({ error: `Stripe has no session ${a.gatewayRef}` }) };
        const holdEnds = Number(session.metadata?.kami_hold_ends) * 1000;
        if (session.status === 'open' && orderNoOf(session) === a.gatewayOrderNo && holdEnds <= Date.now()) {
          // Kami's hold is over (the order's last question, or the sweep): close the page so the buyer
          // cannot pay an order that has released its stock. A session completed meanwhile refuses to
          // expire: read it again and report what it says.
          try {
            session = await stripe.checkout.sessions.expire(session.id);
          } catch {
            session = await retrieve();
            if (!session) return { state: 'not_found', proof: 'tls', raw: JSON.stringify({ error: `Stripe has no session ${a.gatewayRef}` }) };
          }
        }
        return answerOf(session, a);
      },

      async refund(r) {
        const paymentIntent = r.txnId.startsWith('pi_') ? r.txnId : undefined;
        if (!paymentIntent) throw new Error(`payment ${r.txnId} has no PaymentIntent to refund`);
        if (!Number.isSafeInteger(r.amountMinor) || r.amountMinor <= 0) throw new Error(`nothing to refund (${r.amountMinor})`);
        let refund: Stripe.Refund;
        try {
          refund = await stripe.refunds.create(
            { payment_intent: paymentIntent, amount: r.amountMinor, metadata: { kami_refund_id: String(r.refundId), kami_order_no: r.gatewayOrderNo, kami_reason: r.reason.slice(0, 500) } },
            // the same refund row always asks with the same key: a retried call never refunds twice
            { idempotencyKey: `kami-refund-${r.refundId}` },
          );
        } catch (err) {
          throw new Error(describe(err));
        }
        if (refund.status === 'succeeded') return { state: 'succeeded', gatewayRefundId: refund.id };
        if (refund.status === 'pending' || refund.status === 'requires_action') return { state: 'pending', gatewayRefundId: refund.id };
        throw new Error(`Stripe refund ${refund.id} is ${refund.status}`);
      },
    };
  },
});
