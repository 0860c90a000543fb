-- A retried checkout answers with the price its order was placed at (kami_order_replay gains the
-- order's breakdown and quantity), a product's pricing version also moves when it is switched on or
-- off, and a partner's order without a buyer counts its coupon uses as the channel's
-- (its email_normalized is empty: without this, every channel's buyerless orders would share one
-- per-buyer count).
CREATE OR REPLACE FUNCTION "kami_order_replay"(o "order", p_request_hash TEXT) RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('outcome', CASE WHEN o."request_hash" = p_request_hash THEN 'existing' ELSE 'idempotency_key_reused' END,
        'orderId', o."id", 'status', o."status", 'amountCents', o."amount_cents", 'currency', o."currency",
        'expiresAt', o."expires_at", 'buyerIp', o."buyer_ip", 'quantity', o."quantity", 'priceBreakdown', o."price_breakdown",
        'paymentId', COALESCE(o."payment_id", (SELECT min("id") FROM "payment" WHERE "order_id" = o."id")))
$$;

-- A product switched on or off is repriced too: the cached pricing says whether it is on sale.
DROP TRIGGER "product_repriced" ON "product";
CREATE TRIGGER "product_repriced" BEFORE UPDATE OF "price_cents", "currency", "cost_minor", "active" ON "product" FOR EACH ROW
    WHEN (OLD."price_cents" IS DISTINCT FROM NEW."price_cents" OR OLD."currency" IS DISTINCT FROM NEW."currency"
        OR OLD."cost_minor" IS DISTINCT FROM NEW."cost_minor" OR OLD."active" IS DISTINCT FROM NEW."active")
    EXECUTE FUNCTION "kami_product_repriced"();

-- kami_place_order as in 20261129400000_promotions, with the coupon's buyer as said above.
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
    -- whose coupon uses these are: the buyer, or for a partner's order without one, the channel
    v_coupon_buyer TEXT := COALESCE(NULLIF(p->>'emailNormalized', ''), 'channel:' || COALESCE(p->>'channelId', 'retail'));
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
              AND (u."email_normalized" = v_coupon_buyer OR u."phone" = v_phone OR u."device_id" = v_device);
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
        VALUES (v_order_id, v_coupon."id", v_coupon_buyer, v_phone, v_device, (p->'coupon'->>'discountMinor')::bigint, v_product."currency");
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
