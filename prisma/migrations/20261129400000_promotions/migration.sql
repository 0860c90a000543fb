-- Promotions with an explicit stacking policy: coupons (a percentage or a fixed amount off the
-- order, with use limits overall and per buyer, a validity window, product and channel scope) and
-- their uses, time-window sale prices per product, the shop's stacking policy (which kinds combine,
-- in what order, which apply alone, the floor), and each product's cost for that floor. The
-- arithmetic is domain/pricing.ts priceOrder's; checkout stores its breakdown and checks its inputs.

-- What a key costs the shop (the floor keeps promotions from selling below it), and a version of
-- everything a product's price is computed from, so a cached price is checked inside checkout's
-- one statement: a trigger bumps it when the list price, currency or cost changes, or a sale or a
-- tier of the product does.
ALTER TABLE "product" ADD COLUMN "cost_minor" BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN "pricing_version" INTEGER NOT NULL DEFAULT 0,
    ADD CONSTRAINT "product_cost_check" CHECK ("cost_minor" >= 0 AND "cost_minor" <= 1000000000000);

CREATE FUNCTION "kami_product_repriced"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW."pricing_version" := OLD."pricing_version" + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER "product_repriced" BEFORE UPDATE OF "price_cents", "currency", "cost_minor" ON "product" FOR EACH ROW
    WHEN (OLD."price_cents" IS DISTINCT FROM NEW."price_cents" OR OLD."currency" IS DISTINCT FROM NEW."currency" OR OLD."cost_minor" IS DISTINCT FROM NEW."cost_minor")
    EXECUTE FUNCTION "kami_product_repriced"();

CREATE FUNCTION "kami_promotion_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "product" SET "pricing_version" = "pricing_version" + 1
    WHERE "id" IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD."product_id" END, CASE WHEN TG_OP <> 'DELETE' THEN NEW."product_id" END);
    RETURN NULL;
END
$$;
CREATE TRIGGER "channel_price_changed" AFTER INSERT OR UPDATE OR DELETE ON "channel_price" FOR EACH ROW EXECUTE FUNCTION "kami_promotion_changed"();

-- CreateTable: one row, the shop's stacking policy (domain/promotions.ts StackingPolicy); absent = the default
CREATE TABLE "promotion_policy" (
    "id" VARCHAR(16) NOT NULL,
    "policy" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "promotion_policy_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "promotion_policy_one_row" CHECK ("id" = 'shop')
);

-- CreateTable
CREATE TABLE "sale_price" (
    "id" SERIAL NOT NULL,
    "product_id" UUID NOT NULL,
    "label" VARCHAR(100) NOT NULL DEFAULT '',
    "price_minor" BIGINT,
    "percent_off" INTEGER,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3),
    "channels" VARCHAR(40)[] NOT NULL DEFAULT ARRAY['retail']::VARCHAR(40)[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sale_price_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sale_price_terms_check" CHECK (
        ("price_minor" IS NULL) <> ("percent_off" IS NULL)
        AND ("price_minor" IS NULL OR "price_minor" BETWEEN 0 AND 1000000000000) AND ("percent_off" IS NULL OR "percent_off" BETWEEN 1 AND 100)
        AND ("ends_at" IS NULL OR "ends_at" > "starts_at") AND cardinality("channels") >= 1)
);
CREATE INDEX "sale_price_product_id_idx" ON "sale_price"("product_id");
ALTER TABLE "sale_price" ADD CONSTRAINT "sale_price_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TRIGGER "sale_price_changed" AFTER INSERT OR UPDATE OR DELETE ON "sale_price" FOR EACH ROW EXECUTE FUNCTION "kami_promotion_changed"();

-- CreateTable
CREATE TABLE "coupon" (
    "id" SERIAL NOT NULL,
    "code" VARCHAR(32) NOT NULL,
    "description" VARCHAR(200) NOT NULL DEFAULT '',
    "percent_off" INTEGER,
    "amount_off_minor" BIGINT,
    "currency" VARCHAR(8),
    "max_uses" INTEGER,
    "max_uses_per_buyer" INTEGER,
    "starts_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "products" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[],
    "channels" VARCHAR(40)[] NOT NULL DEFAULT ARRAY['retail']::VARCHAR(40)[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "coupon_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "coupon_terms_check" CHECK (
        (("percent_off" IS NOT NULL AND "percent_off" BETWEEN 1 AND 100 AND "amount_off_minor" IS NULL AND "currency" IS NULL)
         OR ("amount_off_minor" IS NOT NULL AND "amount_off_minor" BETWEEN 1 AND 1000000000000 AND "percent_off" IS NULL AND "currency" IS NOT NULL))
        AND ("max_uses" IS NULL OR "max_uses" >= 1) AND ("max_uses_per_buyer" IS NULL OR "max_uses_per_buyer" >= 1)
        AND ("ends_at" IS NULL OR "starts_at" IS NULL OR "ends_at" > "starts_at") AND cardinality("channels") >= 1)
);
-- Kami: a code is one coupon whatever its case (buyers type SPRING10 or spring10)
CREATE UNIQUE INDEX "coupon_code_key" ON "coupon" (lower("code"));

-- every edit is a new version, which checkout compares with the one it priced against
CREATE FUNCTION "kami_coupon_edited"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW."version" := OLD."version" + 1;
    NEW."updated_at" := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER "coupon_edited" BEFORE UPDATE ON "coupon" FOR EACH ROW EXECUTE FUNCTION "kami_coupon_edited"();

-- CreateTable: a coupon's use, reserved with its order in checkout's statement. It counts while the
-- order counts (not expired, cancelled, rejected, refunded or failed: domain/order-status.ts
-- NOT_COUNTED), so an unpaid order that expires gives it back in the same commit as its status.
CREATE TABLE "coupon_use" (
    "order_id" VARCHAR(40) NOT NULL,
    "coupon_id" INTEGER NOT NULL,
    "email_normalized" VARCHAR(254) NOT NULL,
    "phone" VARCHAR(32),
    "device_id" VARCHAR(128),
    "discount_minor" BIGINT NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "coupon_use_pkey" PRIMARY KEY ("order_id")
);
CREATE INDEX "coupon_use_coupon_id_email_normalized_idx" ON "coupon_use"("coupon_id", "email_normalized");
-- Kami: the other identities a buyer's uses are counted by, where given
CREATE INDEX "coupon_use_coupon_id_phone_idx" ON "coupon_use"("coupon_id", "phone") WHERE "phone" IS NOT NULL;
CREATE INDEX "coupon_use_coupon_id_device_id_idx" ON "coupon_use"("coupon_id", "device_id") WHERE "device_id" IS NOT NULL;
ALTER TABLE "coupon_use" ADD CONSTRAINT "coupon_use_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "coupon_use" ADD CONSTRAINT "coupon_use_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Kami: an order is charged its price's final figure, whatever writes it
ALTER TABLE "order" ADD CONSTRAINT "order_amount_is_price_total"
    CHECK ("price_breakdown" IS NULL OR jsonb_typeof("price_breakdown") <> 'object' OR ("price_breakdown"->>'totalMinor')::bigint = "amount_cents");

-- kami_place_order as in 20261129300000_order_buyer_input, with promotions: the pricing and policy
-- versions and the sales the price was computed with are checked (stale_price), and a coupon's use
-- is counted under its row lock and reserved with the order.
CREATE OR REPLACE FUNCTION "kami_place_order"(p JSONB) RETURNS JSONB LANGUAGE plpgsql AS $$
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
    v_partner BOOLEAN := p ? 'channelId';
    v_channel TEXT := COALESCE(p->>'channelId', 'retail');
    v_external TEXT := p->>'externalOrderId';
    v_split BOOLEAN := COALESCE((p->>'split')::boolean, false);
    v_product "product"%ROWTYPE;
    v_order "order"%ROWTYPE;
    v_lock TEXT;
    v_where TEXT := '';
    v_n INTEGER;
    v_needed INTEGER;
    v_hold_ms BIGINT := (p->>'holdMs')::bigint;
    v_expires TIMESTAMPTZ;
    v_held INTEGER := 0;
    v_unit BIGINT;
    v_amount BIGINT;
    v_balance BIGINT;
    v_payment_id INTEGER;
    v_coupon "coupon"%ROWTYPE;
BEGIN
    IF v_key IS NOT NULL THEN
        SELECT * INTO v_order FROM "order" WHERE "idempotency_scope" = v_scope AND "idempotency_key" = v_key;
        IF FOUND THEN RETURN kami_order_replay(v_order, p->>'requestHash'); END IF;
    END IF;
    IF v_external IS NOT NULL THEN
        SELECT * INTO v_order FROM "order" WHERE "channel_id" = v_channel AND "external_order_id" = v_external;
        IF FOUND THEN RETURN kami_order_replay(v_order, p->>'requestHash'); END IF;
    END IF;

    SELECT * INTO v_product FROM "product" WHERE "sku" = p->>'sku';
    IF NOT FOUND OR NOT v_product."active" THEN
        RETURN jsonb_build_object('outcome', 'product_not_found');
    END IF;
    IF v_product."id"::text IS DISTINCT FROM p->>'productId' OR v_product."rules_version" <> (p->>'productRulesVersion')::int
       OR COALESCE((SELECT "version" FROM "rule_settings" WHERE "id" = 'global'), 0) <> (p->>'globalRulesVersion')::int THEN
        RETURN jsonb_build_object('outcome', 'stale_rules', 'productId', v_product."id");
    END IF;
    IF v_partner THEN
        SELECT "rules_version", CASE WHEN "disabled" THEN 1 ELSE 0 END INTO v_n, v_needed FROM "channel" WHERE "id" = v_channel;
        IF NOT FOUND OR v_needed = 1 THEN
            RETURN jsonb_build_object('outcome', 'channel_disabled');
        END IF;
        IF v_n <> (p->>'channelRulesVersion')::int THEN
            RETURN jsonb_build_object('outcome', 'stale_rules', 'productId', v_product."id");
        END IF;
        -- the price was computed from this list price: a product repriced meanwhile is priced again
        IF v_product."price_cents" <> (p->>'listPriceMinor')::bigint OR v_product."currency" <> p->>'currency' THEN
            RETURN jsonb_build_object('outcome', 'stale_price', 'productId', v_product."id");
        END IF;
    END IF;
    -- priced from this product's pricing (list price, cost, sales, tiers) and, with a promotion in
    -- force, the shop's stacking policy: either changed meanwhile, the order is priced again
    IF p ? 'pricingVersion' AND v_product."pricing_version" <> (p->>'pricingVersion')::int
       OR p ? 'policyVersion' AND COALESCE((SELECT "version" FROM "promotion_policy" WHERE "id" = 'shop'), 0) <> (p->>'policyVersion')::int
       -- a sale applied must still be on by the database's clock
       OR p ? 'saleIds' AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(p->'saleIds') s(id) WHERE NOT EXISTS (
           SELECT 1 FROM "sale_price" sp WHERE sp."id" = s.id::int AND sp."product_id" = v_product."id" AND sp."active"
             AND sp."starts_at" <= now() AND (sp."ends_at" IS NULL OR sp."ends_at" > now()))) THEN
        RETURN jsonb_build_object('outcome', 'stale_price', 'productId', v_product."id");
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
                -- a channel that counts on its own counts only its own orders
                || CASE WHEN (p->>'countInChannel')::boolean THEN ' AND "channel_id" = $8' ELSE '' END
                || ' AND (' || substr(v_where, 5) || ')'
                INTO v_n USING v_product."id", (p->>'limitWindowMs')::bigint, v_email, v_phone, v_device, v_ip, v_not_counted, v_channel;
            IF v_n + v_quantity > (p->>'limit')::int THEN
                RETURN jsonb_build_object('outcome', 'limit_exceeded', 'bought', v_n);
            END IF;
        END IF;
    END IF;

    -- a partner's order is paid as it is placed: no unpaid hold to cap or shorten
    IF v_product."delivery_mode" <> 'manual' AND NOT v_partner THEN
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

    -- a coupon's uses are counted under its row's lock, so concurrent checkouts take them one at a
    -- time; a use counts while its order counts (expired, cancelled, rejected… give it back)
    IF p ? 'coupon' THEN
        SELECT * INTO v_coupon FROM "coupon" WHERE "id" = (p->'coupon'->>'id')::int FOR UPDATE;
        IF NOT FOUND OR v_coupon."version" <> (p->'coupon'->>'version')::int THEN
            RETURN jsonb_build_object('outcome', 'stale_price', 'productId', v_product."id");
        END IF;
        IF NOT v_coupon."active" OR now() < COALESCE(v_coupon."starts_at", '-infinity') OR now() >= COALESCE(v_coupon."ends_at", 'infinity') THEN
            RETURN jsonb_build_object('outcome', 'coupon_expired');
        END IF;
        IF v_coupon."max_uses" IS NOT NULL THEN
            SELECT count(*) INTO v_n FROM (SELECT 1 FROM "coupon_use" u JOIN "order" o ON o."id" = u."order_id"
                WHERE u."coupon_id" = v_coupon."id" AND o."status" <> ALL(v_not_counted) LIMIT v_coupon."max_uses") s;
            IF v_n >= v_coupon."max_uses" THEN
                RETURN jsonb_build_object('outcome', 'coupon_used_up', 'byBuyer', false);
            END IF;
        END IF;
        IF v_coupon."max_uses_per_buyer" IS NOT NULL THEN
            SELECT count(*) INTO v_n FROM "coupon_use" u JOIN "order" o ON o."id" = u."order_id"
            WHERE u."coupon_id" = v_coupon."id" AND o."status" <> ALL(v_not_counted)
              AND (u."email_normalized" = v_email OR u."phone" = v_phone OR u."device_id" = v_device);
            IF v_n >= v_coupon."max_uses_per_buyer" THEN
                RETURN jsonb_build_object('outcome', 'coupon_used_up', 'byBuyer', true);
            END IF;
        END IF;
    END IF;

    v_expires := now() + v_hold_ms * interval '1 millisecond';
    v_unit := COALESCE((p->>'unitPriceMinor')::bigint, v_product."price_cents");
    v_amount := COALESCE((p->>'amountMinor')::bigint, v_product."price_cents" * v_quantity);

    INSERT INTO "order" ("id", "product_id", "quantity", "unit_price_cents", "amount_cents", "currency", "email", "status",
        "idempotency_scope", "idempotency_key", "request_hash", "payment_provider", "buyer_ip", "expires_at", "email_normalized",
        "phone", "device_id", "updated_at", "channel_id", "external_order_id", "price_breakdown", "split_delivery", "email_keys",
        "buyer_input", "lookup_secret")
    VALUES (v_order_id, v_product."id", v_quantity, v_unit, v_amount, v_product."currency",
        p->>'email', 'awaiting_payment', CASE WHEN v_key IS NULL THEN NULL ELSE v_scope END, v_key, p->>'requestHash', p->>'provider',
        v_ip, v_expires, v_email, v_phone, v_device, now(), v_channel, v_external, p->'priceBreakdown', v_split,
        COALESCE((p->>'emailKeys')::boolean, true), COALESCE(p->'buyerInput', '{}'), p->>'lookupSecret')
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        -- a concurrent checkout with the same key (or external order id) committed first: answer with its order
        IF v_external IS NOT NULL THEN
            SELECT * INTO v_order FROM "order" WHERE "channel_id" = v_channel AND "external_order_id" = v_external;
        ELSE
            SELECT * INTO v_order FROM "order" WHERE "idempotency_scope" = v_scope AND "idempotency_key" = v_key;
        END IF;
        RETURN kami_order_replay(v_order, p->>'requestHash');
    END IF;
    IF p ? 'coupon' THEN
        INSERT INTO "coupon_use" ("order_id", "coupon_id", "email_normalized", "phone", "device_id", "discount_minor", "currency")
        VALUES (v_order_id, v_coupon."id", v_email, v_phone, v_device, (p->'coupon'->>'discountMinor')::bigint, v_product."currency");
    END IF;

    -- the balance row's lock orders a channel's concurrent debits; the CHECK backs the condition
    IF v_partner AND p->>'provider' = 'balance' AND v_amount > 0 THEN
        UPDATE "channel_balance" SET "balance_minor" = "balance_minor" - v_amount, "updated_at" = now()
        WHERE "channel_id" = v_channel AND "currency" = v_product."currency" AND "balance_minor" >= v_amount
        RETURNING "balance_minor" INTO v_balance;
        IF NOT FOUND THEN
            SELECT "balance_minor" INTO v_balance FROM "channel_balance" WHERE "channel_id" = v_channel AND "currency" = v_product."currency";
            RAISE EXCEPTION USING ERRCODE = 'KM002', MESSAGE = 'insufficient balance', DETAIL = COALESCE(v_balance, 0)::text;
        END IF;
        INSERT INTO "channel_ledger" ("channel_id", "currency", "amount_minor", "balance_after", "kind", "order_id", "created_by")
        VALUES (v_channel, v_product."currency", -v_amount, v_balance, 'order', v_order_id, COALESCE(p->>'keyId', 'system'));
    END IF;

    -- manual goods are entered by an operator after payment: nothing to hold
    IF v_product."delivery_mode" <> 'manual' THEN
        WITH picked AS (
            SELECT "id" FROM "card_key" WHERE "product_id" = v_product."id" AND "status" = 'available'
            ORDER BY "id" LIMIT v_quantity FOR UPDATE SKIP LOCKED)
        UPDATE "card_key" c SET "status" = 'reserved', "order_id" = v_order_id, "reserved_until" = v_expires
        FROM picked WHERE c."id" = picked."id";
        GET DIAGNOSTICS v_held = ROW_COUNT;
        -- a split order takes what there is (at least one key); the rest comes from the backorder path
        IF v_held < v_quantity AND NOT (v_split AND v_held > 0) THEN
            RAISE EXCEPTION USING ERRCODE = 'KM001', MESSAGE = 'out of stock', DETAIL = v_held::text;
        END IF;
    END IF;

    -- paid as placed: the payment the order's run settles (its first attempt comes from the kami_first_attempt trigger)
    IF v_partner THEN
        INSERT INTO "payment" ("order_id", "provider", "txn_id", "amount_cents", "currency", "gateway_amount_minor", "gateway_currency",
            "attempt_id", "verified_by", "confirmed_by")
        SELECT v_order_id, p->>'provider',
            CASE WHEN p->>'provider' = 'balance' THEN v_order_id ELSE v_channel || ':' || (p->>'paymentReference') END,
            v_amount, v_product."currency", v_amount, v_product."currency", a."id",
            CASE WHEN p->>'provider' = 'balance' THEN 'ledger' ELSE 'partner' END, p->>'keyId'
        FROM "payment_attempt" a WHERE a."order_id" = v_order_id AND a."seq" = 1
        RETURNING "id" INTO v_payment_id;
        UPDATE "payment_attempt" SET "status" = 'paid', "updated_at" = now() WHERE "order_id" = v_order_id AND "seq" = 1;
    END IF;

    INSERT INTO "order_event" ("order_id", "type", "data")
    VALUES (v_order_id, 'created', jsonb_build_object('quantity', v_quantity, 'amountCents', v_amount, 'heldKeys', v_held, 'holdMs', v_hold_ms)
        || CASE WHEN v_partner THEN jsonb_build_object('channelId', v_channel, 'externalOrderId', v_external) ELSE '{}' END
        || CASE WHEN p ? 'coupon' THEN jsonb_build_object('coupon', v_coupon."code") ELSE '{}' END);

    RETURN jsonb_build_object('outcome', 'created', 'orderId', v_order_id, 'status', 'awaiting_payment',
        'amountCents', v_amount, 'currency', v_product."currency", 'expiresAt', v_expires, 'paymentId', v_payment_id, 'heldKeys', v_held);
END
$$;
