import type { Request, Response } from 'express';
import type { OrderStatus } from '../../domain/order-status.js';

/** The storefront's languages: the buyer's `?lang=` (remembered in a cookie), else the browser's, else English. */
export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

export const LANG_COOKIE = 'kami_lang';
const YEAR_MS = 365 * 24 * 3600_000;

const langOf = (v: unknown): Lang | undefined => {
  const s = String(v ?? '').toLowerCase();
  return s === 'en' || s.startsWith('en-') ? 'en' : s === 'zh' || s.startsWith('zh-') ? 'zh-CN' : undefined;
};

/** Picks the page's language; a `?lang=` choice is remembered for the buyer's next pages. */
export function negotiateLang(req: Request, res: Response): Lang {
  const asked = langOf(req.query.lang);
  if (asked) {
    res.cookie(LANG_COOKIE, asked, { maxAge: YEAR_MS, sameSite: 'lax', httpOnly: true, path: '/' });
    return asked;
  }
  const kept = langOf(/(?:^|;\s*)kami_lang=([^;]+)/.exec(req.get('cookie') ?? '')?.[1]);
  if (kept) return kept;
  return langOf(req.acceptsLanguages('en', 'zh-CN', 'zh')) ?? 'en';
}

/** A window such as `24h` or `7d` in words. */
function windowWords(lang: Lang, window: string): string {
  const m = /^(\d+)\s*(ms|s|m|h|d|w)$/.exec(window.trim());
  if (!m) return window;
  const n = Number(m[1]);
  const unit = m[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w';
  if (lang === 'zh-CN') return `${n} ${{ ms: '毫秒', s: '秒', m: '分钟', h: '小时', d: '天', w: '周' }[unit]}`;
  const word = { ms: 'millisecond', s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' }[unit];
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const STATUS_EN: Record<OrderStatus, string> = {
  awaiting_payment: 'Awaiting payment', paid: 'Paid — preparing your keys', in_review: 'Paid — being checked by the shop',
  backorder: 'Paid — waiting for new stock', rejected: 'Declined — payment refunded', refunded: 'Refunded', delivering: 'Delivered',
  delivered: 'Delivered', needs_attention: 'Delivered (email pending)', expired: 'Expired', cancelled: 'Cancelled', failed: 'Failed',
};
const STATUS_ZH: Record<OrderStatus, string> = {
  awaiting_payment: '待支付', paid: '已支付 — 正在准备卡密', in_review: '已支付 — 商家审核中', backorder: '已支付 — 等待补货',
  rejected: '已拒绝 — 款项已退回', refunded: '已退款', delivering: '已发货', delivered: '已发货', needs_attention: '已发货（邮件待发送）',
  expired: '已过期', cancelled: '已取消', failed: '失败',
};

const en = {
  htmlLang: 'en',
  skip: 'Skip to content',
  navProducts: 'Products',
  navLookup: 'Find my order',
  otherLang: { lang: 'zh-CN' as Lang, label: '中文' },
  poweredBy: 'Powered by Kami',
  // catalogue
  productsTitle: 'Products',
  productsIntro: 'Pay online and get your key at once, by email and on the order page.',
  nothingOnSale: 'Nothing is on sale right now. Please come back later.',
  inStock: (n: number) => `In stock: ${n}`,
  soldOut: 'Sold out',
  limit: (q: number, window: string) => `Limit ${q} per buyer per ${windowWords('en', window)}`,
  buy: 'Buy',
  details: 'Details',
  // product page
  price: 'Price',
  quantity: 'Quantity',
  quantityHint: (max: number) => `1 to ${max}`,
  email: 'Email',
  emailHint: 'Your keys are sent here.',
  queryPassword: 'Query password (optional)',
  queryPasswordHint: 'Set one to find your orders later with your email alone (6–64 characters).',
  paymentMethod: 'Payment method',
  payAtNextStep: 'You choose how to pay on the next page.',
  placeOrder: 'Continue to payment',
  soldOutForm: 'This product is sold out. Please check back later.',
  howToUse: 'How to use',
  checkoutFailed: 'The order was not placed',
  fieldProblems: 'Please check the marked fields.',
  // field problems
  badEmail: 'Enter a valid email address.',
  badQuantity: (max: number) => `Enter a whole number from 1 to ${max}.`,
  badQueryPassword: 'Use 6 to 64 characters.',
  badProvider: 'Choose one of the payment methods shown.',
  badOrderNumber: 'Enter the order number from your email (ord_…).',
  badPassword: 'Enter your query password.',
  badRating: 'Choose a rating from 1 to 5.',
  badComment: 'Keep the comment under 1000 characters.',
  badReason: 'Tell the shop what happened (3–500 characters).',
  // refusals by code
  refusal: {
    out_of_stock: (d: Record<string, unknown>) => `Only ${d.available ?? 0} left in stock; order fewer.`,
    limit_exceeded: (d: Record<string, unknown>) => `This product is limited to ${d.limit} per buyer per ${windowWords('en', String(d.window))}; you already have ${d.bought}.`,
    hold_too_large: (d: Record<string, unknown>) => `You can order at most ${d.allowed} of these at a time right now.`,
    too_many_unpaid: () => 'You already have unpaid orders holding stock; pay one or let it expire first.',
    rate_limited: () => 'Too many attempts. Please wait a while and try again.',
    product_not_found: () => 'This product is not on sale.',
    payments_unavailable: () => 'The shop cannot take payments right now. Please try again later.',
    no_matching_orders: () => 'No order of the last 90 days matches. Check what you typed and try again.',
    order_not_delivered: () => 'This can be done once the order is delivered.',
    order_busy: () => 'The shop is already looking at this order. Please try again once that is settled.',
    feedback_closed: () => 'This feedback can no longer be changed.',
    key_not_found: () => 'That key is not one of this order\'s keys (a replaced key cannot be reported again).',
    too_many_reports: () => 'This order\'s keys were reported several times already; please contact the shop directly.',
    coupon_not_found: () => 'There is no coupon with this code; check what you typed.',
    coupon_expired: () => 'This coupon is no longer valid.',
    coupon_used_up: () => 'This coupon has been used as often as it allows.',
    coupon_not_applicable: () => 'This coupon cannot be used on this order.',
  } as Record<string, (d: Record<string, unknown>) => string>,
  somethingWrong: 'Something went wrong',
  backToShop: 'Back to the shop',
  notFoundTitle: 'Not found',
  // order page
  order: 'Order',
  status: (s: OrderStatus) => STATUS_EN[s],
  amount: 'Amount',
  created: 'Placed',
  paidAt: 'Paid',
  emailStatus: 'Email',
  emailState: (s: string) => ({ sent: 'Sent', sending: 'On its way', failed: 'Not delivered yet; retrying' } as Record<string, string>)[s] ?? s,
  yourKeys: (n: number): string => (n > 1 ? 'Your keys' : 'Your key'),
  cardNumber: 'Card number',
  cardPassword: 'Password',
  yourDetails: 'Your details',
  goToPayment: 'Go to payment',
  refreshes: 'This page refreshes by itself.',
  keyDidNotWork: 'A key did not work?',
  whichKey: 'Which key',
  whatHappened: 'What happened?',
  sendReport: 'Report it to the shop',
  reportSent: 'Thank you. The shop is checking the key you reported and replaces it if it is invalid; this page shows the outcome.',
  resendTitle: 'Lost the email?',
  resend: 'Send my keys again',
  resendSent: 'Your keys are on their way to your email again.',
  feedbackTitle: 'How was it?',
  feedbackInvite: 'Rate this order and tell the shop how it went.',
  rating: 'Rating',
  stars: (n: number) => `${n} of 5`,
  comment: 'Comment (optional)',
  sendFeedback: 'Send feedback',
  updateFeedback: 'Update feedback',
  feedbackThanks: 'Thank you for your feedback.',
  editableUntil: (d: string) => `You can change it until ${d}.`,
  yourFeedback: 'Your feedback',
  utc: 'UTC',
  // payment pages
  pay: (amount: string) => `Pay ${amount}`,
  heldFor: (n: number) => `held for you ${n} more minute${n === 1 ? '' : 's'}`,
  payExactly: 'Pay exactly',
  qrLabel: 'payment QR code',
  scan: 'Scan with the payment app.',
  orSendTo: 'Or send it to',
  continueToPay: 'Continue to the payment page',
  continueSandbox: 'Continue to the sandbox payment',
  payAnotherWay: 'Or pay another way',
  chooseHowToPay: 'Choose how to pay',
  attemptFailed: 'choose again or another way to pay',
  payRefreshes: 'This page refreshes by itself and shows your order the moment the payment is confirmed.',
  // the price breakdown (api/pages/price.ts)
  priceTitle: 'Price',
  priceList: (unit: string, quantity: number) => `List price ${unit} × ${quantity}`,
  priceTier: (range: string, unit: string) => `Quantity price (${range} keys): ${unit} each`,
  priceSale: (label: string, unit: string) => `Sale${label ? ` “${label}”` : ''}: ${unit} each`,
  priceSalePercent: (label: string, percent: number) => `Sale${label ? ` “${label}”` : ''}: ${percent}% off`,
  priceCouponPercent: (code: string, percent: number) => `Coupon ${code}: ${percent}% off`,
  priceCouponFixed: (code: string, off: string) => `Coupon ${code}: ${off} off`,
  priceFloor: 'Lowest price the shop sells at',
  priceTotal: 'Total',
  sandboxNote: 'Sandbox payment — no money moves. Pressing Pay sends a signed payment notification to Kami\'s webhook, exactly as a real gateway would.',
  sandboxTitle: 'Sandbox payment',
  orderIs: (s: string) => `This order is ${s}.`,
  openOrder: 'Open the order page',
  paymentRefused: 'Payment refused',
  thanksTitle: 'Thank you',
  thanksText: (id: string) => `If you paid, the shop confirms it with the payment service and your order ${id} carries on by itself: your keys arrive by email, and on the order page you were given.`,
  thanksNote: 'This page cannot show the order: open it from your email or the link you kept — or find it with “Find my order”.',
  // lookup
  lookupTitle: 'Find my order',
  lookupIntro: 'Orders of the last 90 days. You get a link to each order page, with its keys.',
  byOrder: 'With the order number',
  orderNumber: 'Order number',
  byPassword: 'With your query password',
  password: 'Query password',
  find: 'Find',
  results: 'Your orders',
  open: 'Open the order',
};
export type Messages = typeof en;

const zh: Messages = {
  htmlLang: 'zh-CN',
  skip: '跳到正文',
  navProducts: '全部商品',
  navLookup: '查询订单',
  otherLang: { lang: 'en', label: 'English' },
  poweredBy: '由 Kami 提供支持',
  productsTitle: '全部商品',
  productsIntro: '在线支付，卡密即时发放，邮件与订单页同步可见。',
  nothingOnSale: '暂无在售商品，请稍后再来。',
  inStock: (n) => `库存 ${n}`,
  soldOut: '已售罄',
  limit: (q, window) => `每人每 ${windowWords('zh-CN', window)}限购 ${q} 件`,
  buy: '购买',
  details: '查看',
  price: '价格',
  quantity: '数量',
  quantityHint: (max) => `1 至 ${max} 件`,
  email: '邮箱',
  emailHint: '卡密将发送到此邮箱。',
  queryPassword: '查询密码（可选）',
  queryPasswordHint: '设置后，可凭邮箱和查询密码找回订单（6–64 个字符）。',
  paymentMethod: '支付方式',
  payAtNextStep: '下一步选择支付方式。',
  placeOrder: '去支付',
  soldOutForm: '该商品已售罄，请稍后再来。',
  howToUse: '使用说明',
  checkoutFailed: '未能下单',
  fieldProblems: '请检查标出的项目。',
  badEmail: '请输入有效的邮箱地址。',
  badQuantity: (max) => `请输入 1 至 ${max} 之间的整数。`,
  badQueryPassword: '请使用 6 至 64 个字符。',
  badProvider: '请从列出的支付方式中选择。',
  badOrderNumber: '请输入邮件中的订单号（ord_…）。',
  badPassword: '请输入查询密码。',
  badRating: '请选择 1 至 5 星。',
  badComment: '评论请少于 1000 个字符。',
  badReason: '请说明遇到的问题（3–500 个字符）。',
  refusal: {
    out_of_stock: (d) => `库存仅剩 ${d.available ?? 0} 件，请减少数量。`,
    limit_exceeded: (d) => `该商品每人每 ${windowWords('zh-CN', String(d.window))}限购 ${d.limit} 件，您已购买 ${d.bought} 件。`,
    hold_too_large: (d) => `目前每单最多可购买 ${d.allowed} 件。`,
    too_many_unpaid: () => '您已有未支付的订单占用库存，请先支付或等待其过期。',
    rate_limited: () => '尝试次数过多，请稍后再试。',
    product_not_found: () => '该商品未在售。',
    payments_unavailable: () => '商店暂时无法收款，请稍后再试。',
    no_matching_orders: () => '未找到最近 90 天内匹配的订单，请检查输入后重试。',
    order_not_delivered: () => '订单发货后才能进行此操作。',
    order_busy: () => '商家正在处理此订单，请处理完成后再试。',
    feedback_closed: () => '该评价已无法修改。',
    key_not_found: () => '该卡密不属于此订单（已更换的卡密不能再次反馈）。',
    too_many_reports: () => '此订单的卡密已多次反馈，请直接联系商家。',
    coupon_not_found: () => '没有这个优惠码，请检查输入。',
    coupon_expired: () => '此优惠券已失效。',
    coupon_used_up: () => '此优惠券的使用次数已用完。',
    coupon_not_applicable: () => '此优惠券不能用于这笔订单。',
  },
  somethingWrong: '出错了',
  backToShop: '返回商店',
  notFoundTitle: '未找到',
  order: '订单',
  status: (s) => STATUS_ZH[s],
  amount: '金额',
  created: '下单时间',
  paidAt: '支付时间',
  emailStatus: '邮件',
  emailState: (s) => ({ sent: '已发送', sending: '发送中', failed: '尚未送达，正在重试' } as Record<string, string>)[s] ?? s,
  yourKeys: () => '您的卡密',
  cardNumber: '卡号',
  cardPassword: '密码',
  yourDetails: '您填写的信息',
  goToPayment: '去支付',
  refreshes: '此页面会自动刷新。',
  keyDidNotWork: '卡密无法使用？',
  whichKey: '哪个卡密',
  whatHappened: '遇到了什么问题？',
  sendReport: '反馈给商家',
  reportSent: '已提交。商家正在核查您反馈的卡密，确认无效后会为您更换；处理结果将显示在此页面。',
  resendTitle: '没收到邮件？',
  resend: '重新发送卡密到邮箱',
  resendSent: '卡密已重新发送到您的邮箱。',
  feedbackTitle: '评价本次购买',
  feedbackInvite: '为此订单评分，告诉商家您的体验。',
  rating: '评分',
  stars: (n) => `${n} 星（满分 5 星）`,
  comment: '评论（可选）',
  sendFeedback: '提交评价',
  updateFeedback: '修改评价',
  feedbackThanks: '感谢您的评价。',
  editableUntil: (d) => `您可以在 ${d} 前修改。`,
  yourFeedback: '您的评价',
  utc: 'UTC',
  pay: (amount) => `支付 ${amount}`,
  heldFor: (n) => `库存为您保留 ${n} 分钟`,
  payExactly: '请准确支付',
  qrLabel: '付款二维码',
  scan: '请使用支付应用扫码。',
  orSendTo: '或转账至',
  continueToPay: '前往支付页面',
  continueSandbox: '前往沙箱支付',
  payAnotherWay: '或选择其他支付方式',
  chooseHowToPay: '选择支付方式',
  attemptFailed: '请重新选择或换一种支付方式',
  payRefreshes: '此页面会自动刷新，支付确认后立即显示订单。',
  priceTitle: '价格',
  priceList: (unit, quantity) => `标价 ${unit} × ${quantity}`,
  priceTier: (range, unit) => `批量价（${range} 张）：每张 ${unit}`,
  priceSale: (label, unit) => `特价${label ? `“${label}”` : ''}：每张 ${unit}`,
  priceSalePercent: (label, percent) => `特价${label ? `“${label}”` : ''}：减 ${percent}%`,
  priceCouponPercent: (code, percent) => `优惠券 ${code}：减 ${percent}%`,
  priceCouponFixed: (code, off) => `优惠券 ${code}：减 ${off}`,
  priceFloor: '商家最低售价',
  priceTotal: '合计',
  sandboxNote: '沙箱支付 — 不会产生真实扣款。点击支付后，沙箱会像真实支付网关一样向 Kami 发送已签名的支付通知。',
  sandboxTitle: '沙箱支付',
  orderIs: (s) => `此订单状态：${s}。`,
  openOrder: '查看订单页面',
  paymentRefused: '支付被拒绝',
  thanksTitle: '谢谢',
  thanksText: (id) => `如果您已付款，商家会向支付服务确认，您的订单 ${id} 将自动继续处理：卡密会发送到您的邮箱，并显示在订单页面上。`,
  thanksNote: '此页面无法显示订单：请从邮件或您保存的链接打开，或使用“查询订单”找回。',
  lookupTitle: '查询订单',
  lookupIntro: '可查询最近 90 天的订单，查询结果附有订单页面链接和卡密。',
  byOrder: '按订单号查询',
  orderNumber: '订单号',
  byPassword: '按查询密码查询',
  password: '查询密码',
  find: '查询',
  results: '您的订单',
  open: '查看订单',
};

export const MESSAGES: Record<Lang, Messages> = { en, 'zh-CN': zh };

/** A time as buyers read it, in UTC (the label says so). */
export const formatTime = (lang: Lang, iso: string | Date) =>
  `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} ${MESSAGES[lang].utc}`;
