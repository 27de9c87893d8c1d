// Who may see what: users see the cases of their own country (held there, or its nationals), admins
// see all. Anything out of scope is answered 404, so ids cannot be probed.
import { getCaseDetail } from '../db/cases.js';
import type { Db } from '../db/client.js';
import type { FieldProtection } from '../lib/crypto.js';
import { projectCase } from '../lib/need-to-know.js';
import type { Actor } from '../workflows/definitions.js';
import { HttpError, notFound } from './errors.js';

/** The country a user's reads are limited to; null for admins. */
export const scopeCountry = (actor: Actor): string | null => (actor.role === 'admin' ? null : actor.country);

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

export function decodeCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw new HttpError(400, 'INVALID_CURSOR', 'the cursor is not one this API issued');
}
