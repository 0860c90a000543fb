import express, { Router } from 'express';
import helmet from 'helmet';

/**
 * The Content-Security-Policy of the built operator panel (react-admin + MUI, bundled by vite): its own
 * scripts and module worker only (no inline script, no eval), styles from itself plus the inline ones
 * emotion (MUI) injects at runtime, images from itself and data: URLs, API calls to its own origin,
 * no plugins, frames or framing, forms posting only to itself.
 */
export const PANEL_CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'worker-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  // no upgrade-insecure-requests: an operator reaching Kami over plain http (a LAN address) must still get the panel
};

/**
 * Serves the built panel (admin/dist) at /admin, with index.html for its client-side routes, behind
 * helmet like the rest of the HTTP surface (api/app.ts): the CSP above, X-Frame-Options DENY, nosniff,
 * Referrer-Policy no-referrer, HSTS and the cross-origin headers. /admin/api is not served here: it goes
 * on to the app.
 */
export function panelRouter(dist: string): Router {
  const panel = Router();
  panel.use(helmet({
    contentSecurityPolicy: { useDefaults: false, directives: PANEL_CSP_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  }));
  // '/admin' → '/admin/' here rather than in express.static, whose redirect would replace these headers
  panel.get('/', (req, res, next) => (req.originalUrl.startsWith('/admin/') ? next() : res.redirect(301, `/admin/${req.originalUrl.slice('/admin'.length)}`)));
  panel.use(express.static(dist, { index: 'index.html', redirect: false }));
  panel.get(/.*/, (_req, res) => res.sendFile('index.html', { root: dist }));

  const router = Router();
  router.use('/admin', (req, _res, next) => (/^\/api(\/|$)/.test(req.path) ? next('router') : next()), panel);
  return router;
}

/**
 * The server's root app (api/main.ts): the panel from `dist` when it is built, then `app` for
 * everything else, /admin/api included. The root sends no X-Powered-By either (an express app sets it
 * before anything mounted in it runs; only the app's helmet took it off again).
 */
export function withPanel(app: express.Express | Router, dist: string | null): express.Express {
  const root = express();
  root.disable('x-powered-by');
  if (dist) root.use(panelRouter(dist));
  root.use(app);
  return root;
}
