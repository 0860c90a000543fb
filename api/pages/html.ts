import { escapeHtml } from '../../domain/html.js';

export { escapeHtml };

/** Shared frame of the buyer-facing pages (order page, sandbox checkout). */
export function page(title: string, body: string, opts: { refreshSeconds?: number } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Kami</title>
${opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<style>
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f5fa;color:#1d2233;margin:0}
main{max-width:560px;margin:48px auto;background:#fff;border:1px solid #e2e5ef;border-radius:14px;padding:28px 32px;box-shadow:0 4px 24px #1d22330d}
h1{font-size:22px;margin:0 0 4px} .muted{color:#6b7186;font-size:14px} .badge{display:inline-block;padding:3px 10px;border-radius:999px;font-size:13px;background:#eef0f7}
.badge.ok{background:#dff5e6;color:#17693a}.badge.wait{background:#fff3d6;color:#7a5300}.badge.bad{background:#fde2e2;color:#8a1c1c}
table{width:100%;border-collapse:collapse;margin:16px 0} td{padding:6px 0;border-bottom:1px solid #f0f1f6} td:last-child{text-align:right}
ol.keys{font-family:ui-monospace,Menlo,monospace;font-size:16px;background:#f1f3f9;padding:14px 14px 14px 40px;border-radius:10px}
button{font-size:16px;padding:12px 22px;border-radius:10px;border:0;background:#3f51b5;color:#fff;cursor:pointer;width:100%}
.sandbox{background:#fff8e1;border:1px dashed #e0b64c;border-radius:10px;padding:10px 14px;font-size:13px;margin-bottom:16px}
footer{text-align:center;color:#9aa0b4;font-size:12px;margin:16px}
</style></head><body><main>${body}</main><footer>Kami · 自动发卡</footer></body></html>`;
}
