-- Real payments: gateways configured per provider (credentials encrypted), one attempt per gateway
-- order number (switching gateway never collides), every callback kept raw, payments tied to the
-- attempt they pay, and refunds as rows of their own.

-- a gateway may charge in its own currency (USDT)
ALTER TABLE "payment" ALTER COLUMN "currency" SET DATA TYPE VARCHAR(8);

-- an order placed without choosing a gateway (several are enabled) has none until the buyer picks one
ALTER TABLE "order" ALTER COLUMN "payment_provider" DROP NOT NULL;

-- CreateTable
CREATE TABLE "payment_provider" (
    "provider" VARCHAR(16) NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "display_name" VARCHAR(60) NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "credentials" BYTEA,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_provider_pkey" PRIMARY KEY ("provider")
);

-- CreateTable
CREATE TABLE "payment_attempt" (
    "id" SERIAL NOT NULL,
    "order_id" VARCHAR(40) NOT NULL,
    "seq" INTEGER NOT NULL,
    "provider" VARCHAR(16) NOT NULL,
    "gateway_order_no" VARCHAR(40) NOT NULL,
    "gateway_ref" VARCHAR(128),
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "gateway_amount_minor" BIGINT,
    "gateway_currency" VARCHAR(8),
    "status" VARCHAR(16) NOT NULL DEFAULT 'open',
    "pay_url" TEXT,
    "qr_code" TEXT,
    "last_error" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_notification" (
    "id" BIGSERIAL NOT NULL,
    "provider" VARCHAR(16) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "attempt_id" INTEGER,
    "order_id" VARCHAR(40),
    "method" VARCHAR(8),
    "path" VARCHAR(300),
    "headers" JSONB NOT NULL DEFAULT '{}',
    "body" TEXT NOT NULL DEFAULT '',
    "source_ip" VARCHAR(64),
    "verified" BOOLEAN NOT NULL,
    "outcome" VARCHAR(40) NOT NULL,
    "detail" TEXT,
    "txn_id" VARCHAR(128),
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refund" (
    "id" SERIAL NOT NULL,
    "order_id" VARCHAR(40) NOT NULL,
    "payment_id" INTEGER NOT NULL,
    "provider" VARCHAR(16) NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "gateway_refund_id" VARCHAR(128),
    "reference" VARCHAR(200),
    "last_error" TEXT,
    "closed_by" VARCHAR(254),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "attempt_id" INTEGER,
ADD COLUMN     "notification_id" BIGINT,
ADD COLUMN     "verified_by" VARCHAR(16) NOT NULL DEFAULT 'signature',
ADD COLUMN     "confirmed_by" VARCHAR(254),
ADD COLUMN     "gateway_amount_minor" BIGINT,
ADD COLUMN     "gateway_currency" VARCHAR(8);

-- CreateIndex
CREATE UNIQUE INDEX "payment_attempt_gateway_order_no_key" ON "payment_attempt"("gateway_order_no");

-- CreateIndex
CREATE UNIQUE INDEX "payment_attempt_order_id_seq_key" ON "payment_attempt"("order_id", "seq");

-- CreateIndex
CREATE INDEX "payment_attempt_status_created_at_idx" ON "payment_attempt"("status", "created_at");

-- CreateIndex
CREATE INDEX "payment_notification_order_id_idx" ON "payment_notification"("order_id");

-- CreateIndex
CREATE INDEX "payment_notification_received_at_idx" ON "payment_notification"("received_at");

-- CreateIndex
CREATE UNIQUE INDEX "refund_payment_id_key" ON "refund"("payment_id");

-- CreateIndex
CREATE INDEX "refund_status_idx" ON "refund"("status");

-- AddForeignKey
ALTER TABLE "payment_attempt" ADD CONSTRAINT "payment_attempt_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_notification" ADD CONSTRAINT "payment_notification_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "payment_attempt"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_notification" ADD CONSTRAINT "payment_notification_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "payment_attempt"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "payment_notification"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Kami: orders placed before attempts existed get one, under the order id (what their gateway saw).
INSERT INTO "payment_attempt" ("order_id", "seq", "provider", "gateway_order_no", "amount_minor", "currency", "gateway_amount_minor",
    "gateway_currency", "status", "expires_at", "created_at")
SELECT o."id", 1, o."payment_provider", o."id", o."amount_cents", o."currency", o."amount_cents", o."currency",
    CASE WHEN o."payment_id" IS NOT NULL THEN 'paid' WHEN o."status" = 'awaiting_payment' THEN 'open' ELSE 'closed' END, o."expires_at", o."created_at"
FROM "order" o;
UPDATE "payment" p SET "attempt_id" = a."id" FROM "payment_attempt" a WHERE a."order_id" = p."order_id" AND a."seq" = 1;

-- Kami: the attempts of unpaid orders, found for reconciliation without scanning paid ones.
CREATE INDEX "payment_attempt_unpaid_idx" ON "payment_attempt"("created_at") WHERE "status" IN ('open', 'closed');

-- Kami: every order placed with a gateway starts with its first payment attempt, under its own id as
-- the gateway order number, with the provider chosen at checkout (a gateway that must be called first fills in its
-- link or QR code afterwards). A trigger, so no way of creating an order can skip it.
CREATE FUNCTION "kami_first_attempt"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."payment_provider" IS NULL THEN RETURN NEW; END IF;
    INSERT INTO "payment_attempt" ("order_id", "seq", "provider", "gateway_order_no", "amount_minor", "currency",
        "gateway_amount_minor", "gateway_currency", "status", "expires_at")
    VALUES (NEW."id", 1, NEW."payment_provider", NEW."id", NEW."amount_cents", NEW."currency", NEW."amount_cents", NEW."currency",
        'open', NEW."expires_at");
    RETURN NEW;
END
$$;
CREATE TRIGGER "kami_first_attempt" AFTER INSERT ON "order" FOR EACH ROW EXECUTE FUNCTION "kami_first_attempt"();
