import { randomBytes } from 'node:crypto';
import type { KeyVault } from '../crypto.js';
import type { Db } from '../db.js';

/**
 * A partner channel's API credentials (table channel_credential). The secret is shown once, when it
 * is issued; Kami keeps it encrypted (it must recompute HMACs), bound to its key id. Rotation issues a
 * new key and gives the channel's older keys an end, so a partner switches without a gap; revocation
 * ends a key at once.
 */
export interface IssuedCredential { keyId: string; secret: string }
export interface UsableCredential { keyId: string; channelId: string; secret: string }
/** A credential a partner's request names, with the channel it speaks for (read in the same query). */
export interface PartnerCredential extends UsableCredential { channel: { name: string; kind: string; settings: unknown } }

const aad = (keyId: string) => `channel-credential:${keyId}`;

/** Issues a key for `channelId`. With `retireOthersAt`, the channel's other live keys end then (rotation). */
export async function issueCredential(db: Db, vault: KeyVault, channelId: string, actor: string, retireOthersAt?: Date): Promise<IssuedCredential> {
  const keyId = `ck_${randomBytes(12).toString('base64url')}`;
  const secret = `cs_${randomBytes(32).toString('base64url')}`;
  await db.$transaction(async (tx) => {
    if (retireOthersAt) {
      await tx.channelCredential.updateMany({
        where: { channelId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: retireOthersAt } }] },
        data: { expiresAt: retireOthersAt },
      });
    }
    await tx.channelCredential.create({ data: { keyId, channelId, secret: vault.encrypt(secret, aad(keyId)), createdBy: actor } });
  });
  return { keyId, secret };
}

export async function revokeCredential(db: Db, keyId: string): Promise<boolean> {
  const { count } = await db.channelCredential.updateMany({ where: { keyId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}

const live = (now: Date) => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }], channel: { disabled: false } });

/** The credential a request names, if it may still be used (not revoked, not past its end, channel enabled), with its channel. */
export async function credentialFor(db: Db, vault: KeyVault, keyId: string, now = new Date()): Promise<PartnerCredential | null> {
  const row = await db.channelCredential.findFirst({
    where: { keyId, ...live(now) },
    select: { keyId: true, channelId: true, secret: true, channel: { select: { name: true, kind: true, settings: true } } },
  });
  return row && { keyId: row.keyId, channelId: row.channelId, secret: vault.decrypt(row.secret, aad(row.keyId)), channel: row.channel };
}

/** The channel's newest live credential: what Kami signs its webhooks to the channel with. */
export async function signingCredential(db: Db, vault: KeyVault, channelId: string, now = new Date()): Promise<UsableCredential | null> {
  const row = await db.channelCredential.findFirst({
    where: { channelId, ...live(now) }, orderBy: { createdAt: 'desc' }, select: { keyId: true, channelId: true, secret: true },
  });
  return row && { keyId: row.keyId, channelId: row.channelId, secret: vault.decrypt(row.secret, aad(row.keyId)) };
}

/**
 * Remembers a request's nonce; false when it was seen before (a replay). A first use also marks the
 * key used (at most once a minute, so a busy partner does not rewrite its row on every call). Nonces
 * older than twice the signature window are swept now and then: by then their timestamps are refused anyway.
 */
export async function firstUseOfNonce(db: Db, keyId: string, nonce: string, windowS: number): Promise<boolean> {
  const [{ inserted }] = await db.$queryRaw<[{ inserted: number }]>`
    WITH n AS (INSERT INTO channel_nonce (key_id, nonce) VALUES (${keyId}, ${nonce}) ON CONFLICT DO NOTHING RETURNING 1),
    used AS (UPDATE channel_credential SET last_used_at = now()
      WHERE key_id = ${keyId} AND EXISTS (SELECT 1 FROM n) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
    SELECT (SELECT count(*) FROM n)::int AS inserted`;
  if (inserted === 1 && Math.random() < 0.01) {
    await db.$executeRaw`DELETE FROM channel_nonce WHERE seen_at < now() - make_interval(secs => ${windowS * 2})`;
  }
  return inserted === 1;
}
