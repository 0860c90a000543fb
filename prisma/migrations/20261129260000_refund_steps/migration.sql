-- A payment may be owed back in more than one step: part of it when a person approves fewer keys,
-- then the rest of a split order a person stops waiting for. Each step is its own refund row, unique
-- per (payment, step), so a retried step still owes it once.
ALTER TABLE "refund" ADD COLUMN "step" VARCHAR(40) NOT NULL DEFAULT '';
DROP INDEX "refund_payment_id_key";
CREATE UNIQUE INDEX "refund_payment_id_step_key" ON "refund"("payment_id", "step");
