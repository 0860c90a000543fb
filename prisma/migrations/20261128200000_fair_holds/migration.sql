-- Fair holds: an Idempotency-Key is scoped to its caller and stored as a hash (for an anonymous
-- caller the key itself is the secret that opens a replay); unpaid holds are capped per address and
-- per buyer at that address, one buyer cannot hold most of a product's stock, holds shrink when
-- stock runs low, and a purchase limit counts unpaid holds only against the address that placed them.

-- AlterTable
ALTER TABLE "order" ADD COLUMN     "idempotency_scope" VARCHAR(64);

-- Kami: keys stored before were the raw text; from now on only their sha256 is kept.
UPDATE "order" SET "idempotency_scope" = 'public', "idempotency_key" = encode(sha256(convert_to("idempotency_key", 'UTF8')), 'hex')
WHERE "idempotency_key" IS NOT NULL;

-- DropIndex
DROP INDEX "order_idempotency_key_key";

-- CreateIndex
CREATE UNIQUE INDEX "order_idempotency_scope_idempotency_key_key" ON "order"("idempotency_scope", "idempotency_key");

-- Kami: unpaid holds are counted per address and per buyer without scanning paid orders.
CREATE INDEX "order_unpaid_ip_idx" ON "order"("buyer_ip") WHERE "status" = 'awaiting_payment';

DROP FUNCTION "kami_place_order"(TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TIMESTAMPTZ, UUID, INTEGER, INTEGER,
    INTEGER, BIGINT, TEXT[], TEXT[]);

-- Kami: checkout in one round trip, taking one JSON argument (see infra/checkout-store.ts for its fields).
-- Finds a retried request by (scope, key hash); checks the caller's cached rule settings are current;
-- under advisory locks per counted identity and per address (taken in a fixed order, so two
-- checkouts cannot deadlock; each statement of a PL/pgSQL function sees what committed before it):
-- caps the unpaid holds of the address and of this buyer at it, enforces the purchase limit
-- (settled orders by any identity, unpaid holds only from this address), and refuses a hold larger
-- than the product's stock allows one buyer. Then inserts the order (hold shortened when little
-- stock is left), holds its keys through the partial index of available keys (SKIP LOCKED) and
-- records the event. A shortfall raises SQLSTATE KM001 with the number available, which rolls the
-- whole checkout back.
CREATE FUNCTION "kami_place_order"(p JSONB) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    v_order_id TEXT := p->>'orderId';
    v_quantity INTEGER := (p->>'quantity')::int;
    v_email TEXT := p->>'emailNormalized';
    v_phone TEXT := p->>'phone';
    v_device TEXT := p->>'deviceId';
    v_ip TEXT := p->>'ip';
    v_scope TEXT := p->>'idempotencyScope';
    v_key TEXT := p->>'idempotencyKey';
    v_limit_by TEXT[] := ARRAY(SELECT jsonb_array_elements_text(COALESCE(p->'limitBy', '[]')));
    v_not_counted TEXT[] := ARRAY(SELECT jsonb_array_elements_text(COALESCE(p->'notCounted', '[]')));
    v_product "product"%ROWTYPE;
    v_order "order"%ROWTYPE;
    v_lock TEXT;
    v_where TEXT := '';
    v_n INTEGER;
    v_needed INTEGER;
    v_hold_ms BIGINT := (p->>'holdMs')::bigint;
    v_expires TIMESTAMPTZ;
    v_held INTEGER := 0;
BEGIN
    IF v_key IS NOT NULL THEN
        SELECT * INTO v_order FROM "order" WHERE "idempotency_scope" = v_scope AND "idempotency_key" = v_key;
        IF FOUND THEN
            RETURN jsonb_build_object('outcome', CASE WHEN v_order."request_hash" = p->>'requestHash' THEN 'existing' ELSE 'idempotency_key_reused' END,
                'orderId', v_order."id", 'status', v_order."status", 'amountCents', v_order."amount_cents", 'currency', v_order."currency",
                'expiresAt', v_order."expires_at", 'buyerIp', v_order."buyer_ip");
        END IF;
    END IF;

    SELECT * INTO v_product FROM "product" WHERE "sku" = p->>'sku';
    IF NOT FOUND OR NOT v_product."active" THEN
        RETURN jsonb_build_object('outcome', 'product_not_found');
    END IF;
    IF v_product."id"::text IS DISTINCT FROM p->>'productId' OR v_product."rules_version" <> (p->>'productRulesVersion')::int
       OR COALESCE((SELECT "version" FROM "rule_settings" WHERE "id" = 'global'), 0) <> (p->>'globalRulesVersion')::int THEN
        RETURN jsonb_build_object('outcome', 'stale_rules', 'productId', v_product."id");
    END IF;

    -- one lock per identity the limit counts and one for the address, in a fixed order
    FOR v_lock IN SELECT k FROM unnest(ARRAY[
            CASE WHEN p->'limit' <> 'null' AND 'email' = ANY(v_limit_by) THEN 'limit:' || v_product."id" || ':email:' || v_email END,
            CASE WHEN p->'limit' <> 'null' AND 'phone' = ANY(v_limit_by) AND v_phone IS NOT NULL THEN 'limit:' || v_product."id" || ':phone:' || v_phone END,
            CASE WHEN p->'limit' <> 'null' AND 'device' = ANY(v_limit_by) AND v_device IS NOT NULL THEN 'limit:' || v_product."id" || ':device:' || v_device END,
            CASE WHEN v_ip IS NOT NULL THEN 'holds:ip:' || v_ip END]) AS k
        WHERE k IS NOT NULL ORDER BY k LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended(v_lock, 0));
    END LOOP;

    IF v_ip IS NOT NULL THEN
        SELECT count(*), count(*) FILTER (WHERE "email_normalized" = v_email) INTO v_n, v_needed
        FROM "order" WHERE "status" = 'awaiting_payment' AND "buyer_ip" = v_ip;
        IF v_n >= (p->>'maxUnpaidPerAddress')::int OR v_needed >= (p->>'maxUnpaidPerBuyer')::int THEN
            RETURN jsonb_build_object('outcome', 'too_many_unpaid', 'unpaid', GREATEST(v_n, v_needed),
                'perAddress', v_n >= (p->>'maxUnpaidPerAddress')::int);
        END IF;
    END IF;

    IF p->'limit' <> 'null' THEN
        -- only the identities present, so each one's index serves the count
        IF 'email' = ANY(v_limit_by) THEN v_where := v_where || ' OR "email_normalized" = $3'; END IF;
        IF 'phone' = ANY(v_limit_by) AND v_phone IS NOT NULL THEN v_where := v_where || ' OR "phone" = $4'; END IF;
        IF 'device' = ANY(v_limit_by) AND v_device IS NOT NULL THEN v_where := v_where || ' OR "device_id" = $5'; END IF;
        IF 'ip' = ANY(v_limit_by) AND v_ip IS NOT NULL THEN v_where := v_where || ' OR "buyer_ip" = $6'; END IF;
        IF v_where <> '' THEN
            -- an unpaid hold counts only against the address that placed it: anyone can type someone else's email
            EXECUTE 'SELECT COALESCE(SUM(COALESCE("approved_quantity", "quantity")), 0)::int FROM "order" WHERE "product_id" = $1'
                || ' AND "created_at" > now() - $2 * interval ''1 millisecond'' AND "status" <> ALL($7)'
                || ' AND ("status" <> ''awaiting_payment'' OR "buyer_ip" IS NOT DISTINCT FROM $6)'
                || ' AND (' || substr(v_where, 5) || ')'
                INTO v_n USING v_product."id", (p->>'limitWindowMs')::bigint, v_email, v_phone, v_device, v_ip, v_not_counted;
            IF v_n + v_quantity > (p->>'limit')::int THEN
                RETURN jsonb_build_object('outcome', 'limit_exceeded', 'bought', v_n);
            END IF;
        END IF;
    END IF;

    IF v_product."delivery_mode" <> 'manual' THEN
        -- one buyer may hold at most this share of the stock (a few keys are always allowed); counted
        -- only as far as needed, through the partial index of available keys
        IF v_quantity > (p->>'holdShareFloor')::int THEN
            v_needed := ceil(v_quantity * 100.0 / (p->>'maxHoldSharePercent')::int)::int;
            SELECT count(*) INTO v_n FROM (SELECT 1 FROM "card_key" WHERE "product_id" = v_product."id" AND "status" = 'available' LIMIT v_needed) s;
            IF v_n < v_needed AND v_n >= v_quantity THEN
                RETURN jsonb_build_object('outcome', 'hold_too_large',
                    'allowed', GREATEST((p->>'holdShareFloor')::int, floor(v_n * (p->>'maxHoldSharePercent')::int / 100.0)::int));
            END IF;
        END IF;
        -- little stock left after this hold: it lasts the shorter, contended hold
        SELECT count(*) INTO v_n FROM (SELECT 1 FROM "card_key" WHERE "product_id" = v_product."id" AND "status" = 'available'
            LIMIT v_quantity + (p->>'scarceStock')::int) s;
        IF v_n - v_quantity < (p->>'scarceStock')::int THEN v_hold_ms := LEAST(v_hold_ms, (p->>'scarceHoldMs')::bigint); END IF;
    END IF;
    v_expires := now() + v_hold_ms * interval '1 millisecond';

    INSERT INTO "order" ("id", "product_id", "quantity", "unit_price_cents", "amount_cents", "currency", "email", "status",
        "idempotency_scope", "idempotency_key", "request_hash", "payment_provider", "buyer_ip", "expires_at", "email_normalized",
        "phone", "device_id", "updated_at")
    VALUES (v_order_id, v_product."id", v_quantity, v_product."price_cents", v_product."price_cents" * v_quantity, v_product."currency",
        p->>'email', 'awaiting_payment', CASE WHEN v_key IS NULL THEN NULL ELSE v_scope END, v_key, p->>'requestHash', p->>'provider',
        v_ip, v_expires, v_email, v_phone, v_device, now())
    ON CONFLICT ("idempotency_scope", "idempotency_key") DO NOTHING;
    IF NOT FOUND THEN
        -- a concurrent checkout with the same key committed first: answer with its order
        SELECT * INTO v_order FROM "order" WHERE "idempotency_scope" = v_scope AND "idempotency_key" = v_key;
        RETURN jsonb_build_object('outcome', CASE WHEN v_order."request_hash" = p->>'requestHash' THEN 'existing' ELSE 'idempotency_key_reused' END,
            'orderId', v_order."id", 'status', v_order."status", 'amountCents', v_order."amount_cents", 'currency', v_order."currency",
            'expiresAt', v_order."expires_at", 'buyerIp', v_order."buyer_ip");
    END IF;

    -- manual goods are entered by an operator after payment: nothing to hold
    IF v_product."delivery_mode" <> 'manual' THEN
        WITH picked AS (
            SELECT "id" FROM "card_key" WHERE "product_id" = v_product."id" AND "status" = 'available'
            ORDER BY "id" LIMIT v_quantity FOR UPDATE SKIP LOCKED)
        UPDATE "card_key" c SET "status" = 'reserved', "order_id" = v_order_id, "reserved_until" = v_expires
        FROM picked WHERE c."id" = picked."id";
        GET DIAGNOSTICS v_held = ROW_COUNT;
        IF v_held < v_quantity THEN
            RAISE EXCEPTION USING ERRCODE = 'KM001', MESSAGE = 'out of stock', DETAIL = v_held::text;
        END IF;
    END IF;

    INSERT INTO "order_event" ("order_id", "type", "data")
    VALUES (v_order_id, 'created', jsonb_build_object('quantity', v_quantity, 'amountCents', v_product."price_cents" * v_quantity,
        'heldKeys', v_held, 'holdMs', v_hold_ms));

    RETURN jsonb_build_object('outcome', 'created', 'orderId', v_order_id, 'status', 'awaiting_payment',
        'amountCents', v_product."price_cents" * v_quantity, 'currency', v_product."currency", 'expiresAt', v_expires);
END
$$;
