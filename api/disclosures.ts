// Disclosures of case data and intelligence to another country, for the audit log (DESIGN.md §5, §6).
import type { FeedEvent } from '../db/events.js';
import type { ChannelEvent } from '../db/intel-feed.js';
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

/** The country a change came from: the record's originator, or for a team change or notice, who made it. */
const originOf = (event: ChannelEvent): string | null =>
  event.record && 'originCountry' in event.record ? event.record.originCountry : event.actorCountry;

/**
 * Records one webhook delivery the receiver acknowledged: a disclosure to the subscriber's country
 * when the change came from another (the actor is the supervisor who set the subscription up).
 */
export function recordWebhookDisclosure(
  audit: AuditTrail,
  subscription: { id: string; teamId: string; country: string; createdBy: string },
  event: ChannelEvent,
): Promise<void> {
  const origin = originOf(event);
  return audit.record({
    at: new Date().toISOString(),
    actor: { sub: subscription.createdBy, role: 'supervisor', country: subscription.country },
    action: 'intel.webhook.disclose',
    objectType: 'intel',
    objectIds: [event.recordId],
    outcome: 'ok',
    purpose: 'webhook delivery to a team member country',
    recipientCountry: origin !== subscription.country ? subscription.country : null,
    scopeCountries: origin ? [origin] : [],
    details: { teamId: subscription.teamId, subscriptionId: subscription.id, event: event.id, recordKind: event.recordKind },
  });
}

/**
 * Records a batch of the team stream just sent to `recipient`: a disclosure when any of it came from
 * another country than the recipient's (those changes are the entry's objects).
 */
export function recordTeamStreamDisclosure(audit: AuditTrail, recipient: Actor, teamId: string, events: ChannelEvent[], purpose: string): Promise<void> {
  const disclosed = events.filter((e) => {
    const origin = originOf(e);
    return origin !== null && origin !== recipient.country;
  });
  if (disclosed.length === 0) return Promise.resolve();
  return audit.record({
    at: new Date().toISOString(),
    actor: recipient,
    action: 'intel.stream.disclose',
    objectType: 'intel',
    objectIds: [...new Set(disclosed.map((e) => e.recordId))],
    outcome: 'ok',
    purpose,
    recipientCountry: recipient.country,
    scopeCountries: [...new Set(disclosed.map((e) => originOf(e)!))],
    details: { teamId, events: disclosed.map((e) => e.id), recordKinds: [...new Set(disclosed.map((e) => e.recordKind))] },
  });
}
