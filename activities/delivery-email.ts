import { renderGuide } from '../domain/guide.js';
import { escapeHtml } from '../domain/html.js';
import { keyText, splitPair, EN_KEY_LABELS } from '../domain/product-types.js';

export interface DeliveryEmailInput {
  orderId: string;
  productName: string;
  quantity: number;
  guide: string;
  secrets: string[];
  orderUrl: string;
  /** A replacement for a key the buyer reported invalid. */
  replacement?: boolean;
  /** `pair`: each secret is a card number and its password, shown with their labels. */
  keyFormat?: string;
  /** What the buyer filled in at checkout (the product's own fields), labelled. */
  buyerInput?: { label: string; value: string }[];
}


/** The email a buyer receives: the keys, the product's usage guide and a link back to the order page. */
export function renderDeliveryEmail(d: DeliveryEmailInput): { subject: string; text: string; html: string } {
  // the order page's feedback form (ratings and comments go to the shop; "a key did not work" sits beside it)
  const feedbackUrl = `${d.orderUrl}#feedback`;
  const subject = d.replacement
    ? `Replacement key for your ${d.productName} — order ${d.orderId}`
    : `Your ${d.productName} key${d.quantity > 1 ? 's' : ''} — order ${d.orderId}`;
  const text = [
    `Thank you for your order ${d.orderId}.`,
    '',
    `${d.productName} × ${d.quantity}:`,
    ...d.secrets.map((s, i) => `  ${i + 1}. ${keyText(d.keyFormat ?? 'plain', s)}`),
    '',
    ...(d.buyerInput?.length ? ['Your details:', ...d.buyerInput.map((b) => `  ${b.label}: ${b.value}`), ''] : []),
    d.guide ? `How to use:\n${d.guide}\n` : '',
    `Your order page: ${d.orderUrl}`,
    '',
    `How was it? Rate your order and tell the shop: ${feedbackUrl}`,
    'A key did not work? Report it on the order page and the shop replaces it.',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;background:#f6f7fb;padding:24px">
<div style="max-width:560px;margin:auto;background:#fff;border-radius:12px;padding:24px;border:1px solid #e3e6ef">
<h2 style="margin-top:0">Your ${escapeHtml(d.productName)}</h2>
<p>Order <code>${escapeHtml(d.orderId)}</code> is paid. Here ${d.quantity > 1 ? 'are your keys' : 'is your key'}:</p>
<ol style="font-family:ui-monospace,monospace;font-size:16px;background:#f1f3f9;padding:16px 16px 16px 40px;border-radius:8px">
${d.secrets.map((s) => `<li>${secretHtml(d.keyFormat, s)}</li>`).join('\n')}
</ol>
${d.buyerInput?.length ? `<h3>Your details</h3><dl>${d.buyerInput.map((b) => `<dt>${escapeHtml(b.label)}</dt><dd>${escapeHtml(b.value)}</dd>`).join('')}</dl>` : ''}
${d.guide ? `<h3>How to use</h3>${renderGuide(d.guide)}` : ''}
<p><a href="${escapeHtml(d.orderUrl)}">Open your order page</a> to see the keys again at any time.</p>
<p style="background:#eef0f7;border-radius:8px;padding:12px 16px"><strong>How was it?</strong> <a href="${escapeHtml(feedbackUrl)}">Rate your order</a> and tell the shop.
A key did not work? Report it on the order page and the shop replaces it.</p>
<p style="color:#8a90a2;font-size:12px">Sent by Kami · 卡密自动发货</p>
</div></body></html>`;
  return { subject, text, html };
}

/** One key in the email's list: a pair as its labelled card number and password. */
function secretHtml(format: string | undefined, secret: string): string {
  if (format !== 'pair') return escapeHtml(secret);
  const p = splitPair(secret);
  return `${EN_KEY_LABELS.cardNumber}: <b>${escapeHtml(p.cardNumber)}</b><br>${EN_KEY_LABELS.password}: <b>${escapeHtml(p.password)}</b>`;
}
