-- A split order's parts become `order.part_delivered` webhooks (domain/events.ts), queued, like the
-- routine paid/delivered facts, only when an enabled endpoint of the order's channel subscribes.
CREATE OR REPLACE FUNCTION "kami_event_outbox"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."type" IN ('paid', 'delivered', 'part_delivered') AND NOT EXISTS (
        SELECT 1 FROM "webhook_endpoint" e JOIN "order" o ON o."channel_id" = e."channel_id"
        WHERE o."id" = NEW."order_id" AND NOT e."disabled" AND ('order.' || NEW."type") = ANY(e."events")) THEN
        RETURN NULL;
    END IF;
    INSERT INTO "event_outbox" ("order_event_id") VALUES (NEW."id") ON CONFLICT DO NOTHING;
    PERFORM pg_notify('kami_events', '');
    RETURN NULL;
END $$;

-- The fact types the event stream reads (domain/events.ts EVENT_SOURCES; test/unit/events.test.ts keeps them equal).
DROP TRIGGER "order_event_outbox" ON "order_event";
CREATE TRIGGER "order_event_outbox" AFTER INSERT ON "order_event" FOR EACH ROW
    WHEN (NEW."type" IN ('paid', 'part_delivered', 'delivered', 'in_review', 'rejected', 'refunded', 'needs_attention', 'delivery_failing', 'extra_payment', 'review_reminder'))
    EXECUTE FUNCTION "kami_event_outbox"();
