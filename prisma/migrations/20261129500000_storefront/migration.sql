-- The storefront and what buyers tell the shop after delivery.

-- The shop as the storefront shows it: one row, edited by owners in the panel. The logo is an image
-- uploaded there (type and size checked by the API), served at /shop/logo with its content type.
CREATE TABLE "shop_settings" (
    "id" VARCHAR(16) NOT NULL DEFAULT 'shop',
    "name" VARCHAR(80) NOT NULL DEFAULT '',
    "notice" VARCHAR(500) NOT NULL DEFAULT '',
    "footer" VARCHAR(500) NOT NULL DEFAULT '',
    "logo" BYTEA,
    "logo_type" VARCHAR(32),
    -- bumped on every change: the storefront's cached copy and the logo's URL follow it
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shop_settings_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "shop_settings_one_row" CHECK ("id" = 'shop')
);

-- A buyer's rating (1–5) and comment on a delivered order: one per order, editable for a while.
CREATE TABLE "order_feedback" (
    "order_id" VARCHAR(40) NOT NULL,
    "product_id" UUID NOT NULL,
    "rating" SMALLINT NOT NULL,
    "comment" VARCHAR(1000) NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_feedback_pkey" PRIMARY KEY ("order_id"),
    CONSTRAINT "order_feedback_rating" CHECK ("rating" BETWEEN 1 AND 5)
);
CREATE INDEX "order_feedback_product_id_created_at_idx" ON "order_feedback"("product_id", "created_at");
ALTER TABLE "order_feedback" ADD CONSTRAINT "order_feedback_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "order_feedback" ADD CONSTRAINT "order_feedback_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A buyer's "this key did not work": one row per report that opened a review on the order (the key
-- by id, never its text), with the key's product and import batch, so report rates per product and
-- per batch are counted without reading the orders' histories.
CREATE TABLE "key_report" (
    "id" SERIAL NOT NULL,
    "order_id" VARCHAR(40) NOT NULL,
    "card_key_id" INTEGER NOT NULL,
    "product_id" UUID NOT NULL,
    "batch_id" INTEGER,
    "reason" VARCHAR(500) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "key_report_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "key_report_batch_id_idx" ON "key_report"("batch_id");
CREATE INDEX "key_report_product_id_idx" ON "key_report"("product_id");
CREATE INDEX "key_report_order_id_idx" ON "key_report"("order_id");
ALTER TABLE "key_report" ADD CONSTRAINT "key_report_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "key_report" ADD CONSTRAINT "key_report_card_key_id_fkey" FOREIGN KEY ("card_key_id") REFERENCES "card_key"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "key_report" ADD CONSTRAINT "key_report_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "key_report" ADD CONSTRAINT "key_report_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "key_batch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Keys sold per batch (the denominator of a batch's report rate) without scanning every key.
CREATE INDEX "card_key_batch_id_idx" ON "card_key"("batch_id");
