DROP INDEX "case_events_case_idx";--> statement-breakpoint
ALTER TABLE "case_events" ADD COLUMN "seq" integer;--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id","at","seq","id");