// Record visibility (DESIGN.md §5): which cases, transfer batches and operations a user may see at
// all. Users see the records of their own country — a case held there, claimed as or destined to
// its nationals; a batch from or to it; an operation it takes part in — and admins see all.
// Anything out of scope is answered as unknown (404), so ids cannot be probed.
//
// One rule, two forms: the SQL form that every query filters by, and the plain form for what is
// already loaded (a case on a route, a stream event, an item of a bulk request). Which fields of a
// visible case a user sees is the field-level rule of lib/need-to-know.ts.
import { arrayContains, eq, or, type SQL } from 'drizzle-orm';
import type { Actor } from '../workflows/definitions.js';
import { cases, operations, transfers } from './schema.js';

/** The country a user's reads are limited to; null for admins, who see every record. */
export const scopeCountry = (actor: Pick<Actor, 'role' | 'country'>): string | null => (actor.role === 'admin' ? null : actor.country);

/** The countries of a case that decide who sees it. */
export interface CaseCountries {
  holdingCountry: string;
  claimedNationality: string | null;
  destinationCountry: string | null;
}

/** The countries of a transfer batch that decide who sees it. */
export interface TransferCountries {
  holdingCountry: string;
  destinationCountry: string;
}

// ---- plain form ----

/** Whether a user whose reads are limited to `country` (null: an admin) sees the case. */
export const canSee = (country: string | null, row: CaseCountries): boolean =>
  country === null || row.holdingCountry === country || row.claimedNationality === country || row.destinationCountry === country;

/** Whether a user whose reads are limited to `country` sees the transfer batch. */
export const canSeeTransfer = (country: string | null, batch: TransferCountries): boolean =>
  country === null || batch.holdingCountry === country || batch.destinationCountry === country;

// ---- SQL form ----

/** SQL: the case (the row of `cases` in the query) is one a user of `country` may see. */
export function visibleTo(country: string | null): SQL | undefined {
  if (country === null) return undefined;
  return or(eq(cases.holdingCountry, country), eq(cases.claimedNationality, country), eq(cases.destinationCountry, country));
}

/** SQL: the batch (the row of `transfers` in the query) is one a user of `country` may see. */
export function transferVisibleTo(country: string | null): SQL | undefined {
  if (country === null) return undefined;
  return or(eq(transfers.holdingCountry, country), eq(transfers.destinationCountry, country));
}

/** SQL: the operation (the row of `operations`) is one `country` takes part in (the lead is one of them). */
export function operationVisibleTo(country: string | null): SQL | undefined {
  return country === null ? undefined : arrayContains(operations.participatingCountries, [country]);
}
