// Webhook subscriptions and their delivery log (DESIGN §6 "Sharing channels"). A subscription
// belongs to one member country of one team; its cursor is the last change id delivered.
import { and, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { webhookDeliveries, webhookSubscriptions } from './schema.js';

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export const SUBSCRIPTION_STATES = ['active', 'paused', 'deleted'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export async function insertSubscription(db: Db, row: typeof webhookSubscriptions.$inferInsert): Promise<SubscriptionRow> {
  const [inserted] = await db.insert(webhookSubscriptions).values(row).returning();
  return inserted;
}

/** A country's subscriptions on a team (not the deleted ones), oldest first. */
export function listSubscriptions(db: Db, teamId: string, country: string): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.teamId, teamId), eq(webhookSubscriptions.country, country), ne(webhookSubscriptions.state, 'deleted')))
    .orderBy(webhookSubscriptions.createdAt, webhookSubscriptions.id);
}

/** One of a country's subscriptions on a team (not deleted), or undefined. */
export async function getSubscription(db: Db, teamId: string, country: string, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.id, id),
        eq(webhookSubscriptions.teamId, teamId),
        eq(webhookSubscriptions.country, country),
        ne(webhookSubscriptions.state, 'deleted'),
      ),
    );
  return row;
}

export async function subscriptionById(db: Db, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
  return row;
}

/** The team's subscriptions that deliver now (a written change wakes them). */
export async function activeSubscriptionIds(db: Db, teamId: string): Promise<string[]> {
  const rows = await db
    .select({ id: webhookSubscriptions.id })
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.teamId, teamId), eq(webhookSubscriptions.state, 'active')));
  return rows.map((r) => r.id);
}

/** Moves the cursor forward to `to` (never back: a retried round may report an id already passed). */
export async function advanceCursor(db: Db, id: string, to: number): Promise<void> {
  await db
    .update(webhookSubscriptions)
    .set({ cursor: to })
    .where(and(eq(webhookSubscriptions.id, id), lt(webhookSubscriptions.cursor, to)));
}

/** Changes the state from one of `from`; false when the subscription was in none of them. */
export async function setSubscriptionState(
  db: Db,
  id: string,
  from: SubscriptionState[],
  to: SubscriptionState,
  at: string,
  reason: string | null = null,
): Promise<boolean> {
  const rows = await db
    .update(webhookSubscriptions)
    .set({
      state: to,
      ...(to === 'paused' ? { pausedAt: at, pausedReason: reason } : { pausedAt: null, pausedReason: null }),
      ...(to === 'deleted' ? { deletedAt: at } : {}),
    })
    .where(and(eq(webhookSubscriptions.id, id), inArray(webhookSubscriptions.state, from)))
    .returning({ id: webhookSubscriptions.id });
  return rows.length > 0;
}

export async function replaceSecret(db: Db, id: string, secretSealed: string, at: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .update(webhookSubscriptions)
    .set({ secretSealed, secretRotatedAt: at })
    .where(and(eq(webhookSubscriptions.id, id), ne(webhookSubscriptions.state, 'deleted')))
    .returning();
  return row;
}

export async function recordDelivery(db: Db, row: typeof webhookDeliveries.$inferInsert): Promise<void> {
  await db.insert(webhookDeliveries).values(row);
}

/** The latest attempts, newest first. */
export function recentDeliveries(db: Db, id: string, limit: number): Promise<DeliveryRow[]> {
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, id)).orderBy(desc(webhookDeliveries.id)).limit(limit);
}

/** Acknowledged deliveries and failed attempts of a subscription. */
export async function deliveryCounts(db: Db, id: string): Promise<{ delivered: number; failed: number }> {
  const [row] = await db
    .select({
      delivered: sql<number>`count(*) filter (where ${webhookDeliveries.ok})::int`,
      failed: sql<number>`count(*) filter (where not ${webhookDeliveries.ok})::int`,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.subscriptionId, id));
  return { delivered: row?.delivered ?? 0, failed: row?.failed ?? 0 };
}
