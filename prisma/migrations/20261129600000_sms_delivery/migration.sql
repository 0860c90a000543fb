-- Buyers' SMS (domain/sms.ts): a product may deliver by SMS beside the email. Off by default; keys
-- travel in an SMS only where the product allows it (otherwise the SMS carries the order page's link).
-- A product holds a Twilio text and/or an Aliyun template (its code and variables); the configured
-- provider sends the one it speaks.
ALTER TABLE "product"
    ADD COLUMN "sms_enabled" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "sms_keys_allowed" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "sms_text" VARCHAR(1600),
    ADD COLUMN "sms_template_code" VARCHAR(32),
    ADD COLUMN "sms_template_params" JSONB;

-- The provider that took an SMS delivery (its message_id is that provider's); NULL for email.
ALTER TABLE "delivery" ADD COLUMN "provider" VARCHAR(16);
