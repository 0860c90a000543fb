import englishMessages from 'ra-language-english';
import type { OrderStatus } from '../orders/statuses.js';
import type { ReasonCode } from '../types.js';

/** Kami's own messages; zh.ts must have exactly these keys (its type says so). */
const kami = {
  menu: { inbox: 'Inbox', dashboard: 'Dashboard', import: 'Import keys' },
  status: {
    awaiting_payment: 'Awaiting payment', paid: 'Paid', in_review: 'In review', backorder: 'Backorder', delivering: 'Delivering',
    delivered: 'Delivered', needs_attention: 'Needs attention', expired: 'Expired', cancelled: 'Cancelled', rejected: 'Rejected',
    refunded: 'Refunded', failed: 'Failed',
  } satisfies Record<OrderStatus, string>,
  reason: {
    bulk_quantity: 'Bulk quantity', bulk_amount: 'Large amount', velocity_orders: 'Many orders', velocity_ip: 'Many orders from one IP', velocity_unpaid: 'Many unpaid orders',
    blacklisted: 'Blacklisted', new_buyer_amount: 'New buyer, large amount', duplicate_order: 'Duplicate order',
    payment_amount_low: 'Underpaid', payment_amount_high: 'Overpaid', payment_currency: 'Wrong currency', payment_late: 'Late payment',
    purchase_limit: 'Purchase limit', out_of_stock: 'Out of stock', invalid_key_report: 'Invalid key reported', second_payment: 'Paid twice', manual_delivery: 'Manual delivery',
  } satisfies Record<ReasonCode, string>,
  key_status: { available: 'Available', reserved: 'Reserved', sold: 'Sold', void: 'Void' },
  identity: { email: 'Email', phone: 'Phone', ip: 'IP address', payment_account: 'Payment account', device: 'Device' },
  role: { owner: 'Owner', operator: 'Operator', viewer: 'Viewer' },
  error: {
    not_awaiting_review: 'This order is no longer waiting for a decision',
    stale_decision: 'The order changed since you opened it',
    invalid_quantity: 'That quantity cannot be approved',
    forbidden: 'Your role does not allow this',
    csrf_failed: 'Security check failed; reload the page',
    unauthenticated: 'Please sign in again',
    invalid_request: 'Some fields need attention',
    keys_not_voidable: 'Only unsold keys can be voided',
    sku_taken: 'SKU already in use',
    email_taken: 'Email already in use',
    last_owner: 'Kami needs at least one active owner',
    order_not_found: 'Order not found',
    product_not_found: 'Product not found',
    batch_not_found: 'Batch not found',
    rate_limited: 'Too many attempts',
    invalid_credentials: 'Wrong email or password',
    internal_error: 'Something went wrong on the server',
  },
  decision: {
    approve: 'Approve', reject: 'Reject',
    title_approve: 'Approve this order?', title_reject: 'Reject this order?',
    quantity: 'Keys to deliver', quantity_help: 'Deliver fewer than ordered to approve part of it (1–%{max})',
    note: 'Note', note_help_approve: 'Optional; kept in the order history and audit log', note_help_reject: 'Why? Kept in the order history and audit log',
    confirm_approve: 'Approve and deliver', confirm_reject: 'Reject order',
    done_approve: 'Order %{id} approved: keys are on their way', done_reject: 'Order %{id} rejected',
    bulk_approve: 'Approve selected', bulk_reject: 'Reject selected',
    bulk_title_approve: 'Approve 1 order? |||| Approve %{smart_count} orders?',
    bulk_title_reject: 'Reject 1 order? |||| Reject %{smart_count} orders?',
    bulk_confirm_approve: 'Approve 1 order |||| Approve %{smart_count} orders',
    bulk_confirm_reject: 'Reject 1 order |||| Reject %{smart_count} orders',
    bulk_summary: '%{ok} decided, %{failed} refused. Refused orders stay selected.',
  },
  inbox: {
    title: 'Inbox', filter_reason: 'Reason', filter_product: 'Product', filter_age: 'Waiting',
    older_than_15: 'over 15 minutes', older_than_60: 'over 1 hour', older_than_240: 'over 4 hours', older_than_1440: 'over 1 day',
    empty_title: 'Nothing waits for you', empty_text: 'Orders the automation must not decide alone appear here: bulk orders, suspicious buyers, payment anomalies, sold-out stock.',
    first_order: 'First order from this buyer.',
    stock_left: '1 more key in stock besides those this order holds. |||| %{smart_count} more keys in stock besides those this order holds.',
    stock_short: 'Not enough stock: 1 key left. |||| Not enough stock: %{smart_count} keys left.',
    why: 'Why it waits', stock: 'Stock', facts: 'What the rules saw', history: 'Buyer history',
    waiting: 'order waiting for a person |||| orders waiting for a person',
    oldest: 'oldest waiting %{wait}',
    open_order: 'Open order',
  },
  fact: {
    quantity: 'Quantity', amountCents: 'Amount', currency: 'Currency', payment: 'Payment', priorPaidOrders: 'Earlier paid orders',
    recentOrders: 'Recent orders', recentOrdersFromIp: 'Recent orders from this IP', recentUnpaid: 'Recent unpaid orders', duplicatePaidOrders: 'Same order paid recently',
    boughtInLimitWindow: 'Bought in limit window', blacklistHits: 'Blacklist hits', afterExpiry: 'After expiry',
  },
  orders: {
    tab: {
      all: 'All', in_review: 'In review', backorder: 'Backorder', needs_attention: 'Needs attention', awaiting_payment: 'Awaiting payment',
      delivering: 'Delivering', delivered: 'Delivered', closed: 'Closed',
    },
    search: 'Order id or email',
    empty_title: 'No orders here', empty_text: 'Orders appear as soon as buyers check out.',
    open_temporal: 'Open in Temporal UI',
    no_events: 'No events yet.',
    title: 'Order %{id}',
    details: 'Details', keys: 'Keys', timeline: 'Timeline', no_keys: 'No keys are held by this order.',
    review_reasons: 'Why this order was held', attention: 'Needs attention',
    command: {
      resend: { label: 'Resend email', title: 'Resend the delivery email?', content: 'The buyer receives the keys again at their email address.', confirm: 'Resend', done: 'Delivery email queued', text: '', text_help: '' },
      cancel: { label: 'Cancel order', title: 'Cancel this order?', content: 'Held keys go back to stock. A paid order is refunded by the payment provider.', confirm: 'Cancel order', done: 'Order cancelled', text: '', text_help: '' },
      mark_delivered: {
        label: 'Enter goods', title: 'Deliver this order by hand', content: 'This product has no card keys. Enter what the buyer gets; Kami stores it encrypted and delivers it like a key.',
        confirm: 'Deliver', done: 'Goods handed to the order; delivery is on its way', text: 'Goods, one per line',
        text_help: 'One line for each unit: 1 line |||| One line for each unit: %{smart_count} lines',
      },
    },
  },
  event: {
    status: 'Status: %{status}', system: 'Kami', decision: 'Decision recorded', review_reminder: 'Review reminder sent',
    created: 'Order created', rules_checked: 'Rules checked', email_sent: 'Email sent', extra_payment: 'Extra payment received',
    key_voided: 'Key voided', partially_approved: 'Partly approved',
  },
  event_field: {
    quantity: 'Quantity', amountCents: 'Amount', heldKeys: 'Keys held', provider: 'Provider', txnId: 'Transaction', action: 'Outcome',
    reasons: 'Reasons', seq: 'Review', note: 'Note', kind: 'Kind', keyIds: 'Keys', to: 'To', channel: 'Channel', attempts: 'Attempts',
  },
  products: {
    limits_after_create: 'Limits can be set once the product exists.', inherited: 'as all products', edit_limits: 'Edit limits',
    search: 'Name or SKU', on_sale: 'On sale', off_sale: 'Off sale', demo: 'DEMO', sold_out: 'Sold out',
    reserved_sold: '%{reserved} held · %{sold} sold', stock: 'Stock',
    section_basics: 'Product', section_price: 'Price', section_limits: 'Limits and thresholds', section_guide: 'Usage guide (Markdown)',
    sku_help: 'Letters, digits, dot, dash, underscore', active_help: 'Off sale products cannot be bought',
    low_stock_help: 'Warn when available keys fall below this',
    delivery_help: 'Manual goods are entered by an operator',
    guide_help: "Shown on the buyer's order page and in the delivery email", preview: 'Preview', preview_empty: 'The guide preview appears here.',
    empty_title: 'No products yet', empty_text: 'Create a product, then import its keys.',
    delivery: { auto: 'Card keys (automatic)', manual: 'Manual delivery' },
  },
  keys: {
    import_for_product: 'Import keys', void: 'Void', void_title: 'Void 1 key? |||| Void %{smart_count} keys?',
    void_content: 'Voided keys are never sold. Only available or reserved keys can be voided.',
    voided: '1 key voided |||| %{smart_count} keys voided',
    reveal: 'Reveal', reveal_title: 'Key text', reveal_audited: 'This reveal is recorded in the audit log.', copy: 'Copy',
    export: 'Export', export_needs_product: 'Filter by a product first',
    empty_title: 'No keys here', empty_text: 'Import a TXT or CSV file of keys for a product.',
  },
  batches: { empty_title: 'No batches yet', empty_text: 'Every import creates a batch you can follow here.' },
  import: {
    title: 'Import keys', step_target: 'Product and batch', step_source: 'Keys', step_preview: 'Check',
    label: 'Batch label', label_help: 'How this batch is named in lists, e.g. the supplier and date',
    mode_file: 'Upload file', mode_paste: 'Paste', file_chosen: 'Chosen: %{name}', drop: 'Drop a TXT or CSV file here',
    choose_file: 'Choose file', format_help: 'One key per line; a CSV line such as cardNo,password is stored whole.',
    paste_placeholder: 'One key per line', pasted: 'pasted keys',
    check: 'Check keys', checking: 'Checking against stock…', run: 'Import 1 key |||| Import %{count} keys', importing: 'Importing…',
    view_batch: 'View batch', done: 'Imported %{imported} keys into batch #%{batch} (%{duplicates} duplicates skipped).',
    total: 'Lines', valid: 'Will import', invalid: 'Invalid', duplicate_in_file: 'Repeated in file', duplicate_in_stock: 'Already in stock',
    line: 'Line', problem: 'Problem', content: 'Content', same_as: 'same as line %{line}',
    more_issues: 'and 1 more line |||| and %{smart_count} more lines',
  },
  buyers: {
    blacklist: 'Blacklist', unblacklist: 'Remove from blacklist', blacklisted: 'Blacklisted',
    blacklisted_done: 'Added to the blacklist', unblacklisted_done: 'Removed from the blacklist',
    only_blacklisted: 'Blacklisted', not_blacklisted: 'Not blacklisted',
    empty_title: 'No buyers yet', empty_text: 'Every email, phone, IP, payment account and device seen at checkout is listed here.',
  },
  audit: { empty_title: 'Nothing recorded yet', empty_text: 'Sign-ins, decisions, imports, reveals and setting changes are recorded here.' },
  operators: {
    disabled: 'Disabled', role_help: 'Owner: everything. Operator: decide, edit, import. Viewer: read only.',
    password_help: 'At least 10 characters and hard to guess: a few unrelated words work well', new_password_help: 'Leave empty to keep the current password',
    disabled_help: 'A disabled operator is signed out and cannot sign in',
  },
  rules: {
    overrides: 'Settings', no_limit: 'no limit', global: 'All products', global_help: 'Defaults for every product', inherits: 'Same as all products',
    inherit: 'Empty: as all products (%{value})', duration_help: 'For example 10m, 1h, 24h',
    section_limit: 'Purchase limit', section_bulk: 'Large orders', section_velocity: 'Velocity, duplicates and blacklist',
    section_timeout: 'Review timeout',
    blacklist: { reject: 'Reject the order', review: 'Send to review' },
    policy: { remind: 'Remind and keep waiting', auto_reject: 'Reject automatically', auto_approve_below: 'Approve small orders, reject the rest' },
    title_global: 'Rules for all products', title_product: 'Rules for %{name}',
    limit_by_ip: 'IP address (one network, one buyer)',
    limit_by_help: 'Orders matching on any one of these count as one buyer. IP address: everyone behind one network (an office, a school, a reseller\'s server) shares one limit.',
  },
  dashboard: {
    title: 'Dashboard', orders_per_hour: 'Orders per hour (last 24 hours)', orders: 'Orders', low_stock: 'Low stock',
    all_products: 'All products', stock_ok: 'Every product has enough keys.', restock: 'Restock',
    sales_today: 'Sales today', orders_today: 'Orders today', delivered_today: '%{count} delivered',
    inbox: 'Waiting for a person', inbox_clear: 'Inbox is clear',
    automation: 'Automation rate', automation_help: 'Delivered with no person involved (24h)',
    latency: 'Delivery time p50', latency_p95: 'p95 %{p95} · payment to keys (24h)',
  },
  draft: { restored: 'Your unsaved changes were restored' },
  login: {
    headline: 'Every order delivered, every exception decided.',
    tagline: 'Kami hands out card keys the moment a payment lands, and brings you only the orders that need a person.',
    footer: 'Automatic card-key delivery · 自动发卡',
    title: 'Sign in', subtitle: 'Operator panel',
    expired: 'Your session expired. Sign in again to continue where you left off; your unsaved changes are kept.',
  },
};

const resources = {
  reviews: {
    name: 'Review |||| Inbox',
    fields: { id: 'Order', productName: 'Product', amountCents: 'Amount', reviewReasons: 'Reasons', reviewSince: 'Waiting', email: 'Buyer' },
  },
  orders: {
    name: 'Order |||| Orders',
    fields: {
      id: 'Order', status: 'Status', productId: 'Product', productName: 'Product', quantity: 'Quantity', amountCents: 'Amount',
      email: 'Buyer email', paymentProvider: 'Payment', createdAt: 'Created', paidAt: 'Paid', deliveredAt: 'Delivered',
      expiresAt: 'Payment due', q: 'Search', createdFrom: 'Created from', createdTo: 'Created before',
    },
  },
  products: {
    name: 'Product |||| Products',
    fields: {
      name: 'Name', sku: 'SKU', description: 'Description', active: 'On sale', priceCents: 'Price', currency: 'Currency',
      lowStockThreshold: 'Low-stock alert', guide: 'Guide', 'stock.available': 'Available keys', deliveryMode: 'Delivery', q: 'Search',
    },
  },
  keys: {
    name: 'Key |||| Keys',
    fields: {
      id: 'ID', productId: 'Product', batchId: 'Batch', hint: 'Key', status: 'Status', orderId: 'Order', createdAt: 'Imported',
      soldAt: 'Sold', voidReason: 'Void reason',
    },
  },
  batches: {
    name: 'Batch |||| Batches',
    fields: { id: 'Batch', label: 'Label', productId: 'Product', counts: 'Keys', createdAt: 'Imported', q: 'Search' },
  },
  buyers: {
    name: 'Buyer |||| Buyers',
    fields: { kind: 'Identity', value: 'Value', orders: 'Orders', lastOrderAt: 'Last order', blacklisted: 'Blacklist', q: 'Search' },
  },
  rules: {
    name: 'Rule |||| Rules',
    fields: {
      id: 'Applies to',
      settings: {
        purchaseLimit: 'Keys per buyer', purchaseLimitWindow: 'Per window', purchaseLimitBy: 'Count a buyer by',
        bulkQuantity: 'Review above quantity', bulkAmountCents: 'Review above amount', newBuyerAmountCents: 'New buyer: review above',
        velocityMaxOrders: 'Max orders per window', velocityMaxUnpaid: 'Max unpaid per window', velocityWindow: 'Velocity window',
        duplicateWindow: 'Duplicate window', blacklistAction: 'Blacklisted buyer', reviewTimeout: 'Decide within',
        reviewTimeoutPolicy: 'Then', autoApproveBelowCents: 'Auto-approve up to',
      },
    },
  },
  audit: {
    name: 'Audit entry |||| Audit log',
    fields: {
      createdAt: 'When', actorEmail: 'Who', action: 'Action', targetType: 'Target', targetId: 'Target id', data: 'Details',
      createdFrom: 'From', createdTo: 'Before',
    },
  },
  operators: {
    name: 'Operator |||| Operators',
    fields: { name: 'Name', email: 'Email', role: 'Role', disabled: 'Status', createdAt: 'Created', password: 'Password', q: 'Search' },
  },
};

export const kamiEn = { kami, resources };
export type KamiMessages = typeof kamiEn;

export const en = { ...englishMessages, ...kamiEn };
