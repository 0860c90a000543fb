-- AlterTable
ALTER TABLE "product" ADD COLUMN     "delivery_mode" VARCHAR(16) NOT NULL DEFAULT 'auto',
ADD COLUMN     "low_stock_threshold" INTEGER NOT NULL DEFAULT 10,
ADD COLUMN     "rules" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "rules_version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "order" ADD COLUMN     "approved_quantity" INTEGER,
ADD COLUMN     "device_id" VARCHAR(128),
ADD COLUMN     "email_normalized" VARCHAR(254) NOT NULL DEFAULT '',
ADD COLUMN     "payment_account" VARCHAR(128),
ADD COLUMN     "phone" VARCHAR(32),
ADD COLUMN     "refund_cents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "review_deadline" TIMESTAMPTZ(3),
ADD COLUMN     "review_reasons" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "review_since" TIMESTAMPTZ(3),
ADD COLUMN     "rule_decision" JSONB;

-- Kami: orders placed before identities existed count under their lower-cased email.
UPDATE "order" SET "email_normalized" = lower("email") WHERE "email_normalized" = '';
ALTER TABLE "order" ALTER COLUMN "email_normalized" DROP DEFAULT;

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "account" VARCHAR(128);

-- CreateTable
CREATE TABLE "rule_settings" (
    "id" VARCHAR(16) NOT NULL,
    "settings" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rule_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "blacklist_entry" (
    "id" SERIAL NOT NULL,
    "kind" VARCHAR(24) NOT NULL,
    "value" VARCHAR(254) NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blacklist_entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "order_product_id_email_normalized_created_at_idx" ON "order"("product_id", "email_normalized", "created_at");

-- CreateIndex
CREATE INDEX "order_email_normalized_created_at_idx" ON "order"("email_normalized", "created_at");

-- CreateIndex
CREATE INDEX "order_buyer_ip_created_at_idx" ON "order"("buyer_ip", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "blacklist_entry_kind_value_key" ON "blacklist_entry"("kind", "value");
