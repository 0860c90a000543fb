-- Failed sign-ins counted per account, whatever address they come from: after a few, each further
-- failure locks the account for twice as long as the last (up to 15 minutes). A header cannot
-- change this count the way it could pick the address a per-address limit counts.

-- AlterTable
ALTER TABLE "operator" ADD COLUMN     "failed_logins" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "locked_until" TIMESTAMPTZ(3);
