// Disclosures of case data to another country's users, for the audit log (DESIGN.md §5).
import type { Db } from '../db/client.js';
import type { FeedEvent } from '../db/events.js';
import type { Actor } from '../workflows/definitions.js';

/**
 * Called with the stream events just sent to `recipient` about cases held by another country.
 * The audit log records each of them here (actor, time, object, recipient); until it exists this
 * records nothing.
 */
export async function recordStreamDisclosure(_db: Db, _recipient: Actor, _events: FeedEvent[]): Promise<void> {}
