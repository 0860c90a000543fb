-- Merchant fulfilment (issue 12): a manual-delivery product may be fulfilled by the merchant's own
-- system. Its endpoint (kind `fulfilment`; later kinds share the table) has a URL and a signing
-- secret Kami generated, shown once and kept encrypted (AES-256-GCM under the master key, associated
-- data `product-endpoint:<key_id>`), never in a product record.
CREATE TABLE "product_endpoint" (
    "product_id" UUID NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "key_id" VARCHAR(40) NOT NULL,
    "secret" BYTEA NOT NULL,
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "product_endpoint_pkey" PRIMARY KEY ("product_id", "kind"),
    CONSTRAINT "product_endpoint_kind_check" CHECK ("kind" IN ('fulfilment', 'licence'))
);
ALTER TABLE "product_endpoint" ADD CONSTRAINT "product_endpoint_product_id_fkey"
    FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One order's call to its merchant: calling → fulfilled | refused | failed (kept failing: the order
-- waits for an operator). The receipt the buyer sees is the order's sold card_key (card_key_id),
-- encrypted like any key; the merchant's reference and refusal are plain text for the operator.
CREATE TABLE "order_fulfilment" (
    "order_id" VARCHAR(40) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" VARCHAR(1000),
    "reference" VARCHAR(200),
    "refusal" VARCHAR(1000),
    "card_key_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "order_fulfilment_pkey" PRIMARY KEY ("order_id")
);
ALTER TABLE "order_fulfilment" ADD CONSTRAINT "order_fulfilment_order_id_fkey"
    FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
