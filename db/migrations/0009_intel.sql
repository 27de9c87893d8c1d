CREATE TABLE "case_intel_links" (
	"case_id" uuid NOT NULL,
	"team_id" text NOT NULL,
	"entity_id" text NOT NULL,
	"relation" text NOT NULL,
	"created_by" text NOT NULL,
	"created_country" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_intel_links_case_id_entity_id_relation_pk" PRIMARY KEY("case_id","entity_id","relation")
);
--> statement-breakpoint
CREATE TABLE "intel_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"record_id" text NOT NULL,
	"record_kind" text NOT NULL,
	"team_id" text NOT NULL,
	"version" integer NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_country" text,
	"at" timestamp with time zone NOT NULL,
	"what" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_entities" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"kind" text NOT NULL,
	"attributes" jsonb NOT NULL,
	"case_id" uuid,
	"identity_key" text,
	"origin_country" text NOT NULL,
	"created_by" text NOT NULL,
	"handling_code" text NOT NULL,
	"releasable_to" text[],
	"handling_conditions" text,
	"eval_source" text NOT NULL,
	"eval_information" integer NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_identifiers" (
	"entity_id" text NOT NULL,
	"team_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "intel_identifiers_entity_id_kind_value_pk" PRIMARY KEY("entity_id","kind","value")
);
--> statement-breakpoint
CREATE TABLE "intel_links" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"from_id" text NOT NULL,
	"to_id" text NOT NULL,
	"type" text NOT NULL,
	"since" date,
	"until" date,
	"amount" numeric,
	"currency" text,
	"origin_country" text NOT NULL,
	"created_by" text NOT NULL,
	"handling_code" text NOT NULL,
	"releasable_to" text[],
	"handling_conditions" text,
	"eval_source" text NOT NULL,
	"eval_information" integer NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "team_members" (
	"team_id" text NOT NULL,
	"sub" text NOT NULL,
	"country" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"added_by" text NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "team_members_team_id_sub_country_pk" PRIMARY KEY("team_id","sub","country")
);
--> statement-breakpoint
CREATE TABLE "team_operations" (
	"team_id" text NOT NULL,
	"operation_id" uuid NOT NULL,
	CONSTRAINT "team_operations_team_id_operation_id_pk" PRIMARY KEY("team_id","operation_id")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"lead_country" text NOT NULL,
	"member_countries" text[] NOT NULL,
	"agreement_ref" text NOT NULL,
	"valid_from" date NOT NULL,
	"valid_until" date NOT NULL,
	"expired_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_intel_links" ADD CONSTRAINT "case_intel_links_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_intel_links" ADD CONSTRAINT "case_intel_links_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_intel_links" ADD CONSTRAINT "case_intel_links_entity_id_intel_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."intel_entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_entities" ADD CONSTRAINT "intel_entities_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_entities" ADD CONSTRAINT "intel_entities_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_identifiers" ADD CONSTRAINT "intel_identifiers_entity_id_intel_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."intel_entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_links" ADD CONSTRAINT "intel_links_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_links" ADD CONSTRAINT "intel_links_from_id_intel_entities_id_fk" FOREIGN KEY ("from_id") REFERENCES "public"."intel_entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_links" ADD CONSTRAINT "intel_links_to_id_intel_entities_id_fk" FOREIGN KEY ("to_id") REFERENCES "public"."intel_entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_operations" ADD CONSTRAINT "team_operations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_operations" ADD CONSTRAINT "team_operations_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_intel_links_entity_idx" ON "case_intel_links" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "case_intel_links_team_idx" ON "case_intel_links" USING btree ("team_id");--> statement-breakpoint
CREATE UNIQUE INDEX "intel_changes_record_version_uq" ON "intel_changes" USING btree ("record_kind","record_id","version");--> statement-breakpoint
CREATE INDEX "intel_changes_team_idx" ON "intel_changes" USING btree ("team_id","at");--> statement-breakpoint
CREATE INDEX "intel_entities_team_kind_idx" ON "intel_entities" USING btree ("team_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "intel_entities_identity_uq" ON "intel_entities" USING btree ("team_id","identity_key");--> statement-breakpoint
CREATE INDEX "intel_entities_case_idx" ON "intel_entities" USING btree ("case_id") WHERE "intel_entities"."case_id" is not null;--> statement-breakpoint
CREATE INDEX "intel_identifiers_value_idx" ON "intel_identifiers" USING btree ("kind","value");--> statement-breakpoint
CREATE INDEX "intel_identifiers_team_value_idx" ON "intel_identifiers" USING btree ("team_id","value");--> statement-breakpoint
CREATE INDEX "intel_links_team_from_idx" ON "intel_links" USING btree ("team_id","from_id");--> statement-breakpoint
CREATE INDEX "intel_links_team_to_idx" ON "intel_links" USING btree ("team_id","to_id");--> statement-breakpoint
CREATE INDEX "team_members_sub_idx" ON "team_members" USING btree ("sub","country");--> statement-breakpoint
CREATE INDEX "team_operations_operation_idx" ON "team_operations" USING btree ("operation_id");--> statement-breakpoint
CREATE INDEX "teams_created_idx" ON "teams" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "teams_members_idx" ON "teams" USING gin ("member_countries");