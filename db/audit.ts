// The audit log (Law Enforcement Directive Art. 25, CJIS 5.4): who read or changed what, when,
// why, and for whom. Entries are appended unsealed, inside the transaction of what they record, so
// writers never wait on one another; a sealer then chains them in order with an HMAC under a key the
// database does not hold, and signs the chain head. The verifier names the first entry that was
// altered, removed, inserted or reordered.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, arrayOverlaps, asc, desc, eq, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Actor } from '../workflows/definitions.js';
import type { Db } from './client.js';
import { auditHead, auditLog } from './schema.js';

export interface AuditEntry {
  at: string;
  actor: Pick<Actor, 'sub' | 'role' | 'country'> | null;
  action: string;
  objectType?: string | null;
  objectIds?: string[];
  outcome: 'ok' | 'denied' | 'failed';
  purpose?: string | null;
  recipientCountry?: string | null;
  /** Countries whose auditors may read the entry (the actor's is added unless `onlyScopeCountries`). */
  scopeCountries?: string[];
  /**
   * The entry is for `scopeCountries` alone, not the actor's country: the record of a refusal kept
   * where the object's own countries see it, which the caller's country must not (admins see all).
   */
  onlyScopeCountries?: boolean;
  /** Ids, counts and codes only: never names or document numbers. */
  details?: Record<string, unknown> | null;
}

export function auditRow(entry: AuditEntry) {
  const scope = new Set(entry.scopeCountries ?? []);
  if (entry.actor?.country && !entry.onlyScopeCountries) scope.add(entry.actor.country);
  return {
    at: entry.at,
    actorSub: entry.actor?.sub ?? null,
    actorRole: entry.actor?.role ?? null,
    actorCountry: entry.actor?.country ?? null,
    action: entry.action,
    objectType: entry.objectType ?? null,
    objectIds: entry.objectIds ?? [],
    outcome: entry.outcome,
    purpose: entry.purpose ?? null,
    recipientCountry: entry.recipientCountry ?? null,
    scopeCountries: [...scope].sort(),
    details: entry.details ?? null,
  };
}

/** Appends entries (unsealed). Call it with the transaction of the change the entries record. */
export async function appendAudit(db: Db, entries: AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    await db.insert(auditLog).values(entries.slice(i, i + 1000).map(auditRow));
  }
}

/** An INSERT of one entry that happens only if `condition` holds, to run inside a larger statement. */
export function auditInsertIf(condition: SQL, entry: AuditEntry): SQL {
  const row = auditRow(entry);
  const textArray = (values: string[]) =>
    values.length === 0 ? sql`'{}'::text[]` : sql`array[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::text[]`;
  return sql`insert into ${auditLog} (at, actor_sub, actor_role, actor_country, action, object_type, object_ids,
      outcome, purpose, recipient_country, scope_countries, details)
    select ${row.at}::timestamptz, ${row.actorSub}, ${row.actorRole}, ${row.actorCountry}, ${row.action}, ${row.objectType},
      ${textArray(row.objectIds)}, ${row.outcome}, ${row.purpose}, ${row.recipientCountry}, ${textArray(row.scopeCountries)},
      ${row.details === null ? null : JSON.stringify(row.details)}::jsonb
    where ${condition}`;
}

// ---- the chain ----

type StoredEntry = typeof auditLog.$inferSelect;

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The content an entry's hash covers, in a form both the sealer and the verifier derive from the stored row. */
function canonical(row: StoredEntry, seq: number): string {
  return stable([
    seq,
    row.id,
    new Date(row.at).toISOString(),
    row.actorSub,
    row.actorRole,
    row.actorCountry,
    row.action,
    row.objectType,
    row.objectIds,
    row.outcome,
    row.purpose,
    row.recipientCountry,
    row.scopeCountries,
    row.details,
  ]);
}

const chainHash = (key: string, prevHash: string, row: StoredEntry, seq: number) =>
  createHmac('sha256', key).update(prevHash).update('\n').update(canonical(row, seq)).digest('hex');
const headSignature = (key: string, seq: number, hash: string) =>
  createHmac('sha256', key).update(`audit-head:${seq}:${hash}`).digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Chains the unsealed entries, oldest first, and signs the new head. Returns how many it sealed. */
export async function sealAudit(db: Db, key: string, limit = 5000): Promise<number> {
  return db.transaction(async (tx) => {
    const now = new Date().toISOString();
    await tx
      .insert(auditHead)
      .values({ id: 1, seq: 0, hash: '', signature: headSignature(key, 0, ''), sealedAt: now })
      .onConflictDoNothing();
    const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
    const rows = await tx.select().from(auditLog).where(isNull(auditLog.seq)).orderBy(asc(auditLog.id)).limit(limit);
    if (rows.length === 0) return 0;
    let { seq, hash } = head;
    const sealed: { id: number; seq: number; prev: string; hash: string }[] = [];
    for (const row of rows) {
      seq += 1;
      const next = chainHash(key, hash, row, seq);
      sealed.push({ id: row.id, seq, prev: hash, hash: next });
      hash = next;
    }
    const values = sql.join(
      sealed.map((s) => sql`(${s.id}::bigint, ${s.seq}::bigint, ${s.prev}, ${s.hash})`),
      sql`, `,
    );
    await tx.execute(
      sql`update ${auditLog} as a set seq = v.seq, prev_hash = v.prev, hash = v.hash
          from (values ${values}) as v(id, seq, prev, hash) where a.id = v.id`,
    );
    await tx
      .update(auditHead)
      .set({ seq, hash, signature: headSignature(key, seq, hash), sealedAt: now })
      .where(eq(auditHead.id, 1));
    return sealed.length;
  });
}

export type AuditVerification =
  | { ok: true; entries: number; unsealed: number; head: { seq: number; hash: string } }
  | {
      ok: false;
      entries: number;
      unsealed: number;
      /** The chain position of the first entry found wrong. */
      firstInvalidSeq: number;
      reason: 'altered' | 'removed' | 'inserted' | 'reordered' | 'truncated' | 'head-signature';
      message: string;
    };

/**
 * What an auditor of one country learns from verifying the chain: whether it holds, and counts and
 * positions of the entries in that country's scope only (the whole chain's size and the place of a
 * break among other countries' entries are not theirs to know).
 */
export type ScopedAuditVerification =
  | { ok: true; scope: string; entries: number; unsealed: number }
  | {
      ok: false;
      scope: string;
      entries: number;
      unsealed: number;
      /** Present only when the first entry found wrong is in the caller's scope. */
      firstInvalidSeq?: number;
      reason: Exclude<AuditVerification, { ok: true }>['reason'];
      message: string;
    };

/** Recomputes the chain and checks the signed head. */
export async function verifyAudit(db: Db, key: string): Promise<AuditVerification>;
/** The same check of the whole chain, told as an auditor of `scopeCountry` may see it. */
export async function verifyAudit(db: Db, key: string, scopeCountry: string): Promise<ScopedAuditVerification>;
export async function verifyAudit(db: Db, key: string, scopeCountry?: string): Promise<AuditVerification | ScopedAuditVerification> {
  // One snapshot for the entries and the head: a sealer committing between the two reads would
  // otherwise make a sound chain look cut off.
  const { rows, unsealed, unsealedInScope, head } = await db.transaction(
    async (tx) => {
      const rows = await tx.select().from(auditLog).where(isNotNull(auditLog.seq)).orderBy(asc(auditLog.seq));
      const [counts] = await tx
        .select({
          unsealed: sql<number>`count(*)::int`,
          unsealedInScope: sql<number>`(count(*) filter (where ${scopeCountry ?? null}::text = any(${auditLog.scopeCountries})))::int`,
        })
        .from(auditLog)
        .where(isNull(auditLog.seq));
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1));
      return { rows, ...counts, head };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  const whole = checkChain(key, rows, unsealed, head);
  if (scopeCountry === undefined) return whole;
  const inScope = (row: StoredEntry | undefined) => row !== undefined && row.scopeCountries.includes(scopeCountry);
  const entries = rows.filter(inScope).length;
  if (whole.ok) return { ok: true, scope: scopeCountry, entries, unsealed: unsealedInScope };
  const at = rows[whole.firstInvalidSeq - 1];
  const shown = at?.seq === whole.firstInvalidSeq && inScope(at) && whole.reason !== 'truncated' && whole.reason !== 'head-signature';
  return {
    ok: false,
    scope: scopeCountry,
    entries,
    unsealed: unsealedInScope,
    ...(shown ? { firstInvalidSeq: whole.firstInvalidSeq } : {}),
    reason: whole.reason,
    message: shown
      ? `entry ${whole.firstInvalidSeq}, in your scope, is the first one found wrong (${whole.reason})`
      : `the chain does not hold (${whole.reason}) at a point outside your scope; an administrator can see where`,
  };
}

function checkChain(
  key: string,
  rows: StoredEntry[],
  unsealed: number,
  head: typeof auditHead.$inferSelect | undefined,
): AuditVerification {
  const entries = rows.length;
  const fail = (firstInvalidSeq: number, reason: Exclude<AuditVerification, { ok: true }>['reason'], message: string): AuditVerification => ({
    ok: false,
    entries,
    unsealed,
    firstInvalidSeq,
    reason,
    message,
  });
  const positionOf = new Map(rows.map((r, i) => [r.hash!, i]));
  let prev = '';
  for (let i = 0; i < rows.length; i++) {
    const expectedSeq = i + 1;
    const row = rows[i];
    if (row.seq !== expectedSeq) return fail(expectedSeq, 'removed', `entry ${expectedSeq} is missing`);
    if (row.prevHash !== prev) {
      const later = positionOf.get(row.prevHash ?? '');
      return later !== undefined && later > i
        ? fail(expectedSeq, 'reordered', `entry ${expectedSeq} follows an entry that comes after it`)
        : fail(expectedSeq, 'removed', `the entry before ${expectedSeq} is not the one it was chained to`);
    }
    if (!sameHex(chainHash(key, prev, row, expectedSeq), row.hash ?? '')) {
      const next = rows[i + 1];
      if (next && next.prevHash === row.prevHash) return fail(expectedSeq, 'inserted', `entry ${expectedSeq} was not in the chain`);
      return fail(expectedSeq, 'altered', `entry ${expectedSeq} does not match its hash`);
    }
    prev = row.hash!;
  }
  if (!head) {
    return entries === 0 ? { ok: true, entries, unsealed, head: { seq: 0, hash: '' } } : fail(1, 'head-signature', 'the chain head is missing');
  }
  if (!sameHex(headSignature(key, head.seq, head.hash), head.signature)) {
    return fail(Math.min(head.seq, entries) + 1, 'head-signature', 'the chain head signature is not valid');
  }
  if (head.seq !== entries || head.hash !== prev) {
    return fail(entries + 1, 'truncated', `the signed head is at ${head.seq}, the chain ends at ${entries}`);
  }
  return { ok: true, entries, unsealed, head: { seq: head.seq, hash: head.hash } };
}

// ---- reading ----

export async function listAudit(
  db: Db,
  options: { scopeCountry: string | null; limit: number; before?: number; objectId?: string; actorSub?: string; action?: string },
) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        options.scopeCountry ? arrayOverlaps(auditLog.scopeCountries, [options.scopeCountry]) : undefined,
        options.before ? lt(auditLog.id, options.before) : undefined,
        options.objectId ? arrayOverlaps(auditLog.objectIds, [options.objectId]) : undefined,
        options.actorSub ? eq(auditLog.actorSub, options.actorSub) : undefined,
        options.action ? eq(auditLog.action, options.action) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(options.limit + 1);
  const items = rows.slice(0, options.limit).map((r) => ({
    id: r.id,
    seq: r.seq,
    at: new Date(r.at).toISOString(),
    actor: r.actorSub ? { sub: r.actorSub, role: r.actorRole, country: r.actorCountry } : null,
    action: r.action,
    objectType: r.objectType,
    objectIds: r.objectIds,
    outcome: r.outcome,
    purpose: r.purpose,
    recipientCountry: r.recipientCountry,
    details: r.details ?? null,
    hash: r.hash,
  }));
  return { items, next: rows.length > options.limit ? items[items.length - 1].id : null };
}
