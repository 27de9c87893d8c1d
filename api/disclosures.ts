// Disclosures of case data to another country's users, for the audit log (DESIGN.md §5).
import type { FeedEvent } from '../db/events.js';
import type { Actor } from '../workflows/definitions.js';
import type { AuditTrail } from './audit.js';

/** Records the stream events just sent to `recipient` about cases held by another country. */
export function recordStreamDisclosure(audit: AuditTrail, recipient: Actor, events: FeedEvent[], purpose: string): Promise<void> {
  return audit.record({
    at: new Date().toISOString(),
    actor: recipient,
    action: 'case.stream.disclose',
    objectType: 'case',
    objectIds: [...new Set(events.map((e) => e.caseId))],
    outcome: 'ok',
    purpose,
    recipientCountry: recipient.country,
    scopeCountries: [...new Set(events.flatMap((e) => [e.holdingCountry, ...(e.destinationCountry ? [e.destinationCountry] : [])]))],
    details: { events: events.map((e) => e.id) },
  });
}
