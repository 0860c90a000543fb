import { randomUUID } from 'node:crypto';
import { issueCredential } from '../../infra/channels/credentials.js';
import { postEntry } from '../../infra/channels/ledger.js';
import { signedHeaders } from '../../infra/channels/signature.js';
import type { ChannelSettings } from '../../domain/channels.js';
import type { HttpAnswer } from './http.js';
import type { Kami } from './kami.js';

export interface PartnerKey { keyId: string; secret: string }

/** A partner channel with one API key, and a balance when `balance` names one ({ USD: 10000 }). */
export async function partnerChannel(kami: Pick<Kami, 'db' | 'vault'>, opts: {
  settings?: Partial<ChannelSettings>; rules?: Record<string, unknown>; balance?: Record<string, number>; kind?: 'mall' | 'reseller' | 'bot';
} = {}) {
  const id = `ch_test_${randomUUID().slice(0, 8)}`;
  await kami.db.channel.create({ data: { id, name: `Test ${id}`, kind: opts.kind ?? 'reseller', settings: opts.settings ?? {}, rules: (opts.rules ?? {}) as never } });
  const key = await issueCredential(kami.db, kami.vault, id, 'test');
  for (const [currency, amountMinor] of Object.entries(opts.balance ?? {})) {
    await postEntry(kami.db, { channelId: id, currency, amountMinor, kind: 'deposit', note: 'test deposit', by: 'test' });
  }
  return { id, key };
}

export interface SignedCall {
  body?: unknown;
  /** Sent instead of `body` (bytes as given). */
  raw?: string;
  /** Sign this body instead of the one sent (a tampered request). */
  signedBody?: string;
  /** Sign this path instead of the one requested. */
  signedPath?: string;
  /** The signer's clock. */
  now?: number;
  /** Replace or add headers after signing. */
  headers?: Record<string, string>;
}

/** Calls the partner API signed with `key`, exactly as a partner's client would (infra/channels/signature.ts signedHeaders). */
export async function partnerCall(kami: Pick<Kami, 'baseUrl'>, key: PartnerKey, method: string, path: string, opts: SignedCall = {}): Promise<HttpAnswer> {
  const raw = opts.raw ?? (opts.body === undefined ? '' : JSON.stringify(opts.body));
  const signed = signedHeaders(key.keyId, key.secret, { method, path: opts.signedPath ?? path, body: opts.signedBody ?? raw }, opts.now);
  const res = await fetch(`${kami.baseUrl}${path}`, {
    method, body: raw === '' ? undefined : raw,
    headers: { ...(raw === '' ? {} : { 'content-type': 'application/json' }), ...signed, ...opts.headers },
  });
  const text = await res.text();
  const body = res.headers.get('content-type')?.includes('application/json') ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body, text };
}

/** The channel's balance in `currency` and the sum of its ledger entries there (they must agree). */
export async function balanceOf(kami: Pick<Kami, 'db'>, channelId: string, currency: string) {
  const [row, sum] = await Promise.all([
    kami.db.channelBalance.findUnique({ where: { channelId_currency: { channelId, currency } } }),
    kami.db.channelLedgerEntry.aggregate({ where: { channelId, currency }, _sum: { amountMinor: true } }),
  ]);
  return { balance: Number(row?.balanceMinor ?? 0), ledgerSum: Number(sum._sum.amountMinor ?? 0) };
}
