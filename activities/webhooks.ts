// The activities of a webhook subscription's workflow (workflows/webhook.ts): one round of
// deliveries in change-id order, and the pause at the delivery limit. The cursor moves only after
// a 2xx; each acknowledged delivery is a disclosure in the audit log.
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { setTimeout as wait } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { createAuditTrail } from '../api/audit.js';
import { recordWebhookDisclosure } from '../api/disclosures.js';
import type { Db } from '../db/client.js';
import { channelEvents, readSettledChanges, type ChannelEvent } from '../db/intel-feed.js';
import { teams } from '../db/schema.js';
import { advanceCursor, recordDelivery, setSubscriptionState, subscriptionById, type SubscriptionRow } from '../db/webhooks.js';
import { DEFAULT_TEAM_STREAM_HOLD_MS } from '../lib/config.js';
import type { KeyRing } from '../lib/crypto.js';
import { openWebhookSecret, signWebhook } from '../lib/webhook-signing.js';
import type { WebhookRound } from '../workflows/definitions.js';

export interface WebhookActivityDeps {
  db: Db;
  keyRing: KeyRing;
  /** One request's timeout (WEBHOOK_TIMEOUT): a slow receiver holds only its own subscription. */
  timeoutMs?: number;
  /**
   * How old a change must be before it is delivered (TEAM_STREAM_HOLD, as the team stream): a record
   * restricted right after its creation is delivered as restricted, never as it was for a moment.
   */
  holdMs?: number;
  /** The clock the hold is measured by (tests hold changes back for as long as they need). */
  now?: () => number;
}
export type WebhookDelivery = Pick<WebhookActivityDeps, 'timeoutMs' | 'holdMs' | 'now'>;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
/** How long one round sends before it hands back to the workflow (which then starts the next). */
export const WEBHOOK_ROUND_MS = 30_000;
const BATCH = 100;
/** Heartbeats of a round; the workflow's heartbeat timeout is a few of these. */
const HEARTBEAT_MS = 2_000;

export const WEBHOOK_FAILURE = 'WEBHOOK_NOT_ACKNOWLEDGED';

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

async function post(url: string, secret: string, subscriptionId: string, event: ChannelEvent, timeoutMs: number, cancelled: AbortSignal): Promise<Attempt> {
  const body = JSON.stringify(event);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'case-engine-webhooks/1',
        'X-Signature': signWebhook(secret, body),
        'X-Event-Id': String(event.id),
        'X-Subscription-Id': subscriptionId,
      },
      body,
      // A redirect is not followed: the receiver is the URL the subscription names.
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancelled]),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `the receiver answered ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { ok: false, status: null, error: why };
  }
}

export function createWebhookActivities({
  db,
  keyRing,
  timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS,
  holdMs = DEFAULT_TEAM_STREAM_HOLD_MS,
  now = Date.now,
}: WebhookActivityDeps) {
  const audit = createAuditTrail(db);

  /** The subscription as it stands, or the round's answer when it is not to be served now. */
  async function current(id: string): Promise<SubscriptionRow | WebhookRound> {
    const sub = await subscriptionById(db, id);
    if (!sub || sub.state === 'deleted') return { state: 'deleted' };
    if (sub.state === 'paused') return { state: 'paused' };
    return sub;
  }

  return {
    /**
     * Delivers what the subscriber's country may see after the cursor, in order, until nothing is
     * left or the round's time is up. A receiver's refusal fails the activity (Temporal retries it
     * with backoff) unless this attempt delivered something first: then the round ends with 'more',
     * so the delivery limit counts the attempts at one change.
     */
    async deliverWebhooks({ subscriptionId }: { subscriptionId: string }): Promise<WebhookRound> {
      // Beats all along (a gap wait, a slow receiver): a killed worker's round times out in seconds.
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        return await deliverRound(subscriptionId, context.info.attempt, context.cancellationSignal);
      } finally {
        clearInterval(beat);
      }
    },

    /** The delivery limit was reached: the subscription waits for a supervisor to resume it. */
    async pauseWebhookSubscription({ subscriptionId, reason }: { subscriptionId: string; reason: string }): Promise<void> {
      await setSubscriptionState(db, subscriptionId, ['active'], 'paused', new Date().toISOString(), reason.slice(0, 500));
    },
  };

  async function deliverRound(subscriptionId: string, attempt: number, cancelled: AbortSignal): Promise<WebhookRound> {
    const started = Date.now();
    let delivered = 0;
    let sub = await current(subscriptionId);
    if (!('id' in sub)) return sub;
    const [team] = await db.select({ memberCountries: teams.memberCountries }).from(teams).where(eq(teams.id, sub.teamId));
    if (!team?.memberCountries.includes(sub.country)) {
      await setSubscriptionState(
        db,
        sub.id,
        ['active'],
        'paused',
        new Date().toISOString(),
        'the country is no longer a member of the team',
      );
      return { state: 'paused' };
    }
    let cursor = sub.cursor;
    for (;;) {
      const read = await readSettledChanges(db, cursor, { limit: BATCH });
      if (read.head === cursor) return { state: 'idle' };
      // Held back from the first change younger than the hold; the round waits for it to come of age.
      const young = read.rows.findIndex((r) => new Date(r.at).getTime() > now() - holdMs);
      if (young === 0) {
        if (Date.now() - started > WEBHOOK_ROUND_MS) return { state: 'more' };
        await wait(Math.max(10, Math.min(holdMs, new Date(read.rows[0].at).getTime() + holdMs - now())), undefined, { signal: cancelled });
        continue;
      }
      const rows = young < 0 ? read.rows : read.rows.slice(0, young);
      const head = young < 0 ? read.head : read.rows[young].id - 1;
      const kinds = sub.kinds;
      const events = (await channelEvents(db, rows, sub.teamId, sub.country)).filter((e) => !kinds || kinds.includes(e.recordKind));
      for (const event of events) {
        // Read again before each: a pause, a deletion or a new secret applies from the next delivery.
        sub = await current(subscriptionId);
        if (!('id' in sub)) return sub;
        // A round Temporal gave up on (its heartbeat timed out) stops here, so two never send at once.
        if (cancelled.aborted) throw new CancelledFailure('the round was cancelled');
        const t0 = Date.now();
        const result = await post(sub.url, openWebhookSecret(keyRing, sub.id, sub.secretSealed), sub.id, event, timeoutMs, cancelled);
        await recordDelivery(db, {
          subscriptionId: sub.id,
          eventId: event.id,
          attempt: delivered === 0 ? attempt : 1,
          at: new Date(t0).toISOString(),
          ok: result.ok,
          status: result.status,
          error: result.ok ? null : result.error,
          durationMs: Date.now() - t0,
        });
        if (!result.ok) {
          if (delivered > 0) return { state: 'more' };
          throw ApplicationFailure.create({ type: WEBHOOK_FAILURE, message: `event ${event.id}: ${result.error}` });
        }
        // Logged before the cursor moves: a crash between the two repeats the entry, never loses it.
        await recordWebhookDisclosure(audit, sub, event);
        await advanceCursor(db, sub.id, event.id);
        delivered++;
      }
      await advanceCursor(db, subscriptionId, head);
      cursor = head;
      if (Date.now() - started > WEBHOOK_ROUND_MS) return { state: 'more' };
    }
  }
}
