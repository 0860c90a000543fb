import { z } from 'zod';

/** Whether a URL's host is this machine (a local fake, a gateway on the same host): plain http cannot be read on the way there. */
export function isLoopback(url: URL): boolean {
  const h = url.hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '[::1]';
}

/**
 * A gateway's base URL setting, normalised to end in `/` (so `submit.php`, `api/v1/…` resolve under
 * it), with no credentials, query or fragment. `https` always; plain `http` only where `plainHttp`
 * allows it: `loopback` (a gateway on this machine, e.g. a local fake in tests) or `any`.
 */
export function gatewayBaseUrl(opts: { plainHttp: 'loopback' | 'any'; why: string }) {
  return z.string().trim().transform((text, ctx) => {
    let url: URL;
    try { url = new URL(text); } catch {
      ctx.addIssue({ code: 'custom', message: 'not a URL (expected https://pay.example.com/)' });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'the gateway URL must be https://' });
      return z.NEVER;
    }
    if (url.protocol === 'http:' && opts.plainHttp === 'loopback' && !isLoopback(url)) {
      ctx.addIssue({ code: 'custom', message: `the gateway URL must be https:// (${opts.why}); plain http is accepted only for a gateway on this machine` });
      return z.NEVER;
    }
    if (url.username || url.password || url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'the gateway URL takes no credentials, query string or fragment' });
      return z.NEVER;
    }
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  });
}
