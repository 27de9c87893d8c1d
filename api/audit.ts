// The API's side of the audit log: reads of personal data and refused requests. Entries written
// at the same moment share one insert (group commit), and the answer waits for it: a read that
// cannot be logged is not served.
import { appendAudit, sealAudit, type AuditEntry } from '../db/audit.js';
import type { CaseScopeRow } from '../db/case-detail.js';
import { canSee } from '../db/visibility.js';
import type { Db } from '../db/client.js';
import type { TransferDetail } from '../db/transfers.js';
import type { Disclosure } from './http.js';
import { runEvery } from '../lib/background.js';
import { log } from '../lib/log.js';
import { caseCountries } from '../lib/need-to-know.js';
import { unavailable } from './errors.js';
import { scopeCountry } from './scope.js';
import type { Actor } from '../workflows/definitions.js';

export interface AuditTrail {
  /** Resolves once the entry is stored; rejects with a 503 when it cannot be. */
  record(entry: AuditEntry): Promise<void>;
}

export function createAuditTrail(db: Db): AuditTrail {
  let pending: { entry: AuditEntry; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let scheduled = false;
  type Pending = (typeof pending)[number];
  const refuse = (items: Pending[], err: unknown) => {
    log.error('audit entries could not be written', { entries: items.length, error: (err as Error).message });
    const refused = unavailable('AUDIT_UNAVAILABLE', 'the audit log cannot be written now, so this is not served');
    for (const b of items) b.reject(refused);
  };
  async function write(items: Pending[]): Promise<void> {
    await appendAudit(
      db,
      items.map((b) => b.entry),
    );
    for (const b of items) b.resolve();
  }
  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    scheduled = false;
    try {
      await write(batch);
    } catch (err) {
      if (batch.length === 1) return refuse(batch, err);
      // An entry the store refuses refuses only its own answer, not the others sharing its insert.
      await Promise.all(batch.map((b) => write([b]).catch((one: unknown) => refuse([b], one))));
    }
  }
  return {
    record(entry) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ entry, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}

/** The entry for showing cases to a user: a disclosure when any of them is held by another country. */
export function caseReadEntry(
  actor: Actor,
  action: string,
  purpose: string,
  rows: Pick<CaseScopeRow, 'id' | 'holdingCountry' | 'claimedNationality' | 'destinationCountry'>[],
  details?: Record<string, unknown>,
): AuditEntry {
  const foreign = rows.some((r) => r.holdingCountry !== actor.country);
  return {
    at: new Date().toISOString(),
    actor,
    action,
    objectType: 'case',
    objectIds: rows.map((r) => r.id),
    outcome: 'ok',
    purpose,
    recipientCountry: foreign ? actor.country : null,
    scopeCountries: [...new Set(rows.flatMap(caseCountries))],
    details: details ?? null,
  };
}

/** A case refused inside a bulk request, with the case's scope row when it exists. */
export interface BulkRefusal {
  caseId: string;
  row: Pick<CaseScopeRow, 'holdingCountry' | 'claimedNationality' | 'destinationCountry'> | undefined;
  status: number;
  code: string;
}

/** Refusals count as such (403, or 404 for what the caller may not see), as on the single routes. */
export const isRefusal = (status: number) => status === 403 || status === 404;

/**
 * The entries for cases refused inside a bulk request, as the single routes record them: a case
 * the caller may not see is recorded like a nonexistent id — an entry for the caller's country,
 * and one for the case's own countries (or for nobody but admins when there is no such case) — and
 * a refusal on a visible case is one entry for its countries.
 */
export function bulkRefusalEntries(actor: Actor, route: string, refusals: BulkRefusal[]): AuditEntry[] {
  const at = new Date().toISOString();
  return refusals.flatMap(({ caseId, row, status, code }) => {
    const entry: AuditEntry = {
      at,
      actor,
      action: 'request.denied',
      objectType: 'case',
      objectIds: [caseId.toLowerCase()],
      outcome: 'denied',
      scopeCountries: [],
      details: { route, bulk: true, status, code },
    };
    const countries = row ? caseCountries(row) : [];
    if (row && canSee(scopeCountry(actor), row)) return [{ ...entry, scopeCountries: countries }];
    const hidden: AuditEntry = { ...entry, details: { ...entry.details, status: 404, code: 'NOT_FOUND' } };
    return [hidden, { ...hidden, scopeCountries: countries, onlyScopeCountries: true }];
  });
}

/** Records entries together (one insert); resolves once all are stored. */
export async function recordAll(audit: AuditTrail, entries: AuditEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => audit.record(entry)));
}

/** The countries a case belongs to, as an answer shows them. */
interface CaseInAnswer {
  caseId: string;
  holdingCountry: string;
  claimedNationality: string;
  destinationCountry: string | null;
}

/**
 * A route answers with one case (its body, or the body's `case`): the answer is a logged read of
 * that case — a disclosure when the case is held by another country — recorded before it is sent.
 */
export function answersWithCase(impliedPurpose: string): Disclosure {
  return {
    impliedPurpose,
    entry: (actor, purpose, body) => {
      const shown = ((body as { case?: CaseInAnswer }).case ?? body) as CaseInAnswer;
      return caseReadEntry(actor, 'case.answer', purpose, [
        {
          id: shown.caseId,
          holdingCountry: shown.holdingCountry,
          claimedNationality: shown.claimedNationality,
          destinationCountry: shown.destinationCountry,
        },
      ]);
    },
  };
}

/** A route answers with a transfer batch: the references and statuses of everyone on it. */
export function answersWithTransfer(impliedPurpose: string): Disclosure {
  return {
    impliedPurpose,
    entry: (actor, purpose, body) => {
      const batch = body as Pick<TransferDetail, 'transferId' | 'holdingCountry' | 'destinationCountry' | 'cases'>;
      return {
        at: new Date().toISOString(),
        actor,
        action: 'transfer.read',
        objectType: 'case',
        objectIds: batch.cases.map((c) => c.caseId),
        outcome: 'ok',
        purpose,
        recipientCountry: actor.country !== batch.holdingCountry ? actor.country : null,
        scopeCountries: [batch.holdingCountry, batch.destinationCountry],
        details: { transferId: batch.transferId, cases: batch.cases.length },
      };
    },
  };
}

/** Seals the log in the background; one sealer per API process is plenty (they take turns). */
export function startAuditSealer(db: Db, key: string, intervalMs = 1000): () => Promise<void> {
  return runEvery('audit sealing', intervalMs, async (stopped) => {
    while ((await sealAudit(db, key)) > 0 && !stopped());
  });
}
