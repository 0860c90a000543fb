-- Ordering through a channel: partners' prepaid balances (an append-only ledger and a balance per
-- channel and currency that can never go below zero), their price lists with quantity tiers, the
-- price breakdown and delivery terms each order was placed with, and the partner path of checkout.

-- AlterTable
ALTER TABLE "order" ADD COLUMN "price_breakdown" JSONB,
    ADD COLUMN "split_delivery" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "email_keys" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "channel_price" (
    "channel_id" VARCHAR(40) NOT NULL,
    "product_id" UUID NOT NULL,
    "min_quantity" INTEGER NOT NULL,
    "unit_price_minor" BIGINT NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_price_pkey" PRIMARY KEY ("channel_id", "product_id", "min_quantity"),
    CONSTRAINT "channel_price_tier_check" CHECK ("min_quantity" >= 1 AND "unit_price_minor" >= 0 AND "unit_price_minor" <= 1000000000000)
);

-- CreateTable
CREATE TABLE "channel_balance" (
    "channel_id" VARCHAR(40) NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "balance_minor" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_balance_pkey" PRIMARY KEY ("channel_id", "currency"),
    -- Kami: a balance can never go below zero, whatever writes it
    CONSTRAINT "channel_balance_never_negative" CHECK ("balance_minor" >= 0)
);

-- CreateTable
CREATE TABLE "channel_ledger" (
    "id" BIGSERIAL NOT NULL,
    "channel_id" VARCHAR(40) NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "balance_after" BIGINT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "order_id" VARCHAR(40),
    "refund_id" INTEGER,
    "note" TEXT NOT NULL DEFAULT '',
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_ledger_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "channel_ledger_entry_check" CHECK ("amount_minor" <> 0 AND "balance_after" >= 0
        AND "kind" IN ('deposit', 'adjustment', 'order', 'refund')
        AND ("kind" <> 'order' OR ("order_id" IS NOT NULL AND "amount_minor" < 0))
        AND ("kind" <> 'refund' OR ("refund_id" IS NOT NULL AND "amount_minor" > 0))
        AND ("kind" <> 'deposit' OR "amount_minor" > 0))
);

-- CreateIndex
CREATE INDEX "channel_ledger_channel_id_id_idx" ON "channel_ledger"("channel_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "channel_ledger_refund_id_key" ON "channel_ledger"("refund_id");

-- Kami: an order debits its channel once
CREATE UNIQUE INDEX "channel_ledger_order_debit_key" ON "channel_ledger"("order_id") WHERE "kind" = 'order';

-- AddForeignKey
ALTER TABLE "channel_price" ADD CONSTRAINT "channel_price_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "channel_price" ADD CONSTRAINT "channel_price_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "channel_balance" ADD CONSTRAINT "channel_balance_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "channel_ledger" ADD CONSTRAINT "channel_ledger_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "channel_ledger" ADD CONSTRAINT "channel_ledger_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "channel_ledger" ADD CONSTRAINT "channel_ledger_refund_id_fkey" FOREIGN KEY ("refund_id") REFERENCES "refund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Kami: the ledger is append-only; a correction is a new entry
CREATE FUNCTION "channel_ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'channel_ledger is append-only';
END
$$;
CREATE TRIGGER "channel_ledger_append_only" BEFORE UPDATE OR DELETE ON "channel_ledger" FOR EACH ROW EXECUTE FUNCTION "channel_ledger_append_only"();

-- Kami: what a retried checkout (same Idempotency-Key, or a partner's same external order id) answers.
CREATE FUNCTION "kami_order_replay"(o "order", p_request_hash TEXT) RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('outcome', CASE WHEN o."request_hash" = p_request_hash THEN 'existing' ELSE 'idempotency_key_reused' END,
        'orderId', o."id", 'status', o."status", 'amountCents', o."amount_cents", 'currency', o."currency",
        'expiresAt', o."expires_at", 'buyerIp', o."buyer_ip",
        'paymentId', COALESCE(o."payment_id", (SELECT min("id") FROM "payment" WHERE "order_id" = o."id")))
$$;

-- Kami: checkout in one round trip, taking one JSON argument (see infra/checkout-store.ts for its
-- fields). The retail path is as before (20261128200000_fair_holds). A partner's request (it carries
-- `channelId`) differs only where said: its retry is found by (channel, external order id); its
-- price, already computed by domain/pricing.ts against the list price given, is taken as is once that
-- list price and the channel's rule version are checked current; it is paid at checkout, so the
-- caps on unpaid holds do not apply; it debits the channel's balance (SQLSTATE KM002 with the balance
-- when short: the whole checkout rolls back) or records the partner's own payment reference; a
-- channel that allows splitting takes what stock there is (at least one key) and the rest follows
-- from the backorder path; and the payment is stored in the same transaction as the hold, so the
-- order's run settles it like any other.
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
    v_expires := now() + v_hold_ms * interval '1 millisecond';
    v_unit := COALESCE((p->>'unitPriceMinor')::bigint, v_product."price_cents");
    v_amount := COALESCE((p->>'amountMinor')::bigint, v_product."price_cents" * v_quantity);

    INSERT INTO "order" ("id", "product_id", "quantity", "unit_price_cents", "amount_cents", "currency", "email", "status",
        "idempotency_scope", "idempotency_key", "request_hash", "payment_provider", "buyer_ip", "expires_at", "email_normalized",
        "phone", "device_id", "updated_at", "channel_id", "external_order_id", "price_breakdown", "split_delivery", "email_keys")
    VALUES (v_order_id, v_product."id", v_quantity, v_unit, v_amount, v_product."currency",
        p->>'email', 'awaiting_payment', CASE WHEN v_key IS NULL THEN NULL ELSE v_scope END, v_key, p->>'requestHash', p->>'provider',
        v_ip, v_expires, v_email, v_phone, v_device, now(), v_channel, v_external, p->'priceBreakdown', v_split,
        COALESCE((p->>'emailKeys')::boolean, true))
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
        || CASE WHEN v_partner THEN jsonb_build_object('channelId', v_channel, 'externalOrderId', v_external) ELSE '{}' END);

    RETURN jsonb_build_object('outcome', 'created', 'orderId', v_order_id, 'status', 'awaiting_payment',
        'amountCents', v_amount, 'currency', v_product."currency", 'expiresAt', v_expires, 'paymentId', v_payment_id, 'heldKeys', v_held);
END
$$;
