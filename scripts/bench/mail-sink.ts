/**
 * The buyers' inbox, as a child of the bench (never inside Kami, and off the load generator's event
 * loop): scripts/lib/mail-catcher.ts on a free port. It tells the bench its SMTP URL over IPC and,
 * when asked, the bench keys each delivery email carries (by the order id in its subject).
 */
import { startMailCatcher } from '../lib/mail-catcher.js';
import { KEY_PATTERN, mailOrderId } from './products.js';

export type SinkRequest = { type: 'mails'; id: number; after: number } | { type: 'stop' };
export type SinkMessage = { type: 'ready'; url: string } | { type: 'mails'; id: number; mails: SunkMail[]; total: number };
export interface SunkMail { orderId: string | null; keys: string[] }

const mail = await startMailCatcher();
const send = (m: SinkMessage) => process.send!(m);
// Ctrl-C in the terminal is the bench's to handle; it stops this child when it is done with it
process.on('SIGINT', () => {});
// the bench died without saying stop: nobody will read the mail any more
process.on('disconnect', () => process.exit(0));
process.on('message', (m: SinkRequest) => {
  if (m.type === 'stop') return void mail.close().finally(() => process.exit(0));
  const mails = mail.messages.slice(m.after).map((x) => ({ orderId: mailOrderId(x.subject) ?? null, keys: [...new Set(x.text.match(KEY_PATTERN) ?? [])] }));
  send({ type: 'mails', id: m.id, mails, total: mail.messages.length });
});
send({ type: 'ready', url: mail.url });
