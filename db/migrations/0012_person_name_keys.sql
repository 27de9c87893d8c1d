ALTER TABLE "persons" ADD COLUMN "name_keys" text[];--> statement-breakpoint
CREATE INDEX "persons_name_keys_idx" ON "persons" USING gin ("name_keys");