// Opening cases, one or thousands at a time. The workflow is started first, then the rows are
// written: if this process dies in between, the workflow's own first activity writes them, so a
// case never exists in one place and not the other.
import { createHash } from 'node:crypto';
import { findCaseIdsByExternalRef, getCaseScopes, insertIntakes } from '../db/cases.js';
import type { Db } from '../db/client.js';
import { getOperation, type Operation } from '../db/operations.js';
import { mapLimit } from '../lib/concurrency.js';
import type { FieldProtection } from '../lib/crypto.js';
import {
  PARTICIPATING_COUNTRIES,
  type Actor,
  type CaseIntake,
  type CaseTimings,
  type CaseWorkflowInput,
} from '../workflows/definitions.js';
import { HttpError, toHttpError } from './errors.js';
import type { CaseIntakeBody } from './schemas.js';
import type { TemporalGateway } from './temporal.js';

export interface IntakeDeps {
  db: Db;
  protect: FieldProtection;
  temporal: TemporalGateway;
  timings: CaseTimings;
  concurrency: number;
}

export type IntakeOutcome =
  | { outcome: 'created' | 'duplicate'; caseId: string; externalRef: string }
  | { outcome: 'rejected'; externalRef?: string; error: HttpError };

export type IntakeItem = { ok: true; intake: CaseIntakeBody } | { ok: false; error: HttpError };

const CASE_ID_NAMESPACE = Buffer.from('3f1d2a8e6b7c4d5e9f0a1b2c3d4e5f60', 'hex');

/** Name-based (version 5) UUID of the holding country and its reference: the same intake, the same case. */
export function caseIdFor(holdingCountry: string, externalRef: string): string {
  const hash = createHash('sha1').update(CASE_ID_NAMESPACE).update(`${holdingCountry}:${externalRef}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const rejected = (status: number, code: string, message: string, externalRef?: string): IntakeOutcome => ({
  outcome: 'rejected',
  externalRef,
  error: new HttpError(status, code, message),
});

async function loadOperations(db: Db, items: IntakeItem[]): Promise<Map<string, Operation>> {
  const ids = new Set<string>();
  for (const item of items) if (item.ok && item.intake.operationId) ids.add(item.intake.operationId);
  const found = new Map<string, Operation>();
  for (const id of ids) {
    const op = await getOperation(db, id);
    if (op) found.set(id, op);
  }
  return found;
}

/** Waits for rows that the workflows are writing themselves (a retry after a crash mid-intake). */
async function awaitRows(db: Db, caseIds: string[], timeoutMs = 10_000): Promise<Set<string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = new Set((await getCaseScopes(db, caseIds)).keys());
    if (present.size === caseIds.length || Date.now() > deadline) return present;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function openCases(deps: IntakeDeps, actor: Actor, items: IntakeItem[]): Promise<IntakeOutcome[]> {
  const { db, temporal } = deps;
  const openedAt = new Date().toISOString();
  const operations = await loadOperations(db, items);
  const outcomes: IntakeOutcome[] = new Array(items.length);
  const firstIndexOf = new Map<string, number>();
  const repeats: { index: number; first: number }[] = [];
  const candidates: { index: number; input: CaseWorkflowInput }[] = [];

  items.forEach((item, index) => {
    if (!item.ok) {
      outcomes[index] = { outcome: 'rejected', error: item.error };
      return;
    }
    const { intake } = item;
    const ref = intake.externalRef;
    if (intake.holdingCountry !== actor.country) {
      outcomes[index] = rejected(403, 'FORBIDDEN', `officers of ${actor.country} open cases held in ${actor.country} only`, ref);
      return;
    }
    if (intake.person.claimedNationality === intake.holdingCountry) {
      outcomes[index] = rejected(400, 'INVALID_INPUT', 'a national of the holding country is not a repatriation case', ref);
      return;
    }
    const operation = intake.operationId ? operations.get(intake.operationId) : undefined;
    if (intake.operationId && !operation) {
      outcomes[index] = rejected(400, 'UNKNOWN_OPERATION', `no operation ${intake.operationId}`, ref);
      return;
    }
    if (operation && !operation.participatingCountries.includes(intake.holdingCountry)) {
      outcomes[index] = rejected(400, 'INVALID_INPUT', `${intake.holdingCountry} takes no part in operation ${operation.id}`, ref);
      return;
    }
    const caseId = caseIdFor(intake.holdingCountry, ref);
    const first = firstIndexOf.get(caseId);
    if (first !== undefined) {
      repeats.push({ index, first });
      return;
    }
    firstIndexOf.set(caseId, index);
    const normalised: CaseIntake = {
      externalRef: ref,
      holdingCountry: intake.holdingCountry,
      operationId: intake.operationId ?? null,
      legalBasis: intake.legalBasis,
      person: {
        fullName: intake.person.fullName,
        ...(intake.person.dateOfBirth ? { dateOfBirth: intake.person.dateOfBirth } : {}),
        ...(intake.person.sex ? { sex: intake.person.sex } : {}),
        claimedNationality: intake.person.claimedNationality,
        documents: intake.person.documents,
      },
      arrest: { at: new Date(intake.arrest.at).toISOString(), place: intake.arrest.place, allegations: intake.arrest.allegations },
      ...(intake.indicators?.length ? { indicators: intake.indicators } : {}),
      ...(intake.consularNotice
        ? { consularNotice: { ...intake.consularNotice, notifiedAt: new Date(intake.consularNotice.notifiedAt).toISOString() } }
        : {}),
    };
    candidates.push({
      index,
      input: {
        caseId,
        intake: normalised,
        openedBy: actor,
        openedAt,
        participatingCountries: operation?.participatingCountries ?? [...PARTICIPATING_COUNTRIES],
        timings: operation?.custodyLimitDays
          ? { ...deps.timings, custodyMs: operation.custodyLimitDays * 86_400_000 }
          : deps.timings,
      },
    });
  });

  // Retries of earlier intakes are answered from the store without touching Temporal.
  const known = new Set<string>();
  const byHolding = new Map<string, string[]>();
  for (const { input } of candidates) {
    const refs = byHolding.get(input.intake.holdingCountry) ?? [];
    refs.push(input.intake.externalRef);
    byHolding.set(input.intake.holdingCountry, refs);
  }
  for (const [holding, refs] of byHolding) {
    for (const id of (await findCaseIdsByExternalRef(db, holding, refs)).values()) known.add(id);
  }

  const started: CaseWorkflowInput[] = [];
  const existing: string[] = [];
  await mapLimit(candidates, deps.concurrency, async ({ index, input }) => {
    const ref = input.intake.externalRef;
    if (known.has(input.caseId)) {
      outcomes[index] = { outcome: 'duplicate', caseId: input.caseId, externalRef: ref };
      return;
    }
    try {
      const result = await temporal.startCase(input);
      if (result === 'started') started.push(input);
      else existing.push(input.caseId);
      outcomes[index] = { outcome: result === 'started' ? 'created' : 'duplicate', caseId: input.caseId, externalRef: ref };
    } catch (err) {
      outcomes[index] = { outcome: 'rejected', externalRef: ref, error: toHttpError(err) };
    }
  });

  if (started.length > 0) await insertIntakes(db, started, deps.protect);
  if (existing.length > 0) {
    const present = await awaitRows(db, existing);
    for (const { index, input } of candidates) {
      if (existing.includes(input.caseId) && !present.has(input.caseId)) {
        outcomes[index] = rejected(503, 'INTAKE_PENDING', 'the case is being recorded; retry shortly', input.intake.externalRef);
      }
    }
  }
  // The same reference twice in one request: the later ones share the first one's fate.
  for (const { index, first } of repeats) {
    const head = outcomes[first];
    outcomes[index] = head.outcome === 'rejected' ? head : { ...head, outcome: 'duplicate' };
  }
  return outcomes;
}
