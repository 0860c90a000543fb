-- Sales channels: where an order comes from. `retail` (the storefront and the public API) is built
-- in; partner channels (a mall, a reseller, a bot) are created by owners and call the partner API.
-- This is the seam the channel features build on (credentials, balances, price lists, webhooks).
CREATE TABLE "channel" (
    "id" VARCHAR(40) NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "rules" JSONB NOT NULL DEFAULT '{}',
    "rules_version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "channel_kind_check" CHECK ("kind" IN ('retail', 'mall', 'reseller', 'bot'))
);

INSERT INTO "channel" ("id", "name", "kind") VALUES ('retail', 'Storefront and public API', 'retail');

-- every order so far came through retail; a partner's order carries the partner's own order id
ALTER TABLE "order" ADD COLUMN "channel_id" VARCHAR(40) NOT NULL DEFAULT 'retail',
    ADD COLUMN "external_order_id" VARCHAR(64);
ALTER TABLE "order" ADD CONSTRAINT "order_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- a partner's retry finds its order, never a second one
CREATE UNIQUE INDEX "order_channel_id_external_order_id_key" ON "order"("channel_id", "external_order_id");
