-- Manual-delivery SLA (issue 12): how long a paid order of a manual product may wait for its goods
-- (`30m`, `4h`; NULL: no SLA). An order still waiting past it is flagged in the inbox (its review
-- deadline) and the merchant is told once through the notices stream (a review_reminder).
ALTER TABLE "product" ADD COLUMN "manual_sla" VARCHAR(16);
