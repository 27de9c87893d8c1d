// Opening cases, one or thousands at a time: a transactional outbox. The cases are recorded first
// (in one transaction), then their workflows are started and the starts marked; a case whose start
// is not confirmed — Temporal down, the process gone — is started by the outbox a little later. So
// every recorded case gets its workflow, and no workflow exists without its case.
import { createHash } from 'node:crypto';
import { insertIntakes } from '../db/intake.js';
import { markWorkflowsStarted, pendingWorkflowStarts } from '../db/outbox.js';
import type { AuditEntry } from '../db/audit.js';
import type { Db } from '../db/client.js';
import { getOperation, type Operation } from '../db/operations.js';
import { limiter } from '../lib/concurrency.js';
import { runEvery } from '../lib/background.js';
import { log } from '../lib/log.js';
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
  /** The legal maximum of custody: an operation's limit (even one stored before the maximum) never goes beyond it. */
  custodyLimitMaxMs?: number;
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

/** The operations the items name, as the actor's country sees them: one it takes no part in is unknown to it. */
async function loadOperations(db: Db, items: IntakeItem[], country: string): Promise<Map<string, Operation>> {
  const ids = new Set<string>();
  for (const item of items) if (item.ok && item.intake.operationId) ids.add(item.intake.operationId);
  const found = new Map<string, Operation>();
  for (const id of ids) {
    const op = await getOperation(db, id, country);
    if (op) found.set(id, op);
  }
  return found;
}

/**
 * Cases whose workflows this process is starting right now: reserved before their rows commit and
 * released after their start is marked. The outbox leaves them alone: a large intake takes longer
 * than its grace, and a second start of each would only load the server. An outbox pass also leaves
 * the cases reserved at any moment while it read (its snapshot may predate their marking).
 */
const startsInFlight = (() => {
  const count = new Map<string, number>();
  const watchers = new Set<Set<string>>();
  return {
    reserve(ids: string[]) {
      for (const id of ids) {
        count.set(id, (count.get(id) ?? 0) + 1);
        for (const seen of watchers) seen.add(id);
      }
    },
    release(ids: string[]) {
      for (const id of ids) {
        const n = (count.get(id) ?? 1) - 1;
        if (n > 0) count.set(id, n);
        else count.delete(id);
      }
    },
    /** Runs `read`, and answers with what it read less the cases reserved at any time during it. */
    async without<T extends { caseId: string }>(read: () => Promise<T[]>): Promise<T[]> {
      const seen = new Set(count.keys());
      watchers.add(seen);
      try {
        return (await read()).filter((item) => !seen.has(item.caseId) && !count.has(item.caseId));
      } finally {
        watchers.delete(seen);
      }
    },
  };
})();

/**
 * Starts the workflows of recorded cases and marks them started. Returns the cases whose start
 * failed, with why; those stay in the outbox.
 */
export async function startRecordedCases(
  deps: Pick<IntakeDeps, 'db' | 'temporal' | 'concurrency'>,
  inputs: CaseWorkflowInput[],
  gate = limiter(deps.concurrency),
): Promise<Map<string, HttpError>> {
  const failed = new Map<string, HttpError>();
  const started: string[] = [];
  const ids = inputs.map((input) => input.caseId);
  startsInFlight.reserve(ids);
  try {
    await Promise.all(
      inputs.map((input) =>
        gate(async () => {
          try {
            await deps.temporal.startCase(input); // 'exists' is as good: an earlier attempt started it
            started.push(input.caseId);
          } catch (err) {
            failed.set(input.caseId, toHttpError(err));
          }
        }),
      ),
    );
    await markWorkflowsStarted(deps.db, started);
  } finally {
    startsInFlight.release(ids);
  }
  return failed;
}

/** Cases recorded per transaction in a bulk intake; each chunk's starts overlap the next chunk's recording. */
export const RECORD_CHUNK = 500;

/** Starts, every few seconds, the workflows of cases recorded but not started (a crash, an outage). */
export function startIntakeOutbox(deps: IntakeDeps, options: { intervalMs?: number; graceMs?: number } = {}): () => Promise<void> {
  const { intervalMs = 5000, graceMs = 15_000 } = options;
  return runEvery('intake outbox pass', intervalMs, async () => {
    const pending = await startsInFlight.without(() =>
      pendingWorkflowStarts(deps.db, deps.protect, { olderThan: new Date(Date.now() - graceMs).toISOString(), limit: 500 }),
    );
    if (pending.length === 0) return;
    const failed = await startRecordedCases(deps, pending);
    log.info('intake outbox started workflows', { started: pending.length - failed.size, failed: failed.size });
  });
}

export async function openCases(deps: IntakeDeps, actor: Actor, items: IntakeItem[]): Promise<IntakeOutcome[]> {
  const { db } = deps;
  const openedAt = new Date().toISOString();
  const operations = await loadOperations(db, items, actor.country);
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
          ? { ...deps.timings, custodyMs: Math.min(operation.custodyLimitDays * 86_400_000, deps.custodyLimitMaxMs ?? Infinity) }
          : deps.timings,
      },
    });
  });

  // Record first — the store is the record — then start each workflow. A start that is not confirmed
  // here (Temporal down, this process gone) is made by the outbox (startIntakeOutbox). A bulk intake
  // is recorded a chunk at a time, and a chunk's workflows start while the next chunk is recorded:
  // the starts, bound by the Temporal server, do not wait for the whole request to be stored. The
  // recording keeps at most two chunks ahead of the starts, so a case waits seconds for its start.
  const inserted = new Set<string>();
  const failed = new Map<string, HttpError>();
  const gate = limiter(deps.concurrency);
  const starting: Promise<void>[] = [];
  /** Marking starts fails only with the database; the outbox marks them later, and the request answers 503. */
  let markFailure: unknown;
  try {
    for (let i = 0; i < candidates.length; i += RECORD_CHUNK) {
      if (starting.length >= 2) await starting[starting.length - 2];
      const chunk = candidates.slice(i, i + RECORD_CHUNK).map((c) => c.input);
      const chunkIds = chunk.map((input) => input.caseId);
      // Reserved before the rows commit, so the outbox never sees them unreserved and unstarted.
      startsInFlight.reserve(chunkIds);
      let startingChunk: Promise<void>;
      try {
        const fresh = await insertIntakes(db, chunk, deps.protect);
        for (const id of fresh) inserted.add(id);
        // A duplicate may be the retry of an intake whose case was recorded but whose workflow was not started.
        const duplicates = chunk.filter((input) => !fresh.has(input.caseId)).map((input) => input.caseId);
        const unstarted = duplicates.length > 0 ? await pendingWorkflowStarts(db, deps.protect, { ids: duplicates }) : [];
        const toStart = [...chunk.filter((input) => fresh.has(input.caseId)), ...unstarted];
        startingChunk = startRecordedCases(deps, toStart, gate).then(
          (f) => f.forEach((error, id) => failed.set(id, error)),
          (err) => void (markFailure ??= err),
        );
      } catch (err) {
        startsInFlight.release(chunkIds);
        throw err;
      }
      starting.push(startingChunk.finally(() => startsInFlight.release(chunkIds)));
    }
  } finally {
    // Whatever stops the recording, the starts of chunks already recorded run to their end (the outbox
    // would make them otherwise, but a request must not leave work running behind its answer).
    await Promise.all(starting);
  }
  if (markFailure) throw markFailure;
  for (const { index, input } of candidates) {
    const ref = input.intake.externalRef;
    const error = failed.get(input.caseId);
    outcomes[index] = error
      ? { outcome: 'rejected', externalRef: ref, error }
      : { outcome: inserted.has(input.caseId) ? 'created' : 'duplicate', caseId: input.caseId, externalRef: ref };
  }

  // The same reference twice in one request: the later ones share the first one's fate.
  for (const { index, first } of repeats) {
    const head = outcomes[first];
    outcomes[index] = head.outcome === 'rejected' ? head : { ...head, outcome: 'duplicate' };
  }
  return outcomes;
}

/** The refused items of a bulk intake (a case held elsewhere), one entry each, as the single route records its refusal. */
export function intakeRefusalEntries(actor: Actor, outcomes: IntakeOutcome[]): AuditEntry[] {
  const at = new Date().toISOString();
  return outcomes.flatMap((o, index) =>
    o.outcome === 'rejected' && (o.error.status === 403 || o.error.status === 404)
      ? [
          {
            at,
            actor,
            action: 'request.denied',
            objectIds: [],
            outcome: 'denied' as const,
            details: {
              route: 'POST /v1/operations/:id/intake',
              bulk: true,
              index,
              externalRef: o.externalRef ?? null,
              status: o.error.status,
              code: o.error.code,
            },
          },
        ]
      : [],
  );
}
