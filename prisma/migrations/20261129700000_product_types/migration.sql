-- Product types (issue 12): how a product's keys are shaped, and what its buyers fill in at checkout.
-- key_format: `plain` (one secret text) or `pair` (a card number and its password, stored as one
-- encrypted secret `number<TAB>password`). buyer_fields: the product's own checkout fields
-- (domain/product-types.ts BuyerField), checked by the API before kami_place_order stores the
-- buyer's values in order.buyer_input.
ALTER TABLE "product" ADD COLUMN "key_format" VARCHAR(16) NOT NULL DEFAULT 'plain',
    ADD COLUMN "buyer_fields" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "product" ADD CONSTRAINT "product_key_format_check" CHECK ("key_format" IN ('plain', 'pair'));
