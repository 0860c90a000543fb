-- CreateIndex
CREATE INDEX "order_phone_idx" ON "order"("phone");

-- CreateIndex
CREATE INDEX "order_device_id_idx" ON "order"("device_id");

-- CreateIndex
CREATE INDEX "order_payment_account_idx" ON "order"("payment_account");
