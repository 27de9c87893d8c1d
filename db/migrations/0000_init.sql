CREATE TABLE "case_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"event_key" text NOT NULL,
	"type" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"actor_sub" text,
	"actor_name" text,
	"actor_role" text,
	"actor_country" text,
	"reason" text,
	"data" jsonb,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"external_ref" text NOT NULL,
	"holding_country" text NOT NULL,
	"operation_id" uuid,
	"legal_basis" text NOT NULL,
	"status" text NOT NULL,
	"claimed_nationality" text NOT NULL,
	"destination_country" text,
	"arrested_at" timestamp with time zone NOT NULL,
	"arrest_place" text NOT NULL,
	"allegations" text[] NOT NULL,
	"opened_by" text NOT NULL,
	"opened_by_name" text,
	"transfer_id" uuid,
	"transfer_attempts" integer DEFAULT 0 NOT NULL,
	"overdue" boolean DEFAULT false NOT NULL,
	"overdue_stage" text,
	"overdue_since" timestamp with time zone,
	"escalations" integer DEFAULT 0 NOT NULL,
	"identity_due_at" timestamp with time zone,
	"approval_due_at" timestamp with time zone,
	"handover_due_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"case_id" uuid NOT NULL,
	"side" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"by" text NOT NULL,
	"by_name" text,
	"country" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "decisions_case_id_side_pk" PRIMARY KEY("case_id","side")
);
--> statement-breakpoint
CREATE TABLE "duplicate_flags" (
	"case_id" uuid NOT NULL,
	"other_case_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "duplicate_flags_case_id_other_case_id_pk" PRIMARY KEY("case_id","other_case_id")
);
--> statement-breakpoint
CREATE TABLE "identity_checks" (
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"result" text NOT NULL,
	"claimed_nationality" text NOT NULL,
	"verified_nationality" text,
	"method" text NOT NULL,
	"evidence_ref" text,
	"notes" text,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "identity_checks_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"lead_country" text NOT NULL,
	"participating_countries" text[] NOT NULL,
	"started_on" date,
	"description" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "person_documents" (
	"case_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"type" text NOT NULL,
	"number" text NOT NULL,
	"issuing_country" text NOT NULL,
	CONSTRAINT "person_documents_case_id_position_pk" PRIMARY KEY("case_id","position")
);
--> statement-breakpoint
CREATE TABLE "persons" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"full_name" text NOT NULL,
	"date_of_birth" date,
	"sex" text,
	"claimed_nationality" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transfer_legs" (
	"transfer_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"outcome" text NOT NULL,
	"seq" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "transfer_legs_transfer_id_case_id_pk" PRIMARY KEY("transfer_id","case_id")
);
--> statement-breakpoint
CREATE TABLE "transfers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"holding_country" text NOT NULL,
	"destination_country" text NOT NULL,
	"mode" text NOT NULL,
	"from_place" text NOT NULL,
	"to_place" text NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"capacity" integer NOT NULL,
	"status" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"departed_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_flags" ADD CONSTRAINT "duplicate_flags_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_flags" ADD CONSTRAINT "duplicate_flags_other_case_id_cases_id_fk" FOREIGN KEY ("other_case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_checks" ADD CONSTRAINT "identity_checks_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_documents" ADD CONSTRAINT "person_documents_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persons" ADD CONSTRAINT "persons_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_legs" ADD CONSTRAINT "transfer_legs_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_legs" ADD CONSTRAINT "transfer_legs_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "case_events_key_uq" ON "case_events" USING btree ("case_id","event_key");--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id","at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_holding_external_ref_uq" ON "cases" USING btree ("holding_country","external_ref");--> statement-breakpoint
CREATE INDEX "cases_created_idx" ON "cases" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "cases_status_idx" ON "cases" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "cases_holding_idx" ON "cases" USING btree ("holding_country","created_at","id");--> statement-breakpoint
CREATE INDEX "cases_destination_idx" ON "cases" USING btree ("destination_country","created_at","id");--> statement-breakpoint
CREATE INDEX "cases_claimed_idx" ON "cases" USING btree ("claimed_nationality","created_at","id");--> statement-breakpoint
CREATE INDEX "cases_operation_idx" ON "cases" USING btree ("operation_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cases_overdue_idx" ON "cases" USING btree ("created_at","id") WHERE "cases"."overdue";--> statement-breakpoint
CREATE INDEX "cases_transfer_idx" ON "cases" USING btree ("transfer_id");--> statement-breakpoint
CREATE INDEX "operations_created_idx" ON "operations" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "person_documents_lookup_idx" ON "person_documents" USING btree ("number","type","issuing_country");--> statement-breakpoint
CREATE INDEX "transfer_legs_case_idx" ON "transfer_legs" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "transfers_holding_idx" ON "transfers" USING btree ("holding_country","created_at");--> statement-breakpoint
CREATE INDEX "transfers_destination_idx" ON "transfers" USING btree ("destination_country","created_at");