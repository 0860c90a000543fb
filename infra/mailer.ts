import nodemailer from 'nodemailer';

export interface Mail { to: string; subject: string; text: string; html: string; messageId: string }
export interface Mailer { send(mail: Mail): Promise<{ messageId: string }>; close(): void }

/** SMTP through nodemailer. Kept small so tests can point it at an in-process SMTP server. */
export function createMailer(smtpUrl: string, from: string): Mailer {
  // pooled: a new SMTP connection per mail costs a handshake (and ~100 ms greeting delay on some servers)
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(url.toString(), { from });
  return {
    async send(mail) {
      const info = await transport.sendMail({ ...mail, from, messageId: mail.messageId });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
