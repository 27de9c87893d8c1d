CREATE TABLE "case_holds" (
	"hold_id" text PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"until" timestamp with time zone,
	"placed_by" text NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"resume_status" text NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" text,
	"outcome" text,
	"outcome_reason" text,
	"seq" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consular_notices" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"notified_at" timestamp with time zone NOT NULL,
	"channel" text NOT NULL,
	"access_requested" boolean NOT NULL,
	"recorded_by" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "court_orders" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"court" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"recorded_by" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "custody_extensions" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"days" integer NOT NULL,
	"reason" text NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "screenings" (
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"indicators" text[] NOT NULL,
	"notes" text,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "screenings_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "overdue_reasons" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "screening_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "consular_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "custody_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "hold_resume_status" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "referred_to" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "awaiting_court_order" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "custody_limit_days" integer;--> statement-breakpoint
ALTER TABLE "case_holds" ADD CONSTRAINT "case_holds_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consular_notices" ADD CONSTRAINT "consular_notices_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "court_orders" ADD CONSTRAINT "court_orders_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custody_extensions" ADD CONSTRAINT "custody_extensions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screenings" ADD CONSTRAINT "screenings_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_holds_case_idx" ON "case_holds" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "case_holds_active_idx" ON "case_holds" USING btree ("kind") WHERE "case_holds"."ended_at" is null;