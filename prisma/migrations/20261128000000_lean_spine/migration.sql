-- Lean order spine: the review sequence belongs to the order (one counter across all its runs), the
-- order names the payment that paid it, a payment knows when it was applied, and a delivery holds a
-- lease while its SMTP hand-off is in flight.

-- AlterTable
ALTER TABLE "order" ADD COLUMN     "payment_id" INTEGER,
ADD COLUMN     "review_key" VARCHAR(80),
ADD COLUMN     "review_seq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "applied_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "delivery" ADD COLUMN     "lease_until" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "order_payment_id_key" ON "order"("payment_id");

-- AddForeignKey
ALTER TABLE "order" ADD CONSTRAINT "order_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Kami: orders from before carry the reviews their runs opened, counted from their timeline.
UPDATE "order" o SET "review_seq" = (SELECT count(*) FROM "order_event" e WHERE e."order_id" = o."id" AND e."type" IN ('in_review', 'backorder'));
-- Kami: a payment that paid an order before this migration was applied to it then.
UPDATE "payment" p SET "applied_at" = p."received_at" WHERE EXISTS (SELECT 1 FROM "order" o WHERE o."id" = p."order_id" AND o."paid_at" IS NOT NULL);
UPDATE "order" o SET "payment_id" = (SELECT min(p."id") FROM "payment" p WHERE p."order_id" = o."id") WHERE o."paid_at" IS NOT NULL;

-- Kami: a payment not yet applied to its order is found without scanning the applied ones.
CREATE INDEX "payment_unapplied_idx" ON "payment"("order_id") WHERE "applied_at" IS NULL;

-- Kami: checkout in one round trip. Finds a retried request by its idempotency key, checks the
-- caller's cached rule settings are current (same product, same versions; otherwise 'stale_rules'), enforces the purchase limit under per-identity advisory
-- locks (each statement of a PL/pgSQL function sees what committed before it, so two checkouts of one
-- buyer see each other), inserts the order, holds its keys through the partial index of available
-- keys (SKIP LOCKED: concurrent checkouts take different rows) and records the event. A shortfall
-- raises SQLSTATE KM001 with the number available, which rolls the whole checkout back.
CREATE FUNCTION "kami_place_order"(
    p_order_id TEXT, p_sku TEXT, p_quantity INTEGER, p_email TEXT, p_email_normalized TEXT, p_phone TEXT,
    p_device_id TEXT, p_buyer_ip TEXT, p_idempotency_key TEXT, p_request_hash TEXT, p_provider TEXT,
    p_expires_at TIMESTAMPTZ, p_product_id UUID, p_global_rules_version INTEGER, p_product_rules_version INTEGER,
    p_limit INTEGER, p_limit_window_ms BIGINT, p_limit_by TEXT[], p_not_counted TEXT[]
) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    v_product "product"%ROWTYPE;
    v_order "order"%ROWTYPE;
    v_lock TEXT;
    v_where TEXT := '';
    v_bought INTEGER;
    v_held INTEGER := 0;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        SELECT * INTO v_order FROM "order" WHERE "idempotency_key" = p_idempotency_key;
        IF FOUND THEN
            RETURN jsonb_build_object('outcome', CASE WHEN v_order."request_hash" = p_request_hash THEN 'existing' ELSE 'idempotency_key_reused' END,
                'orderId', v_order."id", 'status', v_order."status", 'amountCents', v_order."amount_cents", 'currency', v_order."currency",
                'expiresAt', v_order."expires_at");
        END IF;
    END IF;

    SELECT * INTO v_product FROM "product" WHERE "sku" = p_sku;
    IF NOT FOUND OR NOT v_product."active" THEN
        RETURN jsonb_build_object('outcome', 'product_not_found');
    END IF;
    IF v_product."id" IS DISTINCT FROM p_product_id OR v_product."rules_version" <> p_product_rules_version
       OR COALESCE((SELECT "version" FROM "rule_settings" WHERE "id" = 'global'), 0) <> p_global_rules_version THEN
        RETURN jsonb_build_object('outcome', 'stale_rules', 'productId', v_product."id");
    END IF;

    IF p_limit IS NOT NULL THEN
        -- one lock per identity the limit counts, in a fixed order so two checkouts cannot deadlock
        FOR v_lock IN SELECT k FROM unnest(ARRAY[
                CASE WHEN 'email' = ANY(p_limit_by) THEN 'email:' || p_email_normalized END,
                CASE WHEN 'phone' = ANY(p_limit_by) AND p_phone IS NOT NULL THEN 'phone:' || p_phone END,
                CASE WHEN 'device' = ANY(p_limit_by) AND p_device_id IS NOT NULL THEN 'device:' || p_device_id END,
                CASE WHEN 'ip' = ANY(p_limit_by) AND p_buyer_ip IS NOT NULL THEN 'ip:' || p_buyer_ip END]) AS k
            WHERE k IS NOT NULL ORDER BY k LOOP
            PERFORM pg_advisory_xact_lock(hashtextextended('limit:' || v_product."id" || ':' || v_lock, 0));
        END LOOP;
        -- only the identities present, so each one's index serves the count
        IF 'email' = ANY(p_limit_by) THEN v_where := v_where || ' OR "email_normalized" = $3'; END IF;
        IF 'phone' = ANY(p_limit_by) AND p_phone IS NOT NULL THEN v_where := v_where || ' OR "phone" = $4'; END IF;
        IF 'device' = ANY(p_limit_by) AND p_device_id IS NOT NULL THEN v_where := v_where || ' OR "device_id" = $5'; END IF;
        IF 'ip' = ANY(p_limit_by) AND p_buyer_ip IS NOT NULL THEN v_where := v_where || ' OR "buyer_ip" = $6'; END IF;
        IF v_where <> '' THEN
            EXECUTE 'SELECT COALESCE(SUM(COALESCE("approved_quantity", "quantity")), 0)::int FROM "order" WHERE "product_id" = $1'
                || ' AND "created_at" > now() - $2 * interval ''1 millisecond'''
                || ' AND "status" <> ALL($7) AND (' || substr(v_where, 5) || ')'
                INTO v_bought USING v_product."id", p_limit_window_ms, p_email_normalized, p_phone, p_device_id, p_buyer_ip, p_not_counted;
            IF v_bought + p_quantity > p_limit THEN
                RETURN jsonb_build_object('outcome', 'limit_exceeded', 'bought', v_bought);
            END IF;
        END IF;
    END IF;

    INSERT INTO "order" ("id", "product_id", "quantity", "unit_price_cents", "amount_cents", "currency", "email", "status",
        "idempotency_key", "request_hash", "payment_provider", "buyer_ip", "expires_at", "email_normalized", "phone", "device_id", "updated_at")
    VALUES (p_order_id, v_product."id", p_quantity, v_product."price_cents", v_product."price_cents" * p_quantity, v_product."currency",
        p_email, 'awaiting_payment', p_idempotency_key, p_request_hash, p_provider, p_buyer_ip, p_expires_at, p_email_normalized,
        p_phone, p_device_id, now())
    ON CONFLICT ("idempotency_key") DO NOTHING;
    IF NOT FOUND THEN
        -- a concurrent checkout with the same key committed first: answer with its order
        SELECT * INTO v_order FROM "order" WHERE "idempotency_key" = p_idempotency_key;
        RETURN jsonb_build_object('outcome', CASE WHEN v_order."request_hash" = p_request_hash THEN 'existing' ELSE 'idempotency_key_reused' END,
            'orderId', v_order."id", 'status', v_order."status", 'amountCents', v_order."amount_cents", 'currency', v_order."currency",
            'expiresAt', v_order."expires_at");
    END IF;

    -- manual goods are entered by an operator after payment: nothing to hold
    IF v_product."delivery_mode" <> 'manual' THEN
        WITH picked AS (
            SELECT "id" FROM "card_key" WHERE "product_id" = v_product."id" AND "status" = 'available'
            ORDER BY "id" LIMIT p_quantity FOR UPDATE SKIP LOCKED)
        UPDATE "card_key" c SET "status" = 'reserved', "order_id" = p_order_id, "reserved_until" = p_expires_at
        FROM picked WHERE c."id" = picked."id";
        GET DIAGNOSTICS v_held = ROW_COUNT;
        IF v_held < p_quantity THEN
            RAISE EXCEPTION USING ERRCODE = 'KM001', MESSAGE = 'out of stock', DETAIL = v_held::text;
        END IF;
    END IF;

    INSERT INTO "order_event" ("order_id", "type", "data")
    VALUES (p_order_id, 'created', jsonb_build_object('quantity', p_quantity, 'amountCents', v_product."price_cents" * p_quantity, 'heldKeys', v_held));

    RETURN jsonb_build_object('outcome', 'created', 'orderId', p_order_id, 'status', 'awaiting_payment',
        'amountCents', v_product."price_cents" * p_quantity, 'currency', v_product."currency", 'expiresAt', p_expires_at);
END
$$;
