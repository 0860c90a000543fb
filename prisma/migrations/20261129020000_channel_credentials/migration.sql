-- A partner channel's API credentials: a public key id and a secret both sides HMAC with. The secret
-- is kept encrypted under the master key (Kami must recompute signatures, so it cannot be a hash);
-- rotation gives the old key an end (`expires_at`) so the partner can switch without downtime.
CREATE TABLE "channel_credential" (
    "key_id" VARCHAR(40) NOT NULL,
    "channel_id" VARCHAR(40) NOT NULL,
    "secret" BYTEA NOT NULL,
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "channel_credential_pkey" PRIMARY KEY ("key_id")
);
CREATE INDEX "channel_credential_channel_id_idx" ON "channel_credential"("channel_id");
ALTER TABLE "channel_credential" ADD CONSTRAINT "channel_credential_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Nonces of signed requests seen within the signature window: a replay is refused.
CREATE TABLE "channel_nonce" (
    "key_id" VARCHAR(40) NOT NULL,
    "nonce" VARCHAR(64) NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_nonce_pkey" PRIMARY KEY ("key_id", "nonce")
);
CREATE INDEX "channel_nonce_seen_at_idx" ON "channel_nonce"("seen_at");
