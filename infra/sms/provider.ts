import type { SmsMessage, SmsProviderName } from '../../domain/sms.js';

/** One SMS to send: the buyer's number in E.164 and the message (a text, or an approved template and its variables). */
export interface SmsSend {
  to: string;
  message: SmsMessage;
  /** Kami's name for this send (`<orderId>.<channel>`), passed where the provider keeps one (Aliyun's OutId). Not a secret. */
  reference: string;
}

/** The seam every SMS provider implements: send one message, answer the provider's id for it, or throw SmsSendError. */
export interface SmsProvider {
  readonly name: SmsProviderName;
  send(sms: SmsSend): Promise<{ messageId: string }>;
}

/**
 * Why a send did not go through, as the delivery decides on it:
 * - `retryable`: the provider answered that it did not send it (a rate limit, an outage, an account or
 *   configuration problem a person can fix while the retries go on), or could not be reached at all;
 * - `permanent`: the provider refused this message for good (the number is invalid or unreachable, it
 *   will not carry the content);
 * - `unknown`: the request went out and no answer came back: it may have been sent, so it is never
 *   sent again by itself (at most once; a person may resend it).
 * The message carries the provider's code and words, never the SMS's text or a credential.
 */
export class SmsSendError extends Error {
  constructor(readonly kind: 'retryable' | 'permanent' | 'unknown', readonly code: string, message: string) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** The longest one call to a provider may take; the delivery's lease outlasts it (activities/delivery-sms.ts). */
export const SMS_CALL_MAX_MS = 15_000;

/** Network errors that mean the request never reached the provider: safe to try again. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * POSTs a form to a provider and reads its JSON answer. A failure before the request could leave
 * (no connection) is retryable; one after it may have left (a dropped connection, no answer in
 * time) is unknown. The caller classifies the provider's own answers.
 */
export async function postForm(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> | null }> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(SMS_CALL_MAX_MS) });
    text = await res.text();
  } catch (err) {
    const code = String((err as { cause?: { code?: unknown } }).cause?.code ?? (err as { name?: string }).name ?? 'network');
    if (NOT_SENT.has(code)) throw new SmsSendError('retryable', code, `could not reach the provider (${code})`);
    throw new SmsSendError('unknown', code, `no answer from the provider (${code}): the message may or may not have been sent`);
  }
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's error page): the status decides
  }
  return { status: res.status, json };
}

/** An answer that is neither the provider's success nor one of its errors. */
export function unexpectedAnswer(status: number): SmsSendError {
  // a 5xx is the provider (or its proxy) saying it failed; a 2xx without its usual body may have been sent
  if (status >= 500) return new SmsSendError('retryable', `http_${status}`, `the provider answered HTTP ${status}`);
  if (status >= 200 && status < 300) return new SmsSendError('unknown', `http_${status}`, `the provider answered HTTP ${status} without a message id: it may have been sent`);
  return new SmsSendError('retryable', `http_${status}`, `the provider answered HTTP ${status}`);
}
