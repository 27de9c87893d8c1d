// Intake writes: the opened case (row, person, documents, consular notice, opening event, audit
// entry) in one transaction, and the flags on cases that hold the same identity document.
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { TERMINAL_STATUSES, initialCaseSnapshot, type CaseWorkflowInput } from '../workflows/definitions.js';
import type { FieldProtection } from '../lib/crypto.js';
import { nameKeys } from '../lib/name-keys.js';
import { appendAudit } from './audit.js';
import type { Db } from './client.js';
import { actorColumns, chunks, snapshotColumns } from './rows.js';
import { caseEvents, cases, consularNotices, duplicateFlags, personDocuments, persons } from './schema.js';

/**
 * Records opened cases (row, person, documents, the opening event) and flags likely duplicate
 * persons. Rows that already exist are left as they are. Returns the ids it inserted.
 */
export async function insertIntakes(db: Db, inputs: CaseWorkflowInput[], protect: FieldProtection): Promise<Set<string>> {
  const inserted = new Set<string>();
  if (inputs.length === 0) return inserted;
  await db.transaction(async (tx) => {
    for (const chunk of chunks(inputs, 500)) {
      const rows = await tx
        .insert(cases)
        .values(
          chunk.map(({ caseId, intake, openedBy, openedAt, ...rest }) => ({
            id: caseId,
            externalRef: intake.externalRef,
            holdingCountry: intake.holdingCountry,
            operationId: intake.operationId,
            legalBasis: intake.legalBasis,
            arrestedAt: intake.arrest.at,
            arrestPlace: intake.arrest.place,
            allegations: intake.arrest.allegations,
            openedBy: openedBy.sub,
            openedByName: openedBy.name ?? null,
            version: 0,
            workflowStarted: false,
            intakeSealed: protect.seal(JSON.stringify({ caseId, intake, openedBy, openedAt, ...rest })),
            createdAt: openedAt,
            ...snapshotColumns(initialCaseSnapshot({ caseId, intake, openedBy, openedAt, ...rest })),
          })),
        )
        .onConflictDoNothing()
        .returning({ id: cases.id });
      for (const row of rows) inserted.add(row.id);
    }
    const fresh = inputs.filter((i) => inserted.has(i.caseId));
    for (const chunk of chunks(fresh, 1000)) {
      await tx.insert(persons).values(
        chunk.map(({ caseId, intake: { person } }) => ({
          caseId,
          fullName: person.fullName,
          nameKeys: nameKeys(person.fullName),
          dateOfBirth: person.dateOfBirth ?? null,
          sex: person.sex ?? null,
          claimedNationality: person.claimedNationality,
        })),
      );
      const documents = chunk.flatMap(({ caseId, intake }) =>
        intake.person.documents.map((d, position) => ({
          caseId,
          position,
          type: d.type,
          issuingCountry: d.issuingCountry,
          numberHash: protect.fingerprint(d.number),
          numberSealed: protect.seal(d.number),
        })),
      );
      if (documents.length > 0) await tx.insert(personDocuments).values(documents);
      const notices = chunk.filter((i) => i.intake.consularNotice);
      if (notices.length > 0) {
        await tx.insert(consularNotices).values(
          notices.map(({ caseId, intake, openedBy, openedAt }) => ({
            caseId,
            ...intake.consularNotice!,
            recordedBy: openedBy.sub,
            at: openedAt,
          })),
        );
      }
      await tx.insert(caseEvents).values(
        chunk.map(({ caseId, openedBy, openedAt, intake }) => ({
          caseId,
          eventKey: 'intake',
          type: 'CASE_OPENED',
          fromStatus: null,
          toStatus: 'IDENTITY_PENDING',
          ...actorColumns(openedBy),
          reason: null,
          data: { externalRef: intake.externalRef, operationId: intake.operationId, legalBasis: intake.legalBasis },
          at: openedAt,
        })),
      );
    }
    const flagged = fresh.length > 0 ? await flagDuplicatePersons(tx as unknown as Db, [...inserted], fresh[0].openedAt) : 0;
    if (fresh.length > 0) {
      const { openedBy, openedAt } = fresh[0];
      await appendAudit(tx as unknown as Db, [
        {
          at: openedAt,
          actor: openedBy,
          action: 'case.open',
          objectType: 'case',
          objectIds: fresh.map((i) => i.caseId),
          outcome: 'ok',
          scopeCountries: [...new Set(fresh.flatMap((i) => [i.intake.holdingCountry, i.intake.person.claimedNationality]))],
          details: { cases: fresh.length, possibleDuplicatesFlagged: flagged },
        },
      ]);
    }
  });
  return inserted;
}

/** Another open case holding one of the same documents is flagged, with an event, on both cases. */
async function flagDuplicatePersons(db: Db, caseIds: string[], at: string): Promise<number> {
  const other = alias(personDocuments, 'other');
  const otherCase = alias(cases, 'other_case');
  const pairs: { caseId: string; otherCaseId: string }[] = [];
  for (const chunk of chunks(caseIds, 1000)) {
    const found = await db
      .selectDistinct({ caseId: personDocuments.caseId, otherCaseId: other.caseId })
      .from(personDocuments)
      .innerJoin(
        other,
        and(
          eq(other.numberHash, personDocuments.numberHash),
          eq(other.type, personDocuments.type),
          eq(other.issuingCountry, personDocuments.issuingCountry),
          sql`${other.caseId} <> ${personDocuments.caseId}`,
        ),
      )
      .innerJoin(otherCase, and(eq(otherCase.id, other.caseId), notInArray(otherCase.status, [...TERMINAL_STATUSES])))
      .where(inArray(personDocuments.caseId, chunk));
    pairs.push(...found);
  }
  if (pairs.length === 0) return 0;
  const both = new Map<string, { caseId: string; otherCaseId: string }>();
  for (const p of pairs) {
    both.set(`${p.caseId}:${p.otherCaseId}`, p);
    both.set(`${p.otherCaseId}:${p.caseId}`, { caseId: p.otherCaseId, otherCaseId: p.caseId });
  }
  for (const chunk of chunks([...both.values()], 1000)) {
    const added = await db
      .insert(duplicateFlags)
      .values(chunk.map((p) => ({ ...p, createdAt: at })))
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) continue;
    await db
      .insert(caseEvents)
      .values(
        added.map((p) => ({
          caseId: p.caseId,
          eventKey: `dup:${p.otherCaseId}`,
          type: 'POSSIBLE_DUPLICATE_PERSON',
          reason: 'another open case holds the same identity document',
          data: { otherCaseId: p.otherCaseId },
          at,
        })),
      )
      .onConflictDoNothing();
  }
  return both.size;
}
