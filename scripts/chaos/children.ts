/**
 * The harness's two helper children, off the load generator's event loop (so a busy harness never
 * slows Kami's SQL or SMTP): `pg-gate` (the PostgreSQL proxy Kami's DATABASE_URL points at) and
 * `mail-sink` (scripts/lib/mail-catcher.ts behind a gate of its own, Kami's SMTP_URL). Both are
 * driven over IPC. Run as `node --import tsx children.ts pg-gate <host> <port>` or `… mail-sink`.
 */
import { fileURLToPath } from 'node:url';
import { startMailCatcher } from '../lib/mail-catcher.js';
import { mailOrderId } from '../bench/products.js';
import { startTcpGate, type GateStats, type TcpGate } from './tcp-gate.js';

/** Every chaos key matches this, so the keys in a delivery email can be picked out of its text. */
export const CHAOS_KEY_PATTERN = /CK-[0-9a-f]{16}/g;

export interface SunkMail { orderId: string | null; messageId: string; keys: string[]; at: number }
/** `mails` answers with the mails after the first `after`; the others with the gate's stats. */
export interface ChildRequest { id: number; type: 'cut' | 'open' | 'stats' | 'mails'; after?: number }
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'ack'; id: number; stats: GateStats }
  | { type: 'mails'; id: number; mails: SunkMail[]; total: number };

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [role, host, port] = process.argv.slice(2);
  // Ctrl-C in the terminal is the harness's to handle; it stops this child when it is done with it
  process.on('SIGINT', () => {});
  // the harness died: nothing reads or cuts any more
  process.on('disconnect', () => process.exit(0));
  let gate: TcpGate;
  let mail: Awaited<ReturnType<typeof startMailCatcher>> | undefined;
  if (role === 'pg-gate') {
    gate = await startTcpGate('postgres', { host: host!, port: Number(port) });
  } else if (role === 'mail-sink') {
    mail = await startMailCatcher();
    gate = await startTcpGate('smtp', { host: '127.0.0.1', port: mail.smtpPort });
  } else {
    throw new Error(`unknown role ${role}`);
  }
  const send = (m: ChildMessage) => process.send!(m);
  process.on('message', (m: ChildRequest) => {
    void (async () => {
      if (m.type === 'cut') await gate.cut();
      if (m.type === 'open') await gate.open();
      if (m.type === 'mails') {
        const mails = (mail?.messages ?? []).slice(m.after ?? 0).map((x) => ({
          orderId: mailOrderId(x.subject) ?? null, messageId: x.messageId, keys: [...new Set(x.text.match(CHAOS_KEY_PATTERN) ?? [])], at: x.receivedAt.getTime(),
        }));
        return send({ type: 'mails', id: m.id, mails, total: mail?.messages.length ?? 0 });
      }
      send({ type: 'ack', id: m.id, stats: gate.stats() });
    })().catch((err) => { console.error(err); process.exit(1); });
  });
  send({ type: 'ready', port: gate.port });
}
