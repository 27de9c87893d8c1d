ALTER TABLE "cases" ADD COLUMN "workflow_started" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "intake_sealed" text;--> statement-breakpoint
CREATE INDEX "cases_outbox_idx" ON "cases" USING btree ("created_at") WHERE not "cases"."workflow_started";--> statement-breakpoint
-- Cases recorded before the outbox had their workflows started by the intake itself.
UPDATE "cases" SET "workflow_started" = true;
