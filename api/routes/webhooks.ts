// Webhook subscriptions (DESIGN §6 "Sharing channels"): a member country's supervisor has the team's
// changes, as their country may see them, POSTed to a URL of their agency and signed with a secret
// shown once. Delivery is the subscription's workflow's (workflows/webhook.ts); these routes manage
// the subscription and show its deliveries. A supervisor sees and manages their own country's
// subscriptions only; to anyone outside the team it does not exist.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { lastChangeId } from '../../db/intel-feed.js';
import {
  SUBSCRIPTION_STATES,
  activeSubscriptionIds,
  deliveryCounts,
  getSubscription,
  insertSubscription,
  listSubscriptions,
  recentDeliveries,
  replaceSecret,
  setSubscriptionState,
  type SubscriptionRow,
} from '../../db/webhooks.js';
import { internalHost } from '../../lib/internal-addresses.js';
import { log } from '../../lib/log.js';
import { newWebhookSecret, sealWebhookSecret } from '../../lib/webhook-signing.js';
import { DEFAULT_WEBHOOK_TIMINGS, type Actor, type WebhookTimings } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { HttpError, forbidden, notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { CHANGE_KINDS } from '../intel-policy.js';
import { TeamParams } from '../intel-schemas.js';
import { Id, Timestamp } from '../schemas.js';
import { visibleTeam, writableTeam } from './teams.js';

// ---- the contract ----

export const MAX_WEBHOOK_URL = 2000;

/** http or https, with a host, and no credentials in it (a secret in a URL ends up in logs). */
export const WebhookUrl = z
  .string()
  .max(MAX_WEBHOOK_URL)
  .regex(/^https?:\/\//, 'must be an http or https URL')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'must name a host' });
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not carry a fragment' });
  })
  .describe('where deliveries are POSTed: http or https, without credentials or fragment');

const Kinds = z
  .array(z.enum(CHANGE_KINDS))
  .min(1)
  .max(CHANGE_KINDS.length)
  .refine((l) => new Set(l).size === l.length, 'each kind once')
  .meta({ uniqueItems: true });

export const CreateSubscriptionBody = z.strictObject({
  url: WebhookUrl,
  kinds: Kinds.optional().describe('the kinds of change delivered (entity, link, team, notice); default: all'),
});

export const SubscriptionParams = z.strictObject({ id: TeamParams.shape.id, sid: Id });
export const DeliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const Subscription = z.strictObject({
  id: Id,
  teamId: z.string(),
  country: z.string(),
  url: z.string(),
  kinds: z.array(z.enum(CHANGE_KINDS)).nullable(),
  state: z.enum(SUBSCRIPTION_STATES).exclude(['deleted']),
  pausedAt: Timestamp.nullable(),
  pausedReason: z.string().nullable(),
  /** The last change id delivered (or passed over as not for this country). */
  cursor: z.number().int(),
  secretRotatedAt: Timestamp.nullable(),
  createdBy: z.string(),
  createdAt: Timestamp,
  deliveries: z.strictObject({ delivered: z.number().int(), failed: z.number().int() }),
});
export const SubscriptionWithSecret = Subscription.extend({
  secret: z.string().describe('the signing secret; shown this once only'),
});
export const SubscriptionList = z.strictObject({ items: z.array(Subscription) });
export const Delivery = z.strictObject({
  id: z.number().int(),
  eventId: z.number().int(),
  attempt: z.number().int(),
  at: Timestamp,
  ok: z.boolean(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
});
export const DeliveryList = z.strictObject({ items: z.array(Delivery) });

// ---- helpers ----

const iso = (at: string | null) => (at === null ? null : new Date(at).toISOString());

async function subscriptionView(db: Db, row: SubscriptionRow): Promise<z.infer<typeof Subscription>> {
  return {
    id: row.id,
    teamId: row.teamId,
    country: row.country,
    url: row.url,
    kinds: (row.kinds as z.infer<typeof Subscription>['kinds']) ?? null,
    state: row.state as 'active' | 'paused',
    pausedAt: iso(row.pausedAt),
    pausedReason: row.pausedReason,
    cursor: row.cursor,
    secretRotatedAt: iso(row.secretRotatedAt),
    createdBy: row.createdBy,
    createdAt: new Date(row.createdAt).toISOString(),
    deliveries: await deliveryCounts(db, row.id),
  };
}

/** The caller must be a member of the team (admins are not: a subscription is a member country's). */
async function memberTeam(db: Db, teamId: string, actor: Actor, write: boolean) {
  const access = write ? await writableTeam(db, teamId, actor) : await visibleTeam(db, teamId, actor);
  if (!access.member) throw forbidden("subscriptions are a member country's: only members of the team manage them");
  return access.team;
}

async function ownSubscription(db: Db, teamId: string, sid: string, actor: Actor, write: boolean): Promise<SubscriptionRow> {
  const team = await memberTeam(db, teamId, actor, write);
  const row = await getSubscription(db, team.id, actor.country, sid);
  if (!row) throw notFound("subscription of your country's");
  return row;
}

/**
 * Why the URL's host may not be delivered to, or null. WEBHOOK_ALLOW_HOSTS, when set, names the
 * hosts (or host:port) allowed, internal ones included; unset, any host is allowed but an internal
 * one (loopback, private, link-local: the system's own network).
 */
async function hostRefused(url: string, allowHosts: string[] | undefined): Promise<string | null> {
  const u = new URL(url);
  if (allowHosts && allowHosts.length > 0) {
    const named = allowHosts.includes(u.hostname.toLowerCase()) || allowHosts.includes(u.host.toLowerCase());
    return named ? null : 'the host is not allowed';
  }
  const internal = await internalHost(u.hostname);
  return internal && `${internal}: allowed only when WEBHOOK_ALLOW_HOSTS names it`;
}

/** Wakes subscriptions' workflows; a failure is logged, the slow poll delivers anyway. */
function wakeAll(deps: AppDeps, ids: string[], why: string): Promise<void> {
  const timings: WebhookTimings = deps.webhooks?.timings ?? DEFAULT_WEBHOOK_TIMINGS;
  return Promise.all(
    ids.map((subscriptionId) =>
      deps.temporal.wakeWebhook({ subscriptionId, timings }).catch((err: unknown) => {
        log.warn('a webhook subscription could not be woken; its poll will deliver', { subscriptionId, why, error: String(err) });
      }),
    ),
  ).then(() => undefined);
}

/**
 * After a successful write under /v1/teams/:id (a record, a link, a handling change, a member), the
 * team's active subscriptions are woken so delivery does not wait for their poll, and so is
 * `alsoWake` (the team streams' feed).
 */
export function wakeSubscriptionsOnTeamWrites(deps: AppDeps, alsoWake?: (teamId: string) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^\/v1\/teams\/([^/?#]+)(\/[^?#]*)?/.exec(req.path);
    if (req.method === 'GET' || req.method === 'HEAD' || !match || match[2]?.startsWith('/subscriptions')) return next();
    const teamId = decodeURIComponent(match[1]).toLowerCase();
    res.on('finish', () => {
      if (res.statusCode >= 300) return;
      alsoWake?.(teamId);
      activeSubscriptionIds(deps.db, teamId)
        .then((ids) => wakeAll(deps, ids, 'team change'))
        .catch((err: unknown) => log.warn('the subscriptions of a team could not be read to wake them', { teamId, error: String(err) }));
    });
    next();
  };
}

// ---- the routes ----

export function webhookRoutes(deps: AppDeps) {
  const { db } = deps;

  /**
   * POST /v1/teams/:id/subscriptions/:sid/<action>: a change to one of the caller's country's
   * subscriptions, answered with the subscription as it then stands and what the change adds to it
   * (a new secret); `change` answers null when the subscription went in the meantime.
   */
  const ownSubscriptionChange = ({
    action,
    summary,
    answer,
    change,
  }: {
    action: string;
    summary: string;
    answer: { description: string; schema: z.ZodType };
    change: (row: SubscriptionRow) => Promise<Record<string, unknown> | null>;
  }) =>
    route({
      method: 'post',
      path: `/v1/teams/:id/subscriptions/:sid/${action}`,
      summary,
      tags: ['teams'],
      params: SubscriptionParams,
      responses: { 200: answer, ...errorResponses(404, 409) },
      handler: async ({ actor, params }) => {
        const row = await ownSubscription(db, params.id, params.sid, actor, true);
        const extra = await change(row);
        const now = extra && (await getSubscription(db, row.teamId, row.country, row.id));
        if (!now) throw notFound("subscription of your country's");
        return { status: 200, body: { ...(await subscriptionView(db, now)), ...extra } };
      },
    });

  return [
    route({
      method: 'post',
      path: '/v1/teams/:id/subscriptions',
      summary:
        "Subscribe a URL of the caller's agency to the team's changes (a supervisor of a member country): delivered as the caller's country may see them, signed with the secret this answer shows once",
      description:
        'Deliveries start with the changes after this moment, one POST per change in change-id order, each with X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">, X-Event-Id (the change id, to deduplicate by) and the event as JSON. A delivery is retried with exponential backoff until a 2xx, up to the delivery limit; then the subscription pauses until resumed.',
      tags: ['teams'],
      params: TeamParams,
      body: CreateSubscriptionBody,
      responses: { 201: { description: 'the subscription, with its secret', schema: SubscriptionWithSecret }, ...errorResponses(404, 409) },
      handler: async ({ actor, params, body }) => {
        const team = await memberTeam(db, params.id, actor, true);
        const refused = await hostRefused(body.url, deps.webhooks?.allowHosts);
        if (refused) {
          throw new HttpError(400, 'URL_NOT_ALLOWED', 'webhooks may be sent only to the hosts this system allows (WEBHOOK_ALLOW_HOSTS)', {
            issues: [{ path: 'body.url', message: refused }],
          });
        }
        const id = randomUUID();
        const secret = newWebhookSecret();
        const row = await insertSubscription(db, {
          id,
          teamId: team.id,
          country: actor.country,
          url: body.url,
          kinds: body.kinds ?? null,
          secretSealed: sealWebhookSecret(deps.keyRing, id, secret),
          state: 'active',
          cursor: await lastChangeId(db),
          createdBy: actor.sub,
          createdAt: new Date().toISOString(),
        });
        // Not started now (Temporal down): the team's next change starts it (signal-with-start).
        await wakeAll(deps, [id], 'created');
        return { status: 201, body: { ...(await subscriptionView(db, row)), secret } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/subscriptions',
      summary: "The caller's country's subscriptions on the team, with their state (a paused one says why) and delivery counts",
      tags: ['teams'],
      params: TeamParams,
      responses: { 200: { description: 'the subscriptions, oldest first', schema: SubscriptionList }, ...errorResponses(404) },
      handler: async ({ actor, params }) => {
        const team = await memberTeam(db, params.id, actor, false);
        const rows = await listSubscriptions(db, team.id, actor.country);
        return { status: 200, body: { items: await Promise.all(rows.map((r) => subscriptionView(db, r))) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/subscriptions/:sid/deliveries',
      summary: "A subscription's recent delivery attempts, acknowledged and failed, newest first",
      tags: ['teams'],
      params: SubscriptionParams,
      query: DeliveriesQuery,
      responses: { 200: { description: 'the attempts', schema: DeliveryList }, ...errorResponses(404) },
      handler: async ({ actor, params, query }) => {
        const row = await ownSubscription(db, params.id, params.sid, actor, false);
        const items = await recentDeliveries(db, row.id, query.limit);
        return { status: 200, body: { items: items.map(({ subscriptionId: _sid, ...d }) => ({ ...d, at: new Date(d.at).toISOString() })) } };
      },
    }),
    ownSubscriptionChange({
      action: 'rotate-secret',
      summary: 'Replace the signing secret: deliveries from now on are signed with the new one (shown this once); the old one no longer verifies',
      answer: { description: 'the subscription, with its new secret', schema: SubscriptionWithSecret },
      change: async (row) => {
        const secret = newWebhookSecret();
        if (!(await replaceSecret(db, row.id, sealWebhookSecret(deps.keyRing, row.id, secret), new Date().toISOString()))) return null;
        return { secret };
      },
    }),
    ownSubscriptionChange({
      action: 'resume',
      summary: 'Resume a paused subscription: delivery starts again at the change it stopped at (an active one is left as it is)',
      answer: { description: 'the subscription', schema: Subscription },
      change: async (row) => {
        await setSubscriptionState(db, row.id, ['paused'], 'active', new Date().toISOString());
        await wakeAll(deps, [row.id], 'resumed');
        return {};
      },
    }),
    route({
      method: 'delete',
      path: '/v1/teams/:id/subscriptions/:sid',
      summary: 'End a subscription: nothing more is delivered (its delivery log is kept)',
      tags: ['teams'],
      params: SubscriptionParams,
      responses: { 204: { description: 'ended' }, ...errorResponses(404) },
      handler: async ({ actor, params }) => {
        const row = await ownSubscription(db, params.id, params.sid, actor, false);
        if (!(await setSubscriptionState(db, row.id, ['active', 'paused'], 'deleted', new Date().toISOString()))) {
          throw notFound("subscription of your country's");
        }
        await wakeAll(deps, [row.id], 'deleted');
        return { status: 204, body: undefined };
      },
    }),
  ];
}
