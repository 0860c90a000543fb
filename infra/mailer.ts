import nodemailer from 'nodemailer';

export interface Mail { to: string; subject: string; text: string; html: string; messageId: string }
export interface Mailer { send(mail: Mail): Promise<{ messageId: string }>; close(): void }

// nodemailer's defaults let one hand-off hang for minutes (a 10-minute socket timeout); these bound it,
// so a delivery attempt ends well inside its lease and its activity's timeout.
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;
/** The longest one SMTP hand-off can take before nodemailer gives up on it. */
export const MAIL_HANDOFF_MAX_MS = CONNECTION_TIMEOUT_MS + GREETING_TIMEOUT_MS + SOCKET_TIMEOUT_MS;

/** SMTP through nodemailer. Kept small so tests can point it at an in-process SMTP server. */
export function createMailer(smtpUrl: string, from: string): Mailer {
  // pooled: a new SMTP connection per mail costs a handshake (and ~100 ms greeting delay on some servers)
  const url = new URL(smtpUrl);
  const defaults = { pool: true, connectionTimeout: CONNECTION_TIMEOUT_MS, greetingTimeout: GREETING_TIMEOUT_MS, socketTimeout: SOCKET_TIMEOUT_MS };
  for (const [key, value] of Object.entries(defaults)) if (!url.searchParams.has(key)) url.searchParams.set(key, String(value));
  const transport = nodemailer.createTransport(url.toString(), { from });
  return {
    async send(mail) {
      const info = await transport.sendMail({ ...mail, from, messageId: mail.messageId });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
