// Rules of a transfer batch with no SDK import: the workflow's validators and the API share them.
import { FAILURE, Refusal } from './case-rules.js';
import type { Actor, TransferLegOutcome, TransferStatus } from './definitions.js';

/** The ids listed both as received and as missing, in the order received lists them; linear in both lists. */
export function caseIdsInBoth(receivedCaseIds: readonly string[], missingCaseIds: readonly string[]): string[] {
  const missing = new Set(missingCaseIds);
  const both = new Set<string>();
  for (const id of receivedCaseIds) if (missing.has(id)) both.add(id);
  return [...both];
}

/** A leg still waiting for its outcome: on the batch and not yet handed over, failed or dropped. */
export const unresolved = (o: TransferLegOutcome): boolean => o === 'scheduled' || o === 'departed';

/** What the checks read of a batch. */
export interface TransferFacts {
  status: TransferStatus;
  holdingCountry: string;
  destinationCountry: string;
}

function requireOfficerOf(actor: Actor, country: string, what: string): void {
  if (actor?.role !== 'officer' || actor.country !== country) throw new Refusal(FAILURE.forbidden, `only officers of ${country} ${what}`);
}

/** Cases join a batch until it departs, put on it by officers of the sending country. */
export function checkAddCases(t: TransferFacts, { actor }: { actor: Actor }): void {
  requireOfficerOf(actor, t.holdingCountry, 'put cases on this transfer');
  if (t.status !== 'SCHEDULED') throw new Refusal(FAILURE.wrongStage, `the transfer has ${t.status.toLowerCase()}`);
}

/** Officers of the sending country confirm departure; once departed, a repeat answers as the first time. */
export function checkDepart(t: TransferFacts, { actor }: { actor: Actor }): void {
  requireOfficerOf(actor, t.holdingCountry, 'confirm departure');
  if (t.status === 'COMPLETED') throw new Refusal(FAILURE.wrongStage, 'the transfer has completed');
}

/** Officers of the receiving country confirm who arrived, after departure; no case both received and missing. */
export function checkHandover(
  t: TransferFacts,
  { actor, receivedCaseIds, missingCaseIds }: { actor: Actor; receivedCaseIds: readonly string[]; missingCaseIds: readonly string[] },
): void {
  requireOfficerOf(actor, t.destinationCountry, 'confirm handover');
  if (t.status === 'SCHEDULED') throw new Refusal(FAILURE.wrongStage, 'the transfer has not departed');
  if (t.status === 'COMPLETED') throw new Refusal(FAILURE.wrongStage, 'the transfer has completed');
  const both = caseIdsInBoth(receivedCaseIds, missingCaseIds);
  if (both.length > 0) throw new Refusal(FAILURE.invalid, `cases both received and missing: ${both.join(', ')}`);
}
