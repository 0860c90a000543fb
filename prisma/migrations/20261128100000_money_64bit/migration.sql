-- Money is integer minor units; 32 bits overflowed at 21,474,836.47 (a wholesale order, or a USDT
-- amount in 4-decimal units, passes that). 64-bit columns hold any amount Kami accepts.

-- AlterTable
ALTER TABLE "product" ALTER COLUMN "price_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "order" ALTER COLUMN "unit_price_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "amount_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "refund_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "payment" ALTER COLUMN "amount_cents" SET DATA TYPE BIGINT;
