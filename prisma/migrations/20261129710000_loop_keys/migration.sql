-- Shared ("loop") keys (issue 12): a product whose every key is delivered to up to key_uses buyers.
-- Each use is a card_key row of its own (the same secret, encrypted anew), so holds, expiry, the
-- claim and delivery work as for any key: a use is held and sold by exactly one order (FOR UPDATE
-- SKIP LOCKED in kami_place_order), each delivery is a sold row, the key is sold out when its uses
-- are, and never more than the cap. shared_fingerprint is the secret's own fingerprint (the same
-- for all its uses) and use_no which use a row is; both NULL for an ordinary key.
ALTER TABLE "product" ADD COLUMN "key_uses" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "product" ADD CONSTRAINT "product_key_uses_check" CHECK ("key_uses" BETWEEN 1 AND 10000);
ALTER TABLE "card_key" ADD COLUMN "shared_fingerprint" CHAR(64),
    ADD COLUMN "use_no" INTEGER;
CREATE INDEX "card_key_shared_fingerprint_idx" ON "card_key" ("shared_fingerprint") WHERE "shared_fingerprint" IS NOT NULL;
