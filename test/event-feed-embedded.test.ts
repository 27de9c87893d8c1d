// The event feed and the console's work lists on the embedded PGlite that `npm start` uses.
import { describe, expect, it } from 'vitest';
import { TEST_PROTECT } from './helpers/api.js';
import { useEmbeddedDatabase } from './helpers/embedded-db.js';
import { CaseEventFeed } from '../api/event-feed.js';
import { insertIntakes } from '../db/intake.js';
import { applyCaseChange } from '../db/projection.js';
import type { FeedEvent } from '../db/events.js';
import { caseEvents } from '../db/schema.js';
import { getProgress, listPendingDecisions, listTransfers } from '../db/worklists.js';
import { DEFAULT_TIMINGS, initialCaseSnapshot, type CaseWorkflowInput } from '../workflows/definitions.js';

const store = useEmbeddedDatabase('pglite-feed-');

const intake = (n: number): CaseWorkflowInput => ({
  caseId: `6f1c1d2e-3a4b-5c6d-8e9f-0a1b2c3d4e${String(n).padStart(2, '0')}`,
  openedBy: { sub: 'kh-officer', role: 'officer', country: 'KH' },
  openedAt: `2025-10-14T05:00:${String(n).padStart(2, '0')}.000Z`,
  participatingCountries: ['CN', 'KH'],
  timings: DEFAULT_TIMINGS,
  intake: {
    externalRef: `KH-PP-2025-${n}`,
    holdingCountry: 'KH',
    operationId: null,
    legalBasis: 'deportation',
    person: { fullName: `Person ${n}`, claimedNationality: 'CN', documents: [] },
    arrest: { at: '2025-10-14T03:00:00.000Z', place: 'Chrey Thom, Kandal', allegations: [] },
  },
});

function until<T>(check: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('event feed on the embedded database', () => {
  it('delivers new events in order and goes past an id that a rolled-back transaction drew', async () => {
    const feed = new CaseEventFeed(store.database.db, { pollIntervalMs: 20 });
    const received: FeedEvent[] = [];
    const subscription = await feed.subscribe({ deliver: (events) => received.push(...events), end: () => undefined });
    try {
      await insertIntakes(store.database.db, [intake(1), intake(2)], TEST_PROTECT);
      await until(() => (received.length >= 2 ? true : undefined));
      expect(received.map((e) => [e.caseId, e.type, e.toStatus, e.holdingCountry])).toEqual([
        [intake(1).caseId, 'CASE_OPENED', 'IDENTITY_PENDING', 'KH'],
        [intake(2).caseId, 'CASE_OPENED', 'IDENTITY_PENDING', 'KH'],
      ]);
      expect(received[0].id).toBeGreaterThan(subscription.head);

      await store.database.db
        .transaction(async (tx) => {
          await tx.insert(caseEvents).values({ caseId: intake(1).caseId, eventKey: 'rolled-back', type: 'TEST', at: new Date().toISOString() });
          throw new Error('roll back');
        })
        .catch(() => undefined);
      const input = intake(1);
      await applyCaseChange(store.database.db, {
        caseId: input.caseId,
        holdingCountry: 'KH',
        seq: 1,
        snapshot: { ...initialCaseSnapshot(input), status: 'APPROVAL_PENDING', destinationCountry: 'CN' },
        event: { type: 'IDENTITY_CONFIRMED', fromStatus: 'IDENTITY_PENDING', toStatus: 'APPROVAL_PENDING', actor: null, reason: null, data: null, at: new Date().toISOString() },
      });
      const confirmed = await until(() => received.find((e) => e.type === 'IDENTITY_CONFIRMED'));
      expect(confirmed).toMatchObject({ destinationCountry: 'CN', toStatus: 'APPROVAL_PENDING' });
      expect(received.map((e) => e.type)).toEqual(['CASE_OPENED', 'CASE_OPENED', 'IDENTITY_CONFIRMED']);
    } finally {
      subscription.unsubscribe();
    }
    expect(feed.subscribers).toBe(0);
  });

  it('starts again for the next subscriber after a start that failed (the database was down)', async () => {
    let down = true;
    const flaky = new Proxy(store.database.db, {
      get(target, property, receiver) {
        if (down && property === 'select') throw new Error('connection refused');
        return Reflect.get(target, property, receiver);
      },
    });
    const feed = new CaseEventFeed(flaky, { pollIntervalMs: 20 });
    const subscriber = { deliver: () => undefined, end: () => undefined };
    await expect(feed.subscribe(subscriber)).rejects.toThrow('connection refused');
    expect(feed.subscribers).toBe(0);
    down = false;
    const subscription = await feed.subscribe(subscriber);
    expect(subscription.head).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(feed.subscribers).toBe(0);
  });

  it('answers the work lists', async () => {
    const queue = await listPendingDecisions(store.database.db, { country: 'CN', limit: 10 });
    expect(queue.items.map((i) => [i.caseId, i.side, i.otherSideDecision])).toEqual([[intake(1).caseId, 'destination', null]]);
    expect((await listPendingDecisions(store.database.db, { country: 'VN', limit: 10 })).items).toEqual([]);
    expect(await listTransfers(store.database.db, { country: 'KH', limit: 10 })).toEqual({ items: [], next: null });
    expect(await getProgress(store.database.db, 'KH')).toEqual([
      { operationId: null, operationName: null, holdingCountry: 'KH', destinationCountry: 'CN', arrested: 2, verified: 0, approved: 0, handedOver: 0, pending: 2, overdue: 0 },
    ]);
  });
});
