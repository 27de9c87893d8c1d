// The case as an answer shows it, and the list cursors. Who may see which record is db/visibility.ts.
import { getCaseDetail } from '../db/case-detail.js';
import type { Db } from '../db/client.js';
import type { FieldProtection } from '../lib/crypto.js';
import { projectCase } from '../lib/need-to-know.js';
import { scopeCountry } from '../db/visibility.js';
import type { Actor } from '../workflows/definitions.js';
import { HttpError, notFound } from './errors.js';

export { scopeCountry } from '../db/visibility.js';

/** The case as GET /v1/cases/:id shows it to `viewer` (after a change: read-your-writes from the store). */
export async function caseDetail(db: Db, caseId: string, protect: FieldProtection, viewer: Actor) {
  const found = await getCaseDetail(db, caseId, protect);
  if (!found) throw notFound();
  return projectCase(found, scopeCountry(viewer));
}

/** Opaque keyset cursors: base64url of the last item's sort key. */
export function encodeCursor(key: { createdAt: string; id: string } | null): string | null {
  return key ? Buffer.from(JSON.stringify([key.createdAt, key.id])).toString('base64url') : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A sort key as the lists write it: an instant as toISOString() gives it, or `infinity` (no deadline). */
function isKeyInstant(value: string): boolean {
  if (value === 'infinity') return true;
  // Year 0000 is valid ISO but not a PostgreSQL timestamp.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) || value.startsWith('0000')) return false;
  const at = new Date(value);
  return !Number.isNaN(at.getTime()) && at.toISOString() === value;
}

/** A cursor is checked in full here, so a forged one is a 400 and never reaches SQL. */
export function decodeCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (Array.isArray(key) && key.length === 2) {
    const [createdAt, id] = key as unknown[];
    if (typeof createdAt === 'string' && isKeyInstant(createdAt) && typeof id === 'string' && UUID.test(id)) return { createdAt, id };
  }
  throw new HttpError(400, 'INVALID_CURSOR', 'the cursor is not one this API issued');
}
