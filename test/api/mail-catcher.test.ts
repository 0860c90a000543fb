import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../infra/mailer.js';
import { startMailCatcher, type MailCatcher } from '../../scripts/lib/mail-catcher.js';

let catcher: MailCatcher;
beforeAll(async () => { catcher = await startMailCatcher({ httpPort: 0 }); });
afterAll(() => catcher?.close());

describe("the mail catcher's web page", () => {
  it('shows caught mail under a CSP that runs nothing, with nosniff and no-store', async () => {
    const mailer = createMailer(catcher.url, 'Kami <no-reply@kami.localhost>');
    try {
      await mailer.send({
        to: 'buyer@example.com', subject: 'hostile mail', text: 'hi', messageId: '<hostile@kami.localhost>',
        html: '<p>KEY-1234</p><script>alert(1)</script><img src=x onerror=alert(2)><form action="https://evil.example"><button>go</button></form>',
      });
    } finally { mailer.close(); }
    const mail = await catcher.waitFor((m) => m.subject === 'hostile mail');
    const base = `http://127.0.0.1:${catcher.httpPort}`;

    for (const path of ['/', `/${mail.id}`]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
      expect(directives.get('default-src'), path).toEqual(["'none'"]);
      expect(directives.has('script-src'), path).toBe(false); // falls back to default-src 'none'
      expect(directives.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(directives.get('form-action'), path).toEqual(["'none'"]);
      expect(directives.get('base-uri'), path).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-eval|'unsafe-inline'[^;]*script|script-src/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store'); // caught mail holds keys
      if (path !== '/') {
        expect(directives.get('sandbox')).toEqual([]); // the mail itself: no scripts, forms or popups, whatever it holds
        expect(await res.text()).toContain('KEY-1234');
      }
    }
  });
});
