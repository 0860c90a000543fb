-- Device-bound activation (issue 12): a product may need the buyer's device id (a built-in buyer
-- field, `device_id`, checked at checkout like any other). Its first paid order binds the device to
-- one code — a key from stock, or the code the merchant's licence endpoint issued — and every later
-- order of the same product for the same device gets that same code (a copy row, encrypted like a
-- key); no second code is issued.
ALTER TABLE "product" ADD COLUMN "device_bound" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "device_binding" (
    "product_id" UUID NOT NULL,
    "device_id" VARCHAR(128) NOT NULL,
    -- the order that bound it (and, for a licence endpoint, the idempotency key of the merchant's call)
    "order_id" VARCHAR(40) NOT NULL,
    -- the bound code's stock row (the first order's); NULL while the licence call is still pending
    "card_key_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "device_binding_pkey" PRIMARY KEY ("product_id", "device_id")
);
ALTER TABLE "device_binding" ADD CONSTRAINT "device_binding_product_id_fkey"
    FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "device_binding_order_id_idx" ON "device_binding" ("order_id");
