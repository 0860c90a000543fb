-- CreateTable
CREATE TABLE "product" (
    "id" UUID NOT NULL,
    "sku" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "guide" TEXT NOT NULL DEFAULT '',
    "price_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "key_batch" (
    "id" SERIAL NOT NULL,
    "product_id" UUID NOT NULL,
    "label" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "key_batch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "card_key" (
    "id" SERIAL NOT NULL,
    "product_id" UUID NOT NULL,
    "batch_id" INTEGER,
    "ciphertext" BYTEA NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "hint" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'available',
    "order_id" VARCHAR(40),
    "reserved_until" TIMESTAMPTZ(3),
    "sold_at" TIMESTAMPTZ(3),
    "void_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "card_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order" (
    "id" VARCHAR(40) NOT NULL,
    "product_id" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_price_cents" INTEGER NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "idempotency_key" VARCHAR(128),
    "request_hash" CHAR(64),
    "payment_provider" VARCHAR(32) NOT NULL,
    "buyer_ip" VARCHAR(64),
    "attention" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "paid_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment" (
    "id" SERIAL NOT NULL,
    "order_id" VARCHAR(40) NOT NULL,
    "provider" VARCHAR(32) NOT NULL,
    "txn_id" VARCHAR(128) NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delivery" (
    "id" SERIAL NOT NULL,
    "order_id" VARCHAR(40) NOT NULL,
    "channel" VARCHAR(16) NOT NULL,
    "recipient" VARCHAR(254) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "message_id" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_event" (
    "id" BIGSERIAL NOT NULL,
    "order_id" VARCHAR(40) NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "step" VARCHAR(64) NOT NULL DEFAULT '',
    "actor" VARCHAR(120) NOT NULL DEFAULT 'system',
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "product_sku_key" ON "product"("sku");

-- CreateIndex
CREATE INDEX "card_key_order_id_idx" ON "card_key"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "card_key_product_id_fingerprint_key" ON "card_key"("product_id", "fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "order_idempotency_key_key" ON "order"("idempotency_key");

-- CreateIndex
CREATE INDEX "order_status_created_at_idx" ON "order"("status", "created_at");

-- CreateIndex
CREATE INDEX "order_email_idx" ON "order"("email");

-- CreateIndex
CREATE INDEX "payment_order_id_idx" ON "payment"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_provider_txn_id_key" ON "payment"("provider", "txn_id");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_order_id_channel_key" ON "delivery"("order_id", "channel");

-- CreateIndex
CREATE UNIQUE INDEX "order_event_order_id_type_step_key" ON "order_event"("order_id", "type", "step");

-- AddForeignKey
ALTER TABLE "key_batch" ADD CONSTRAINT "key_batch_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_key" ADD CONSTRAINT "card_key_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_key" ADD CONSTRAINT "card_key_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "key_batch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_key" ADD CONSTRAINT "card_key_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order" ADD CONSTRAINT "order_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_event" ADD CONSTRAINT "order_event_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Kami: the stock claim walks only unsold keys. A partial index stays small as stock drains, and the
-- entries of keys that were sold are marked dead by index scans, so the claim does not slow down.
CREATE INDEX "card_key_available_idx" ON "card_key"("product_id", "id") WHERE "status" = 'available';

-- Kami: expired checkout holds are found without scanning sold keys.
CREATE INDEX "card_key_reserved_idx" ON "card_key"("reserved_until") WHERE "status" = 'reserved';

-- Kami: a key belongs to at most one order (one row, one order_id); a held or sold key always names it.
ALTER TABLE "card_key" ADD CONSTRAINT "card_key_holder_check" CHECK ("status" NOT IN ('reserved', 'sold') OR "order_id" IS NOT NULL);
ALTER TABLE "card_key" ADD CONSTRAINT "card_key_status_check" CHECK ("status" IN ('available', 'reserved', 'sold', 'void'));
