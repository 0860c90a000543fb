import type { NoticeKind } from '../../domain/events.js';
import { DECIDABLE_NOTICES } from '../../domain/events.js';
import { escapeHtml } from '../../domain/html.js';

/** What a merchant notice says, as the relay stored it (outbound_event.data). Never a key. */
export interface NoticeData {
  orderId?: string;
  productName?: string;
  sku?: string;
  quantity?: number;
  /** Formatted in the currency's own decimals, with the currency. */
  amount?: string;
  buyer?: string;
  reasons?: { code: string; message: string }[];
  /** The review a decision from this notice answers (a later review makes its buttons stale). */
  reviewSeq?: number;
  error?: string;
  gaveUp?: boolean;
  /** A failing SMS to the buyer (not the email), and how it ended when it did: refused for good, given up, or perhaps sent. */
  sms?: { outcome?: 'permanent' | 'gave_up' | 'unknown' };
  payment?: { txnId?: string; amount?: string };
  available?: number;
  threshold?: number;
}

const TITLES: Record<NoticeKind, string> = {
  review_waiting: '🔎 Review waiting',
  review_overdue: '⏰ Still waiting for your decision',
  payment_anomaly: '⚠️ Payment anomaly',
  delivery_failing: '📮 Delivery email failing',
  stock_low: '📦 Stock low',
};

/** `alice@example.com` → `al…@example.com`: enough to recognise a buyer, not to copy the address out of a chat. */
export const maskEmail = (email: string) => {
  const at = email.lastIndexOf('@');
  return at < 1 ? '…' : `${email.slice(0, Math.min(2, at))}…${email.slice(at)}`;
};

/** Callback data of a decision button: `kd:<a|r>:<orderId>:<reviewSeq>` (Telegram allows 64 bytes). */
export const decisionCallback = (action: 'approve' | 'reject', orderId: string, seq: number) => `kd:${action[0]}:${orderId}:${seq}`;
export const DECISION_CALLBACK = /^kd:([ar]):([A-Za-z0-9_-]{1,40}):(\d{1,9})$/;

export const inboxLink = (publicUrl: string, orderId?: string) => (orderId ? `${publicUrl}/admin/orders/${encodeURIComponent(orderId)}/show` : `${publicUrl}/admin/reviews`);

const SMS_ENDED = {
  permanent: 'The SMS to the buyer could not be sent and will not be retried (see the error).',
  gave_up: 'The SMS to the buyer kept failing and was given up.',
  unknown: 'The SMS to the buyer may or may not have arrived (no answer from the provider); Kami does not send it again by itself.',
} as const;

/** The notice's lines, plain text (Telegram gets no parse mode: nothing a buyer typed can become markup). */
function lines(kind: NoticeKind, d: NoticeData, publicUrl: string): string[] {
  const title = d.sms ? '📮 Delivery SMS failing' : TITLES[kind];
  const out = [d.orderId ? `${title}: order ${d.orderId}` : title];
  if (kind === 'stock_low') {
    out.push(`${d.productName} (${d.sku}): ${d.available} key${d.available === 1 ? '' : 's'} left (alert at ${d.threshold}).`);
    out.push(`Import keys: ${publicUrl}/admin/keys/import`);
    return out;
  }
  if (d.productName) out.push(`${d.productName} × ${d.quantity}${d.amount ? ` — ${d.amount}` : ''}`);
  if (d.buyer) out.push(`Buyer: ${maskEmail(d.buyer)}`);
  if (d.reasons?.length) out.push('Why:', ...d.reasons.map((r) => `• ${r.message}`));
  if (d.payment) out.push(`Payment ${d.payment.txnId ?? ''} of ${d.payment.amount ?? '?'} arrived for an order already paid: refund it.`);
  if (kind === 'delivery_failing') {
    if (d.sms) {
      out.push(d.sms.outcome ? `${SMS_ENDED[d.sms.outcome]} The buyer has the email and the order page; resend the SMS from the panel if needed.`
        : 'The SMS to the buyer failed; Kami keeps retrying.');
    } else {
      out.push(d.gaveUp ? 'The delivery email gave up; the buyer can still read the keys on the order page. Resend it from the panel.'
        : 'The delivery email failed; Kami keeps retrying.');
    }
    if (d.error) out.push(`Last error: ${d.error.slice(0, 300)}`);
  }
  out.push(`${DECIDABLE_NOTICES.includes(kind) && d.reviewSeq ? 'Decide here or in the inbox' : 'Open it'}: ${inboxLink(publicUrl, d.orderId)}`);
  return out;
}

export function noticeTelegram(kind: NoticeKind, d: NoticeData, publicUrl: string, canDecide: boolean) {
  const decidable = canDecide && DECIDABLE_NOTICES.includes(kind) && d.orderId !== undefined && d.reviewSeq !== undefined;
  return {
    text: lines(kind, d, publicUrl).join('\n'),
    keyboard: decidable ? {
      inline_keyboard: [[
        { text: '✅ Approve', callback_data: decisionCallback('approve', d.orderId!, d.reviewSeq!) },
        { text: '❌ Reject', callback_data: decisionCallback('reject', d.orderId!, d.reviewSeq!) },
      ]],
    } : undefined,
  };
}

export function noticeEmail(kind: NoticeKind, d: NoticeData, publicUrl: string): { subject: string; text: string; html: string } {
  const body = lines(kind, d, publicUrl);
  const subject = kind === 'review_overdue' && d.orderId ? `Order ${d.orderId} is still waiting for your decision` : body[0]!.replace(/^\S+\s/, '');
  return {
    subject,
    text: body.join('\n'),
    html: `<div style="font-family:system-ui,sans-serif">${body.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</div>`,
  };
}
