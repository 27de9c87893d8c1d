DROP INDEX "person_documents_lookup_idx";--> statement-breakpoint
ALTER TABLE "person_documents" ADD COLUMN "number_hash" text NOT NULL;--> statement-breakpoint
ALTER TABLE "person_documents" ADD COLUMN "number_sealed" text NOT NULL;--> statement-breakpoint
CREATE INDEX "person_documents_hash_idx" ON "person_documents" USING btree ("number_hash","type","issuing_country");