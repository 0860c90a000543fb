import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { signSandboxNotification } from '../../infra/payments/sandbox.js';
import { DEFAULT_RULES } from '../../domain/rules.js';
import { sha256Hex } from '../../infra/crypto.js';
import { importKeys } from '../../infra/key-import.js';
import { createOperator } from '../../infra/operators.js';
import { createSession } from '../../infra/sessions.js';
import { credentialFor, issueCredential } from '../../infra/channels/credentials.js';
import { sign, SIGNATURE_HEADERS } from '../../infra/channels/signature.js';
import { DbWatch } from './db-state.js';
import { safeTarget, send, type Answer, type WireRequest } from './http.js';
import { checkAnswer, normalise, type Violation } from './invariants.js';
import { pct, type GenRequest, type Pools } from './requests.js';
import type { RouteSpec } from './routes.js';
import type { LoggedError, Target } from './stack.js';

/** What one generated request did. */
export interface Outcome {
  gen: GenRequest;
  wire: WireRequest;
  answer: Answer;
  violations: Violation[];
  /** Kami's own log line for this request, when it logged an unexpected error. */
  logged?: LoggedError;
}

interface Account { operatorId: string; email: string; role: 'owner' | 'viewer'; token: string; csrf: string }

/** The catalogue the fuzzer keeps in place: each product reaches other branches of checkout and the rules. */
const PRODUCTS = [
  { role: 'auto', priceCents: 500, stock: 300, deliveryMode: 'auto', rules: {} },
  // price × quantity passes 2^31 cents from 22 keys on
  { role: 'expensive', priceCents: 100_000_000, stock: 150, deliveryMode: 'auto', rules: {} },
  { role: 'manual', priceCents: 1000, stock: 0, deliveryMode: 'manual', rules: {} },
  { role: 'limited', priceCents: 700, stock: 100, deliveryMode: 'auto', rules: { purchaseLimit: 2, purchaseLimitWindow: '1d' } },
  { role: 'empty', priceCents: 300, stock: 0, deliveryMode: 'auto', rules: {} },
] as const;
export type ProductRole = (typeof PRODUCTS)[number]['role'];

/** The partner channel's settings the fuzzer relies on: no rate limit, any address, paid from its balance. */
const PARTNER_SETTINGS = { rateLimitPerMinute: 0, ipAllowList: [], paymentMode: 'balance' };

const MUTATING = (m: string) => !['GET', 'HEAD', 'OPTIONS'].includes(m.toUpperCase());
const TIMEOUT_MS = 20_000;
/** A long poll that holds is doing its job; the fuzzer stops waiting after this. */
const LONG_POLL_MS = 1500;

/**
 * The fuzzer's side of the shop: owner and viewer sessions made directly in the database, seeded
 * products, orders in every interesting state, and the pools of real ids the generators draw from.
 * `execute` sends one generated request and checks every invariant, the database one included.
 */
export class Harness {
  pools!: Pools;
  /** Requests sent, probes and seeding included. */
  sent = 0;
  /** Refused requests whose database change did not happen again on replay (background work). */
  noise: string[] = [];
  /** Plain purchases (checkout, pay, cancel) that failed while the harness set the shop up. */
  readonly seedProblems = new Set<string>();
  /** Accepted requests after which the database did not come to rest (the worker kept writing). */
  restless: string[] = [];
  /** Work that stayed pending with the database quiet (an order stuck between payment and delivery). */
  get stuck(): Set<string> {
    return this.watch.stuck;
  }
  private seq = 0;
  private tag = randomBytes(3).toString('hex');
  private accounts = new Map<'owner' | 'viewer', Account>();
  private products = new Map<ProductRole, { id: string; sku: string }>();
  private victims: { email: string; password: string }[] = [];
  /** The partner channel the fuzzer signs partner API requests for (when Kami has channels). */
  private partner?: { channelId: string; keyId: string; secret: string };

  private constructor(readonly target: Target, readonly watch: DbWatch) {}

  static async create(target: Target): Promise<Harness> {
    const h = new Harness(target, await DbWatch.open(target.databaseUrl));
    try {
      await h.prepare();
    } catch (err) {
      await h.close();
      throw err;
    }
    return h;
  }

  async close() {
    await this.watch.close();
  }

  // ---- state -----------------------------------------------------------------------------------

  /** Puts the shop back the way the generators expect it (between routes), then refreshes the pools. */
  async prepare() {
    await this.ensureSessions();
    await this.resetRules();
    await this.ensureProducts();
    await this.ensureVictims();
    await this.ensureOrders();
    await this.ensurePartner();
    await this.refreshPools();
  }

  private async hasTable(table: string): Promise<boolean> {
    return Boolean((await this.watch.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]))[0]?.t);
  }

  /**
   * A partner channel with a usable key and money on its balance, made through the panel API (an
   * ordinary flow) the first time; afterwards re-enabled and re-keyed directly should the fuzzing
   * have disabled it or revoked its key.
   */
  private async ensurePartner() {
    if (!(await this.hasTable('channel'))) return;
    const { db, vault } = this.target;
    const owner = this.accounts.get('owner')!;
    const asOwner: [string, string][] = [['cookie', `kami_session=${owner.token}`], ['x-csrf-token', owner.csrf]];
    try {
      if (!this.partner) {
        const made = await this.http('POST', '/admin/api/channels', { name: `FZ partner ${this.tag}`, kind: 'reseller', settings: PARTNER_SETTINGS }, asOwner);
        if (made.status !== 201) throw new Error(`seeding: creating a partner channel answered ${made.status}: ${made.text.slice(0, 300)}${made.status >= 500 ? this.lastLogged() : ''}`);
        const c = JSON.parse(made.text) as { id: string; keyId: string; secret: string };
        this.partner = { channelId: c.id, keyId: c.keyId, secret: c.secret };
        const paid = await this.http('POST', `/admin/api/channels/${c.id}/ledger`, { amountCents: 100_000_000_000, currency: 'USD', kind: 'deposit', note: 'fuzz' }, asOwner);
        if (paid.status >= 300) throw new Error(`seeding: a deposit on the partner channel answered ${paid.status}: ${paid.text.slice(0, 300)}${paid.status >= 500 ? this.lastLogged() : ''}`);
      }
      // the fuzzing may have disabled it, limited its rate or its addresses: back as made
      const row = await db.channel.findUnique({ where: { id: this.partner.channelId } });
      const settings = { ...(row?.settings as Record<string, unknown> | null), ...PARTNER_SETTINGS };
      if (row && (row.disabled || JSON.stringify(row.settings) !== JSON.stringify(settings))) {
        await db.channel.update({ where: { id: row.id }, data: { disabled: false, settings: settings as never, rulesVersion: { increment: 1 } } });
      }
      if (!(await credentialFor(db, vault, this.partner.keyId))) {
        const issued = await issueCredential(db, vault, this.partner.channelId, 'fuzz');
        this.partner = { ...this.partner, keyId: issued.keyId, secret: issued.secret };
      }
      // orders of its own, for the partner's order reads
      const [{ n }] = await this.watch.query<{ n: string }>('SELECT count(*) AS n FROM "order" WHERE channel_id = $1', [this.partner.channelId]) as [{ n: string }];
      for (let i = Number(n); i < 2; i++) {
        const body = JSON.stringify({ sku: this.product('auto').sku, quantity: 1, externalOrderId: `fz-${this.tag}-${this.seq++}`, email: `partner-${this.tag}-${this.seq}@example.com` });
        this.sent++;
        const a = await send(this.target.host, this.target.port, this.resolve({
          method: 'POST', path: '/api/v1/partner/orders', query: '', headers: [], auth: { kind: 'partner', sig: 'valid' },
          body: { kind: 'text', text: body, encoding: 'utf8', contentType: 'application/json' },
        }), TIMEOUT_MS);
        if (a.status >= 300) throw new Error(`seeding: a partner order answered ${a.status}: ${a.text.slice(0, 300)}${a.status >= 500 ? this.lastLogged() : ''}`);
      }
    } catch (err) {
      this.seedProblems.add((err as Error).message);
    }
  }

  /** The harness's owner and viewer, enabled, with a live session each (outside any watched request). */
  async ensureSessions() {
    const { db } = this.target;
    for (const role of ['owner', 'viewer'] as const) {
      let acc = this.accounts.get(role);
      const row = acc && await db.operator.findUnique({ where: { id: acc.operatorId } });
      if (!acc || !row) {
        const email = `fuzz-${role}-${this.tag}-${this.seq++}@fuzz.kami`;
        const op = await createOperator(db, { email, name: `Fuzz ${role}`, role, password: randomBytes(12).toString('hex') });
        acc = { operatorId: op.id, email, role, token: '', csrf: '' };
      } else if (row.disabled || row.role !== role) {
        await db.operator.update({ where: { id: acc.operatorId }, data: { disabled: false, role } });
      }
      const session = acc.token ? await db.operatorSession.findUnique({ where: { id: sha256Hex(acc.token) } }) : null;
      if (!session || session.expiresAt.getTime() < Date.now() + 60_000) {
        const s = await createSession(db, acc.operatorId, 12 * 3600_000);
        acc.token = s.token;
        acc.csrf = s.csrfToken;
      }
      this.accounts.set(role, acc);
    }
  }

  private async resetRules() {
    const { db } = this.target;
    const row = await db.ruleSettings.findUnique({ where: { id: 'global' } });
    if (row && JSON.stringify(row.settings) !== JSON.stringify(DEFAULT_RULES)) {
      await db.ruleSettings.update({ where: { id: 'global' }, data: { settings: DEFAULT_RULES as never, version: { increment: 1 } } });
    }
    await db.blacklistEntry.deleteMany({});
  }

  private async ensureProducts() {
    const { db, vault } = this.target;
    for (const p of PRODUCTS) {
      const sku = `FZ-${p.role.toUpperCase()}-${this.tag}`;
      const data = { sku, name: `[FUZZ] ${p.role}`, active: true, priceCents: p.priceCents as never, currency: 'USD', deliveryMode: p.deliveryMode, rules: p.rules as never, guide: 'Redeem it **anywhere**.' };
      // whatever the fuzzer renamed, the canonical SKU goes back to this product
      await this.watch.query('UPDATE product SET sku = left(sku, 50) || $2 WHERE sku = $1 AND id <> coalesce($3::uuid, \'00000000-0000-0000-0000-000000000000\')',
        [sku, `-moved-${this.seq++}`, this.products.get(p.role)?.id ?? null]);
      const known = this.products.get(p.role);
      const exists = known && await db.product.findUnique({ where: { id: known.id } });
      const same = exists && exists.sku === sku && exists.active && Number(exists.priceCents) === p.priceCents && exists.currency === 'USD'
        && exists.deliveryMode === p.deliveryMode && JSON.stringify(exists.rules) === JSON.stringify(p.rules);
      const row = same ? exists
        : exists ? await db.product.update({ where: { id: known.id }, data: { ...data, rulesVersion: { increment: 1 } } })
        : await db.product.create({ data });
      this.products.set(p.role, { id: row.id, sku });
      const available = await db.cardKey.count({ where: { productId: row.id, status: 'available' } });
      if (p.stock && available < p.stock / 2) {
        const secrets = Array.from({ length: p.stock - available }, (_, i) => `FZ-${p.role}-${i}-${randomBytes(6).toString('hex')}`);
        await importKeys(db, vault, row.id, secrets, `fuzz stock ${p.role}`);
      }
    }
  }

  private async ensureVictims() {
    const { db } = this.target;
    const roles = ['viewer', 'operator', 'owner'] as const;
    for (const [i, role] of roles.entries()) {
      const email = `victim-${role}-${this.tag}@fuzz.kami`;
      const password = `victim-pw-${this.tag}-${i}`;
      if (!(await db.operator.findUnique({ where: { email } }))) await createOperator(db, { email, name: `Victim ${role}`, role, password });
      if (!this.victims.some((v) => v.email === email)) this.victims.push({ email, password });
    }
  }

  private async ensureOrders() {
    const auto = this.products.get('auto')!;
    const manual = this.products.get('manual')!;
    const count = async (productId: string, statuses: string[], minQty: number) => Number((await this.watch.query<{ n: string }>(
      'SELECT count(*) AS n FROM "order" WHERE product_id = $1 AND status = ANY($2::text[]) AND quantity >= $3', [productId, statuses, minQty]))[0]!.n);
    // [product, statuses that count, how many, least quantity, how to make one]
    const want: [string, string[], number, number, () => Promise<unknown>][] = [
      [auto.id, ['awaiting_payment'], 3, 1, () => this.checkout(auto.sku, 1)],
      [auto.id, ['delivered'], 2, 1, async () => this.pay(await this.checkout(auto.sku, 1))],
      // more than bulkQuantity (20) keys: waits for a person
      [auto.id, ['in_review'], 2, 21, async () => this.pay(await this.checkout(auto.sku, 21))],
      // manual delivery: paid, waits for an operator to enter the goods
      [manual.id, ['in_review', 'backorder'], 1, 1, async () => this.pay(await this.checkout(manual.sku, 1))],
      [auto.id, ['cancelled'], 1, 1, async () => this.cancel(await this.checkout(auto.sku, 1))],
    ];
    let made = 0;
    for (const [productId, statuses, n, minQty, make] of want) {
      const have = await count(productId, statuses, minQty);
      try {
        for (let i = have; i < n; i++, made++) await make();
      } catch (err) {
        // a plain purchase that fails is a finding in itself; the fuzzing goes on without that state
        this.seedProblems.add((err as Error).message.replace(/ord_\w+/g, 'ord_…').replace(/request id [\w-]+/g, 'request id …'));
      }
    }
    if (made) await this.watch.settle({ quietMs: 400 });
  }

  /** Why the last unexpected error happened, from Kami's log (seeding failures name their cause). */
  private lastLogged(): string {
    const e = this.target.tap.entries.at(-1);
    return e ? ` — Kami logged: ${e.type ?? ''} ${e.message ?? e.msg}`.slice(0, 600) : '';
  }

  private async http(method: string, path: string, body?: unknown, headers: [string, string][] = []): Promise<Answer> {
    this.sent++;
    const w: WireRequest = { method, target: path, headers: [...headers, ...(body === undefined ? [] : [['content-type', 'application/json'] as [string, string]])], body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) };
    return send(this.target.host, this.target.port, w, TIMEOUT_MS);
  }

  private async checkout(sku: string, quantity: number): Promise<string> {
    const a = await this.http('POST', '/api/v1/orders', { sku, quantity, email: `seed-${this.tag}-${this.seq++}@example.com` });
    if (a.status !== 201) throw new Error(`seeding: checkout of ${quantity} × ${sku} answered ${a.status}: ${a.text.slice(0, 300)}${a.status >= 500 ? this.lastLogged() : ''}`);
    return (JSON.parse(a.text) as { orderId: string }).orderId;
  }

  private async pay(orderId: string) {
    const token = this.target.vault.orderAccessToken(orderId);
    const a = await this.http('POST', `/sandbox/pay/${orderId}?token=${pct(token)}`, undefined, [['accept', 'application/json']]);
    if (a.status !== 200) throw new Error(`seeding: paying ${orderId} answered ${a.status}: ${a.text.slice(0, 300)}${a.status >= 500 ? this.lastLogged() : ''}`);
    await this.watch.settle({ quietMs: 300 });
  }

  private async cancel(orderId: string) {
    const owner = this.accounts.get('owner')!;
    const a = await this.http('POST', `/admin/api/orders/${orderId}/cancel`, {}, [['cookie', `kami_session=${owner.token}`], ['x-csrf-token', owner.csrf]]);
    if (a.status !== 200) throw new Error(`seeding: cancelling ${orderId} answered ${a.status}: ${a.text.slice(0, 300)}${a.status >= 500 ? this.lastLogged() : ''}`);
  }

  async refreshPools() {
    const q = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => this.watch.query<T>(sql, params);
    const own = [...this.accounts.values()].map((a) => a.operatorId);
    // tables Kami may not have (yet, or any more): their pools stay empty
    const optional = async <T extends Record<string, unknown>>(table: string, sql: string, params: unknown[] = []) =>
      (await this.hasTable(table)) ? q<T>(sql, params).catch(() => [] as T[]) : [];
    const orders = await q<{ id: string; status: string; email_normalized: string; phone: string | null; device_id: string | null; buyer_ip: string | null }>(`
      (SELECT DISTINCT ON (status) id, status, email_normalized, phone, device_id, buyer_ip FROM "order" ORDER BY status, created_at DESC)
      UNION (SELECT id, status, email_normalized, phone, device_id, buyer_ip FROM "order" ORDER BY created_at DESC LIMIT 24) ORDER BY id`);
    const sold = await q<{ ciphertext: Buffer; product_id: string }>("SELECT ciphertext, product_id::text FROM card_key WHERE status = 'sold' ORDER BY id DESC LIMIT 4");
    this.pools = {
      products: [...this.products.values()],
      orders: orders.map((o) => ({ id: o.id, status: o.status })),
      keyIds: (await q<{ id: number }>(`(SELECT id FROM card_key ORDER BY id LIMIT 4) UNION (SELECT DISTINCT ON (status) id FROM card_key ORDER BY status, id DESC)
        UNION (SELECT max(id) FROM card_key) ORDER BY 1`)).map((r) => r.id).filter((x) => x !== null),
      batchIds: (await q<{ id: number }>('SELECT id FROM key_batch ORDER BY id DESC LIMIT 8')).map((r) => r.id),
      auditIds: (await q<{ id: string }>('SELECT id::text FROM audit_log ORDER BY id DESC LIMIT 8')).map((r) => Number(r.id)),
      refundIds: await optional<{ id: number }>('refund', 'SELECT id FROM refund ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => Number(r.id))),
      attemptRefs: await optional<{ ref: string }>('payment_attempt', 'SELECT gateway_order_no AS ref FROM payment_attempt ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => r.ref)),
      channelIds: await optional<{ id: string }>('channel', 'SELECT id FROM channel ORDER BY created_at LIMIT 6').then((rs) => rs.map((r) => r.id)),
      channelKeyIds: await optional<{ id: string }>('channel_credential', 'SELECT key_id AS id FROM channel_credential WHERE key_id <> $1 ORDER BY created_at DESC LIMIT 6', [this.partner?.keyId ?? '']).then((rs) => rs.map((r) => r.id)),
      webhookEndpointIds: await optional<{ id: number }>('webhook_endpoint', 'SELECT id FROM webhook_endpoint ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => Number(r.id))),
      webhookDeliveryIds: await optional<{ id: number }>('webhook_delivery', 'SELECT id FROM webhook_delivery ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => Number(r.id))),
      externalOrderIds: await optional<{ id: string }>('order', 'SELECT external_order_id AS id FROM "order" WHERE external_order_id IS NOT NULL ORDER BY created_at DESC LIMIT 6').then((rs) => rs.map((r) => r.id)),
      couponIds: await optional<{ id: number }>('coupon', 'SELECT id FROM coupon ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => Number(r.id))),
      couponCodes: await optional<{ code: string }>('coupon', 'SELECT code FROM coupon ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => r.code)),
      saleIds: await optional<{ id: number }>('sale_price', 'SELECT id FROM sale_price ORDER BY id DESC LIMIT 6').then((rs) => rs.map((r) => Number(r.id))),
      partnerOrderIds: this.partner ? await optional<{ id: string }>('channel', 'SELECT id FROM "order" WHERE channel_id = $1 ORDER BY created_at DESC LIMIT 6', [this.partner.channelId]).then((rs) => rs.map((r) => r.id)) : [],
      operatorIds: (await q<{ id: string }>('SELECT id::text FROM operator WHERE NOT (id = ANY($1::uuid[])) ORDER BY email LIMIT 8', [own])).map((r) => r.id),
      operatorEmails: [...this.victims.map((v) => v.email), 'nobody@fuzz.kami'],
      operatorPasswords: [...this.victims.map((v) => v.password), 'wrong-password-1'],
      buyerIds: [...new Set(orders.flatMap((o) => [`email:${o.email_normalized}`, o.phone && `phone:${o.phone}`, o.device_id && `device:${o.device_id}`, o.buyer_ip && `ip:${o.buyer_ip}`]).filter((x): x is string => Boolean(x)))].slice(0, 12),
      emails: [...new Set(orders.map((o) => o.email_normalized))].slice(0, 6),
      txnIds: (await q<{ txn_id: string }>('SELECT txn_id FROM payment ORDER BY id DESC LIMIT 4')).map((r) => r.txn_id),
      soldKeys: sold.map((k) => this.target.vault.decrypt(k.ciphertext, k.product_id)),
    };
  }

  /** A seeded product (id and current SKU): auto (500 cents, 300 keys), expensive (10^8 cents), manual, limited, empty. */
  product(role: ProductRole): { id: string; sku: string } {
    return this.products.get(role)!;
  }

  /** The newest order of a seeded product in `status`, if there is one. */
  async orderWith(status: string, role: ProductRole = 'auto'): Promise<string | undefined> {
    const [row] = await this.watch.query<{ id: string }>('SELECT id FROM "order" WHERE product_id = $1 AND status = $2 AND quantity = 1 ORDER BY created_at DESC LIMIT 1',
      [this.product(role).id, status]);
    return row?.id;
  }

  // ---- requests ----------------------------------------------------------------------------------

  /** The wire request for a generated one: credentials, token and signature filled in now. */
  resolve(gen: GenRequest): WireRequest {
    const headers: [string, string][] = [];
    const secrets: Record<string, string> = {};
    if (!gen.headers.some(([k]) => k.toLowerCase() === 'x-request-id')) headers.push(['x-request-id', `fz-${this.tag}-${++this.seq}`]);
    let body: Buffer | undefined;
    let signed = '';
    let signedBytes: Buffer = Buffer.alloc(0);
    if (gen.body) {
      if (gen.body.kind === 'bytes') {
        body = Buffer.from(gen.body.bytes);
        signed = body.toString('utf8');
        signedBytes = body;
      } else {
        const { text, encoding } = gen.body;
        body = encoding === 'utf8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]) : Buffer.from(text, encoding === 'utf8' ? 'utf8' : encoding);
        signed = body.toString('utf8');
        signedBytes = body;
        if (gen.body.gzip) {
          body = gzipSync(body);
          headers.push(['content-encoding', 'gzip']);
        } else if (gen.body.contentEncoding) headers.push(['content-encoding', gen.body.contentEncoding]);
      }
      if (gen.body.contentType !== undefined) headers.push(['content-type', gen.body.contentType]);
    }

    let query = gen.query;
    const orders = this.pools?.orders ?? [];
    const orderId = gen.orderId ?? orders[0]?.id ?? 'ord_00000000000000000000000000';
    const other = orders.find((o) => o.id !== orderId)?.id ?? orderId;
    const a = gen.auth;
    switch (a.kind) {
      case 'none': break;
      case 'session': {
        const acc = this.accounts.get(a.role)!;
        headers.push(['cookie', `kami_session=${acc.token}`]);
        secrets.cookie = a.role === 'owner' ? 'kami_session=$OWNER_SESSION' : 'kami_session=$VIEWER_SESSION';
        if (a.csrf === 'ok') {
          headers.push(['x-csrf-token', acc.csrf]);
          secrets['x-csrf-token'] = a.role === 'owner' ? '$OWNER_CSRF' : '$VIEWER_CSRF';
        } else if (a.csrf === 'wrong') headers.push(['x-csrf-token', randomBytes(32).toString('base64url')]);
        break;
      }
      case 'cookie-junk': headers.push(['cookie', a.cookie]); break;
      case 'bearer':
        if (a.token === 'own' || a.token === 'other') {
          headers.push(['authorization', `Bearer ${this.target.vault.orderAccessToken(a.token === 'own' ? orderId : other)}`]);
          secrets.authorization = 'Bearer $ORDER_TOKEN';
        } else if (a.token === 'junk') headers.push(['authorization', `Bearer ${a.junk ?? ''}`]);
        else if (a.token === 'scheme') headers.push(['authorization', 'Basic Zm9vOmJhcg==']);
        break;
      case 'signature': {
        const secret = this.target.vault.sandboxWebhookSecret;
        const now = Date.now();
        const sig = a.sig === 'valid' ? signSandboxNotification(secret, signed, now)
          : a.sig === 'stale' ? signSandboxNotification(secret, signed, now - 3600_000)
          : a.sig === 'future' ? signSandboxNotification(secret, signed, now + 3600_000)
          : a.sig === 'forged' ? signSandboxNotification('not-the-secret', signed, now)
          : a.sig === 'junk' ? a.junk ?? '' : undefined;
        if (sig !== undefined) headers.push(['kami-signature', sig]);
        if (a.sig === 'valid') secrets['kami-signature'] = '$SIGNATURE';
        break;
      }
      case 'partner': break; // signed below, over the final target
      case 'token-query': {
        const token = a.token === 'own' ? this.target.vault.orderAccessToken(orderId) : a.token === 'other' ? this.target.vault.orderAccessToken(other) : a.token === 'junk' ? a.junk ?? '' : undefined;
        if (token !== undefined) query = [query, `token=${pct(token)}`].filter(Boolean).join('&');
        break;
      }
    }
    const target = `${gen.path}${query ? `?${query}` : ''}`;
    if (a.kind === 'partner' && a.sig !== 'missing') {
      const p = this.partner ?? { keyId: 'ck_none', secret: 'cs_none', channelId: 'none' };
      const now = Math.floor(Date.now() / 1000) - (a.sig === 'stale' ? 3600 : 0);
      const nonce = a.sig === 'bad-nonce' ? 'short' : randomBytes(16).toString('base64url');
      const keyId = a.sig === 'unknown-key' ? `ck_${randomBytes(12).toString('base64url')}` : p.keyId;
      const signature = a.sig === 'junk' ? a.junk ?? ''
        : sign(a.sig === 'forged' ? 'cs_not-the-secret' : p.secret, { method: gen.method, path: safeTarget(target), timestamp: String(now), nonce, body: signedBytes });
      headers.push([SIGNATURE_HEADERS.keyId, keyId], [SIGNATURE_HEADERS.timestamp, String(now)], [SIGNATURE_HEADERS.nonce, nonce], [SIGNATURE_HEADERS.signature, signature]);
      if (a.sig === 'valid') Object.assign(secrets, { [SIGNATURE_HEADERS.keyId]: '$PARTNER_KEY_ID', [SIGNATURE_HEADERS.nonce]: '$NONCE', [SIGNATURE_HEADERS.timestamp]: '$TIMESTAMP', [SIGNATURE_HEADERS.signature]: '$PARTNER_SIGNATURE' });
    }
    headers.push(...gen.headers);
    return { method: gen.method, target, headers, body, secrets };
  }

  /** Sends one generated request and checks every invariant; violations are returned, never thrown. */
  async execute(route: RouteSpec, gen: GenRequest): Promise<Outcome> {
    // a probe judges this request alone: the catalogue and rules start as seeded, whatever came before
    if (route.probe) {
      await this.resetRules();
      await this.ensureProducts();
    }
    const wire = this.resolve(gen);
    const longPoll = Boolean(route.longPoll && /(^|&)wait=/.test(gen.query));
    const before = await this.watch.snapshot();
    this.sent++;
    const answer = await send(this.target.host, this.target.port, wire, longPoll ? LONG_POLL_MS : TIMEOUT_MS);
    const violations = checkAnswer(answer, { method: gen.method, html: route.html, longPoll });
    const reqId = String(answer.headers['x-request-id'] ?? wire.headers.find(([k]) => k.toLowerCase() === 'x-request-id')?.[1] ?? '');
    const logged = reqId ? this.target.tap.find(reqId) : undefined;
    // the class, the message and where in Kami it was thrown say which bug it is (codes vary with the
    // input, brotli's ERR__ERROR_FORMAT_…; and one message from two call sites is two fixes)
    const site = logged?.stack?.split('\n').find((l) => /^\s+at /.test(l) && !/node_modules|node:|\(<anonymous>\)/.test(l))
      ?.match(/([\w-]+\/[\w.-]+\.ts):(\d+)/)?.slice(1, 3).join(':') ?? '';
    const cause = logged ? `${normalise(`${logged.type ?? ''} ${logged.message ?? logged.msg}`)}${site ? ` @${site}` : ''}` : '';
    for (const v of violations) if (v.invariant === 'server-error' || v.invariant === 'no-answer') v.key += `|${cause}`;

    const refused = answer.error !== undefined || answer.status >= 400;
    if (refused && !(answer.timedOut && longPoll)) {
      const moved = (await this.watch.changedSince(before)).filter((t) => !route.refusedMayWrite?.tables.includes(t));
      if (moved.length) {
        // work the worker was still finishing? Let it finish, then send the same request again
        await this.watch.settle();
        const again = await this.watch.snapshot();
        this.sent++;
        const second = await send(this.target.host, this.target.port, this.resolve(gen), TIMEOUT_MS);
        const allowed = new Set(route.refusedMayWrite?.tables ?? []);
        const movedAgain = (second.error !== undefined || second.status >= 400 ? await this.watch.changedSince(again) : []).filter((t) => !allowed.has(t));
        if (movedAgain.length) {
          violations.push({
            invariant: 'db-changed', key: `db-changed|${movedAgain.join(',')}`,
            detail: `refused (${answer.status || answer.error}) yet changed ${movedAgain.join(', ')}`,
          });
        } else this.noise.push(`${route.method} ${route.path}: ${moved.join(', ')} moved during a refused request, not on replay`);
      }
    } else if (!refused && (MUTATING(gen.method) || route.method !== 'GET')) {
      const rest = await this.watch.settle();
      if (!rest.settled) this.restless.push(`${route.method} ${route.path} → ${answer.status}: still writing ${rest.busy.join(', ')} after ${rest.ms} ms`);
      if (route.probe && answer.status < 300) violations.push(...await this.probe(answer));
      if (route.touchesSessions || route.path.includes('/operators')) await this.ensureSessions();
    }
    return { gen, wire, answer, violations, logged };
  }

  /**
   * After an accepted catalogue, stock, rules or blacklist change: the shop must still list its
   * products and sell one key of each seeded (and just created) product without a server error.
   */
  async probe(after: Answer): Promise<Violation[]> {
    const out: Violation[] = [];
    const list = await this.http('GET', '/api/v1/products');
    if (list.status >= 500) out.push({ invariant: 'probe', key: `probe|list|${list.status}`, detail: `afterwards GET /api/v1/products answered ${list.status}` });
    let created: string | undefined;
    try { created = (JSON.parse(after.text) as { id?: unknown }).id as string | undefined; } catch { /* not JSON */ }
    const ids = [...this.products.values()].map((p) => p.id);
    if (typeof created === 'string' && /^[0-9a-f-]{36}$/.test(created)) ids.push(created);
    for (const id of ids) {
      const p = await this.target.db.product.findUnique({ where: { id }, select: { sku: true, active: true } });
      if (!p?.active) continue;
      const reqId = `fz-probe-${this.tag}-${++this.seq}`;
      const a = await this.http('POST', '/api/v1/orders', { sku: p.sku, quantity: 1, email: `probe-${this.tag}-${this.seq}@example.com` }, [['x-request-id', reqId]]);
      if (a.status >= 500) {
        const logged = this.target.tap.find(reqId);
        const cause = logged ? normalise(`${logged.type ?? ''} ${logged.message ?? logged.msg}`) : '';
        out.push({
          invariant: 'probe', key: `probe|checkout|${a.status}|${cause}`,
          detail: `afterwards a checkout of 1 × ${p.sku} answered ${a.status}${logged?.message ? ` (Kami logged: ${logged.message.split('\n')[0]!.slice(0, 200)})` : ''}`,
        });
      }
    }
    if (out.length) await this.watch.settle();
    return out;
  }
}
