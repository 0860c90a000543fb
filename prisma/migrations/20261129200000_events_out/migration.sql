-- Events out: signed webhooks to channels and merchant notifications (email, Telegram), fed by the
-- order's own recorded facts (order_event) through a transactional outbox.

-- A channel's HTTPS endpoint and the event types it subscribes to (`order.paid`, `stock.low`, …).
CREATE TABLE "webhook_endpoint" (
    "id" SERIAL NOT NULL,
    "channel_id" VARCHAR(40) NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "events" TEXT[] NOT NULL,
    -- order.delivered carries the keys only when the channel's owner opted in for this endpoint
    "include_keys" BOOLEAN NOT NULL DEFAULT false,
    "description" VARCHAR(200) NOT NULL DEFAULT '',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_by" VARCHAR(254) NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_endpoint_channel_id_idx" ON "webhook_endpoint"("channel_id");
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The event stream: one row per outgoing event, its id stable (derived from the fact it reports), so a
-- receiver de-duplicates by it however often it is sent. The body's data never holds a key.
CREATE TABLE "outbound_event" (
    "id" VARCHAR(40) NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "order_id" VARCHAR(40),
    "product_id" UUID,
    "channel_id" VARCHAR(40),
    "data" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbound_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "outbound_event_order_id_idx" ON "outbound_event"("order_id");

-- One event to one endpoint: queued → delivering → delivered | failed (given up after the retry period).
CREATE TABLE "webhook_delivery" (
    "id" SERIAL NOT NULL,
    "event_id" VARCHAR(40) NOT NULL,
    "endpoint_id" INTEGER NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_delivery_event_id_endpoint_id_key" ON "webhook_delivery"("event_id", "endpoint_id");
CREATE INDEX "webhook_delivery_endpoint_id_id_idx" ON "webhook_delivery"("endpoint_id", "id");
CREATE INDEX "webhook_delivery_queued_idx" ON "webhook_delivery"("created_at") WHERE "status" = 'queued';
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "outbound_event"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Each try of a delivery: when, how long, the HTTP status or the error, the start of the answer.
CREATE TABLE "webhook_attempt" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" INTEGER NOT NULL,
    "n" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "response_excerpt" VARCHAR(500),

    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_attempt_delivery_id_n_key" ON "webhook_attempt"("delivery_id", "n");
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A merchant notification of one event to one recipient (an email address, or a linked operator's Telegram chat).
CREATE TABLE "merchant_notice" (
    "id" SERIAL NOT NULL,
    "event_id" VARCHAR(40) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "via" VARCHAR(16) NOT NULL,
    "recipient" VARCHAR(254) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "telegram_chat_id" BIGINT,
    "telegram_message_id" BIGINT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchant_notice_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "merchant_notice_event_id_via_recipient_key" ON "merchant_notice"("event_id", "via", "recipient");
CREATE INDEX "merchant_notice_queued_idx" ON "merchant_notice"("created_at") WHERE "status" = 'queued';
ALTER TABLE "merchant_notice" ADD CONSTRAINT "merchant_notice_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "outbound_event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An operator's Telegram account: a pending one-time link code (sha256 only), then the linked user and chat.
CREATE TABLE "telegram_link" (
    "operator_id" UUID NOT NULL,
    "code_hash" CHAR(64),
    "code_expires_at" TIMESTAMPTZ(3),
    "telegram_user_id" BIGINT,
    "chat_id" BIGINT,
    "username" VARCHAR(64),
    "linked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "telegram_link_pkey" PRIMARY KEY ("operator_id")
);
CREATE UNIQUE INDEX "telegram_link_code_hash_key" ON "telegram_link"("code_hash");
CREATE UNIQUE INDEX "telegram_link_telegram_user_id_key" ON "telegram_link"("telegram_user_id");
ALTER TABLE "telegram_link" ADD CONSTRAINT "telegram_link_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Stock-low episodes per product: an alert fires when available stock falls to the threshold and
-- re-arms once it is above it again; the episode number makes each alert's event id stable.
CREATE TABLE "stock_alert" (
    "product_id" UUID NOT NULL,
    "low" BOOLEAN NOT NULL,
    "episode" INTEGER NOT NULL DEFAULT 0,
    "available" INTEGER NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_alert_pkey" PRIMARY KEY ("product_id")
);

-- The outbox: order facts someone outside may need, queued in the transaction that recorded them
-- (so none is lost and none is invented), taken by the event relay with SKIP LOCKED.
CREATE TABLE "event_outbox" (
    "order_event_id" BIGINT NOT NULL,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_outbox_pkey" PRIMARY KEY ("order_event_id")
);

-- Queues a fact for the relay and wakes it. The routine facts (paid, delivered) are queued only when
-- an enabled endpoint of the order's channel subscribes to them, so a routine order nobody listens to
-- costs one lookup in an (often empty) endpoint table, no row and no notification. Every other type
-- the trigger names is an exception a merchant hears about.
CREATE FUNCTION "kami_event_outbox"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."type" IN ('paid', 'delivered') AND NOT EXISTS (
        SELECT 1 FROM "webhook_endpoint" e JOIN "order" o ON o."channel_id" = e."channel_id"
        WHERE o."id" = NEW."order_id" AND NOT e."disabled" AND ('order.' || NEW."type") = ANY(e."events")) THEN
        RETURN NULL;
    END IF;
    INSERT INTO "event_outbox" ("order_event_id") VALUES (NEW."id") ON CONFLICT DO NOTHING;
    PERFORM pg_notify('kami_events', '');
    RETURN NULL;
END $$;

-- The fact types the event stream reads (domain/events.ts EVENT_SOURCES; test/unit/events.test.ts keeps them equal).
CREATE TRIGGER "order_event_outbox" AFTER INSERT ON "order_event" FOR EACH ROW
    WHEN (NEW."type" IN ('paid', 'delivered', 'in_review', 'rejected', 'refunded', 'needs_attention', 'delivery_failing', 'extra_payment', 'review_reminder'))
    EXECUTE FUNCTION "kami_event_outbox"();
