CREATE TABLE "audit_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"signature" text NOT NULL,
	"sealed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_sub" text,
	"actor_role" text,
	"actor_country" text,
	"action" text NOT NULL,
	"object_type" text,
	"object_ids" text[] NOT NULL,
	"outcome" text NOT NULL,
	"purpose" text,
	"recipient_country" text,
	"scope_countries" text[] NOT NULL,
	"details" jsonb,
	"seq" bigint,
	"prev_hash" text,
	"hash" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_seq_uq" ON "audit_log" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "audit_log_unsealed_idx" ON "audit_log" USING btree ("id") WHERE "audit_log"."seq" is null;--> statement-breakpoint
CREATE INDEX "audit_log_scope_idx" ON "audit_log" USING gin ("scope_countries");--> statement-breakpoint
CREATE INDEX "audit_log_objects_idx" ON "audit_log" USING gin ("object_ids");