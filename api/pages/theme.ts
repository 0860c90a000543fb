/**
 * The storefront's colours, chosen for WCAG AA: every text colour on the background it is used on
 * reaches 4.5:1, borders of inputs 3:1 (test/unit/storefront-theme.test.ts computes each pair, and the
 * browser tests run axe-core over the rendered pages).
 */
export const PALETTE = {
  page: '#f4f5fa',
  surface: '#ffffff',
  text: '#1d2233',
  muted: '#545a6e',
  border: '#dfe2ec',
  inputBorder: '#767c91',
  primary: '#3544a3',
  onPrimary: '#ffffff',
  focus: '#b45309',
  okBg: '#dff5e6', okText: '#145c32',
  waitBg: '#fff3d6', waitText: '#6b4800',
  badBg: '#fde2e2', badText: '#8a1c1c',
  noticeBg: '#fff4d6', noticeText: '#5c3d00',
  keysBg: '#eef0f7',
} as const;

/** Text (or, for inputs, a border) and the background it sits on: the pairs the contrast test checks. */
export const CONTRAST_PAIRS: { name: string; fg: string; bg: string; min: number }[] = [
  { name: 'text on page', fg: PALETTE.text, bg: PALETTE.page, min: 4.5 },
  { name: 'text on surface', fg: PALETTE.text, bg: PALETTE.surface, min: 4.5 },
  { name: 'muted on surface', fg: PALETTE.muted, bg: PALETTE.surface, min: 4.5 },
  { name: 'muted on page', fg: PALETTE.muted, bg: PALETTE.page, min: 4.5 },
  { name: 'link on surface', fg: PALETTE.primary, bg: PALETTE.surface, min: 4.5 },
  { name: 'link on page', fg: PALETTE.primary, bg: PALETTE.page, min: 4.5 },
  { name: 'button text', fg: PALETTE.onPrimary, bg: PALETTE.primary, min: 4.5 },
  { name: 'ok badge', fg: PALETTE.okText, bg: PALETTE.okBg, min: 4.5 },
  { name: 'wait badge', fg: PALETTE.waitText, bg: PALETTE.waitBg, min: 4.5 },
  { name: 'bad badge', fg: PALETTE.badText, bg: PALETTE.badBg, min: 4.5 },
  { name: 'notice banner', fg: PALETTE.noticeText, bg: PALETTE.noticeBg, min: 4.5 },
  { name: 'keys', fg: PALETTE.text, bg: PALETTE.keysBg, min: 4.5 },
  { name: 'input border', fg: PALETTE.inputBorder, bg: PALETTE.surface, min: 3 },
  { name: 'focus ring on surface', fg: PALETTE.focus, bg: PALETTE.surface, min: 3 },
  { name: 'focus ring on page', fg: PALETTE.focus, bg: PALETTE.page, min: 3 },
];

const c = PALETTE;

/** Mobile first: one column, then two and three product columns on wider screens. */
export const STOREFRONT_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;background:${c.page};color:${c.text}}
a{color:${c.primary}}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid ${c.focus};outline-offset:2px}
.skip{position:absolute;left:-9999px;top:0}
.skip:focus{left:8px;top:8px;background:${c.surface};padding:8px 12px;z-index:2}
.top{background:${c.surface};border-bottom:1px solid ${c.border}}
.bar{max-width:1040px;margin:0 auto;padding:10px 16px;display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;justify-content:space-between}
.brand{display:flex;align-items:center;gap:10px;font-weight:700;font-size:19px;color:${c.text};text-decoration:none;min-height:44px}
.brand img{height:36px;width:auto;max-width:140px;object-fit:contain}
.top nav{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:15px}
.top nav a{display:inline-block;padding:10px 2px;text-decoration:none}
.top nav a[aria-current="page"]{font-weight:700;text-decoration:underline}
.notice{background:${c.noticeBg};color:${c.noticeText};padding:10px 16px;text-align:center;font-size:15px;white-space:pre-line}
main{max-width:1040px;margin:0 auto;padding:16px}
h1{font-size:24px;line-height:1.3;margin:8px 0 8px}
h2{font-size:19px;margin:0 0 10px}
.muted{color:${c.muted};font-size:14px}
.card{background:${c.surface};border:1px solid ${c.border};border-radius:12px;padding:16px;margin:0 0 16px}
.grid{display:grid;gap:14px;grid-template-columns:1fr;padding:0;list-style:none;margin:16px 0}
.product{display:flex;flex-direction:column;gap:6px;margin:0}
.product h2{font-size:17px;margin:0}
.product .desc{color:${c.muted};font-size:14px;margin:0;flex:1}
.product .buy{margin-top:8px}
.price{font-size:21px;font-weight:700;margin:8px 0 0}
.facts{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0}
.badge{display:inline-block;padding:3px 10px;border-radius:999px;font-size:13px;font-weight:600;background:${c.keysBg};color:${c.text}}
.badge.ok{background:${c.okBg};color:${c.okText}}.badge.wait{background:${c.waitBg};color:${c.waitText}}.badge.bad{background:${c.badBg};color:${c.badText}}
.button,button{display:inline-block;background:${c.primary};color:${c.onPrimary};border:2px solid ${c.primary};border-radius:10px;padding:10px 18px;font:inherit;font-weight:600;text-decoration:none;text-align:center;cursor:pointer;min-height:48px}
.block,.wide button{display:block;width:100%}
.secondary{background:${c.surface};color:${c.primary}}
.field{margin:0 0 14px;border:0;padding:0}
label,legend{display:block;font-weight:600;margin:0 0 4px;padding:0}
input[type=text],input[type=email],input[type=password],input[type=number],select,textarea{width:100%;font:inherit;padding:10px 12px;border:1px solid ${c.inputBorder};border-radius:8px;background:${c.surface};color:${c.text};min-height:48px}
textarea{min-height:88px}
.choice{display:flex;align-items:center;gap:8px;font-weight:400;min-height:40px}
.choice input{width:20px;height:20px;accent-color:${c.primary}}
.stars{display:flex;flex-wrap:wrap;gap:4px 14px}
.hint{font-size:14px;color:${c.muted};margin:4px 0 0}
.problem{font-size:14px;color:${c.badText};font-weight:600;margin:4px 0 0}
input[aria-invalid=true],textarea[aria-invalid=true]{border-color:${c.badText};border-width:2px}
.alert{border-radius:10px;padding:12px 14px;margin:0 0 16px}
.alert.bad{background:${c.badBg};color:${c.badText}}.alert.ok{background:${c.okBg};color:${c.okText}}
table.facts-table{width:100%;border-collapse:collapse;margin:12px 0}
.facts-table th,.facts-table td{padding:8px 0;border-bottom:1px solid ${c.border};text-align:left;font-weight:400}
.facts-table td{text-align:right}
ol.keys{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:16px;background:${c.keysBg};padding:14px 14px 14px 40px;border-radius:10px;word-break:break-all}
ol.keys li{padding:4px 0;user-select:all}
.guide{overflow-wrap:anywhere}
.guide img{max-width:100%}
.qr svg{max-width:240px;height:auto;background:#fff}
.sandbox{background:${c.waitBg};color:${c.waitText};border:1px dashed ${c.waitText};border-radius:10px;padding:10px 14px;font-size:14px;margin-bottom:16px}
details summary{cursor:pointer;font-weight:600;min-height:32px}
.stack{display:grid;gap:16px}
.orders{list-style:none;padding:0;margin:0}
.orders li{border-top:1px solid ${c.border};padding:12px 0;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between}
.orders form{margin:0}
footer{max-width:1040px;margin:8px auto 24px;padding:0 16px;text-align:center;color:${c.muted};font-size:14px;white-space:pre-line}
@media (min-width:640px){main{padding:24px}.grid{grid-template-columns:repeat(2,1fr)}.card{padding:20px 24px}}
@media (min-width:900px){.grid{grid-template-columns:repeat(3,1fr)}.stack.two{grid-template-columns:1fr 1fr}
.split{display:grid;grid-template-columns:3fr 2fr;grid-template-areas:"info buy" "guide buy";column-gap:24px;align-items:start}
.split>#info{grid-area:info}.split>#checkout{grid-area:buy}.split>#guide{grid-area:guide}}
`;
