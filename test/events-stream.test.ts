// GET /v1/events/stream on a real HTTP server: changes arrive as they happen, in id order, only
// within the caller's scope, without personal data, and a client resumes with Last-Event-ID.
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listen, type RunningServer } from '../api/server.js';
import { StreamEvent } from '../api/routes/events.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import { testApp } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { connectEventStream, connectSse, type SseConnection, type SseMessage } from './helpers/sse.js';
import { useStack } from './helpers/stack.js';

let server: RunningServer;
const u = makeUsers();
const open: SseConnection[] = [];

// The tests here keep several streams of one user open at once; the cap has its own test below.
const t = useStack(u, { app: { stream: { pollIntervalMs: 50, heartbeatMs: 1000 }, limits: { streamsPerUser: 20 } } });
beforeAll(async () => {
  server = await listen(t.stack.api.app, 0, '127.0.0.1');
});
afterAll(async () => {
  for (const c of open) c.close();
  await server?.close(2000);
});

async function stream(as: Actor, lastEventId?: string | number): Promise<SseConnection> {
  const connection = await connectEventStream(server.url, await t.stack.api.token(as), lastEventId);
  open.push(connection);
  return connection;
}

const of = (caseId: string) => (m: SseMessage) => m.data.caseId === caseId;
const ofType = (caseId: string, type: string) => (m: SseMessage) => m.data.caseId === caseId && m.data.type === type;

describe('the case event stream', () => {
  it('needs a purpose, and logs the opening and each disclosure to another country', async () => {
    const refused = await fetch(`${server.url}/v1/events/stream`, { headers: { Authorization: `Bearer ${await t.stack.api.token(u.cnOfficer)}`, 'X-Purpose': '' } });
    expect(refused.status).toBe(400);
    const watcher = u.user('officer', 'CN', 7);
    const cn = await stream(watcher);
    const caseId = await t.steps.open();
    await cn.waitFor(ofType(caseId, 'CASE_OPENED'), 20_000, 'CASE_OPENED');
    const logged = async () =>
      (await t.stack.database.db.select().from(auditLog).where(eq(auditLog.actorSub, watcher.sub))).map((e) => ({
        action: e.action,
        recipient: e.recipientCountry,
        purpose: e.purpose,
        cases: e.objectIds,
      }));
    await expect.poll(async () => (await logged()).some((e) => e.action === 'case.stream.disclose' && e.cases.includes(caseId))).toBe(true);
    const entries = await logged();
    expect(entries[0]).toMatchObject({ action: 'case.stream.open', purpose: 'following cases (test)' });
    expect(entries.find((e) => e.cases.includes(caseId))).toMatchObject({ action: 'case.stream.disclose', recipient: 'CN', purpose: 'following cases (test)' });
  });

  it('sends each change of a case to both countries as it happens, in order, without personal data', async () => {
    const kh = await stream(u.khOfficer);
    const cn = await stream(u.cnSupervisor);
    expect(kh.status).toBe(200);
    expect(kh.contentType).toMatch(/^text\/event-stream/);

    const caseId = await t.steps.open();
    const opened = await kh.waitFor(ofType(caseId, 'CASE_OPENED'), 20_000, 'CASE_OPENED on the holding side');
    expect(opened.event).toBe('case');
    expect(opened.data).toMatchObject({ caseId, fromStatus: null, toStatus: 'IDENTITY_PENDING', holdingCountry: 'KH', destinationCountry: null });
    expect(opened.id).toBe(String(opened.data.id));
    await cn.waitFor(ofType(caseId, 'CASE_OPENED'), 20_000, 'CASE_OPENED on the claimed nationality\'s side');

    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    await t.steps.decide(caseId, u.cnSupervisor);
    await kh.waitFor(ofType(caseId, 'APPROVED'), 20_000, 'APPROVED');
    const seen = kh.messages.filter(of(caseId));
    expect(seen.map((m) => [m.data.type, m.data.fromStatus, m.data.toStatus])).toEqual([
      ['CASE_OPENED', null, 'IDENTITY_PENDING'],
      ['IDENTITY_CONFIRMED', 'IDENTITY_PENDING', 'SCREENING_PENDING'],
      ['SCREENED', 'SCREENING_PENDING', 'APPROVAL_PENDING'],
      ['DECISION_RECORDED', null, null],
      ['APPROVED', 'APPROVAL_PENDING', 'APPROVED'],
    ]);
    const ids = kh.messages.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of seen) {
      expect(StreamEvent.safeParse(m.data).success).toBe(true);
      expect(JSON.stringify(m.data)).not.toMatch(/Person |KH-PP-|passport|E[0-9a-z]{6,}-/);
    }
    expect(seen.at(-1)!.data.destinationCountry).toBe('CN');
  });

  it('shows a user of an uninvolved country nothing of the case', async () => {
    const vn = await stream(u.vnOfficer);
    const hidden = await t.steps.open();
    await t.steps.verify(hidden);
    // A later case that does involve Vietnam: once it arrives, anything earlier would have too.
    const vnCase = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { claimedNationality: 'VN', documents: [] }));
    expect(vnCase.status).toBe(201);
    const seen = await vn.waitFor(of(vnCase.body.caseId), 20_000, 'the Vietnamese national\'s case');
    expect(seen.data.type).toBe('CASE_OPENED');
    expect(vn.messages.filter(of(hidden))).toEqual([]);
    expect(vn.messages.every((m) => m.data.holdingCountry === 'VN' || m.data.destinationCountry === 'VN' || m.data.caseId === vnCase.body.caseId)).toBe(true);
  });

  it('resumes after Last-Event-ID with exactly the changes missed, and replays all with 0', async () => {
    const first = await stream(u.khOfficer);
    const caseId = await t.steps.open();
    const opened = await first.waitFor(ofType(caseId, 'CASE_OPENED'));
    first.close();

    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);

    const resumed = await stream(u.khOfficer, opened.id!);
    const decided = await resumed.waitFor(ofType(caseId, 'DECISION_RECORDED'));
    const missed = resumed.messages.filter(of(caseId));
    expect(missed.map((m) => m.data.type)).toEqual(['IDENTITY_CONFIRMED', 'SCREENED', 'DECISION_RECORDED']);
    expect(resumed.messages.every((m) => Number(m.id) > Number(opened.id))).toBe(true);
    expect(Number(decided.id)).toBeGreaterThan(Number(opened.id));

    // And it goes on live after the replay.
    await t.steps.decide(caseId, u.cnSupervisor);
    await resumed.waitFor(ofType(caseId, 'APPROVED'));
    expect(resumed.messages.filter(of(caseId)).map((m) => m.data.type)).toEqual(['IDENTITY_CONFIRMED', 'SCREENED', 'DECISION_RECORDED', 'APPROVED']);

    const all = await stream(u.khOfficer, 0);
    await all.waitFor(ofType(caseId, 'APPROVED'));
    expect(all.messages.filter(of(caseId)).map((m) => m.data.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED', 'SCREENED', 'DECISION_RECORDED', 'APPROVED']);
  });

  it('gives a client its resume point at once: lost before its first event, it resumes from there and misses nothing', async () => {
    const first = await stream(u.khOfficer);
    await expect.poll(() => first.lastEventId, { timeout: 60_000 }).not.toBeNull();
    const openedAt = first.lastEventId!;
    first.close();
    // Events while the client is away, none of which it saw.
    const caseId = await t.steps.open();
    await t.steps.verify(caseId);
    const resumed = await stream(u.khOfficer, openedAt);
    await resumed.waitFor(ofType(caseId, 'IDENTITY_CONFIRMED'));
    expect(resumed.messages.filter(of(caseId)).map((m) => m.data.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED']);
  });

  it('holds later events behind one still being written, and does not stall on one that never will be', async () => {
    const caseId = await t.steps.open();
    const kh = await stream(u.khOfficer);
    const sql = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
    const insert = (db: postgres.Sql | postgres.TransactionSql, key: string) =>
      db`insert into case_events (case_id, event_key, type, at) values (${caseId}, ${key}, ${key}, now()) returning id`.then((r) => Number(r[0].id));
    try {
      // A transaction draws an id, then a later one commits first.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let slowId = 0;
      const slow = sql.begin(async (tx) => {
        slowId = await insert(tx, 'TEST_SLOW');
        await held;
      });
      while (slowId === 0) await new Promise((r) => setTimeout(r, 10));
      const fastId = await insert(sql, 'TEST_FAST');
      expect(fastId).toBeGreaterThan(slowId);
      // The committed later event is not sent while the earlier one may still come.
      await expect(kh.waitFor(ofType(caseId, 'TEST_FAST'), 600)).rejects.toThrow(/no a matching event/);
      release();
      await slow;
      await kh.waitFor(ofType(caseId, 'TEST_FAST'));
      expect(kh.messages.filter(of(caseId)).map((m) => m.data.type).filter((t) => t.startsWith('TEST_'))).toEqual(['TEST_SLOW', 'TEST_FAST']);

      // An id drawn by a transaction that rolls back never appears; the stream goes on past it.
      await sql
        .begin(async (tx) => {
          await insert(tx, 'TEST_ROLLED_BACK');
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await insert(sql, 'TEST_AFTER');
      await kh.waitFor(ofType(caseId, 'TEST_AFTER'));
      expect(kh.messages.filter(of(caseId)).map((m) => m.data.type).filter((t) => t.startsWith('TEST_'))).toEqual(['TEST_SLOW', 'TEST_FAST', 'TEST_AFTER']);
    } finally {
      await sql.end();
    }
  });

  it('refuses a bad Last-Event-ID and a missing token, and is in the OpenAPI document', async () => {
    const bad = await stream(u.khOfficer, 'abc');
    expect(bad.status).toBe(400);
    const anonymous = await connectSse(`${server.url}/v1/events/stream`, {});
    expect(anonymous.status).toBe(401);

    const doc = await t.stack.api.get('/openapi.json');
    const op = doc.body.paths['/v1/events/stream'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Last-Event-ID', in: 'header' }));
  });

  it('ends open streams when the server closes', async () => {
    const own = await listen(t.stack.api.app, 0, '127.0.0.1');
    const connection = await connectSse(`${own.url}/v1/events/stream`, { Authorization: `Bearer ${await t.stack.api.token(u.khOfficer)}` });
    expect(connection.status).toBe(200);
    // A grace longer than the test's timeout: the close returns only because the server ends
    // the open streams itself, not because the grace ran out.
    await own.close(10 * 60_000);
    await connection.ended;
    // Every stream of this app has ended and left the feed, which then stops polling.
    for (const c of open) c.close();
    const feed = t.stack.api.app.eventFeed;
    await expect.poll(() => feed.subscribers, { timeout: 60_000, interval: 20 }).toBe(0);
  });

  it('caps open streams per user and per process: 429 with Retry-After beyond the cap; a closed stream frees its slot', async () => {
    const capped = testApp(t.stack.database, {
      temporal: t.stack.gateway,
      stream: { pollIntervalMs: 50, heartbeatMs: 1000 },
      limits: { streamsPerUser: 2, streamsPerProcess: 3 },
    });
    const own = await listen(capped.app, 0, '127.0.0.1');
    const held: SseConnection[] = [];
    const connect = async (as: Actor) => {
      const c = await connectSse(`${own.url}/v1/events/stream`, { Authorization: `Bearer ${await t.stack.api.token(as)}` });
      held.push(c);
      return c;
    };
    const refusal = async (as: Actor) => {
      const res = await fetch(`${own.url}/v1/events/stream`, {
        headers: { Authorization: `Bearer ${await t.stack.api.token(as)}`, 'X-Purpose': 'following cases (test)' },
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error: { code: string; message: string } } };
    };
    try {
      const [alice, bob, carol] = [u.user('officer', 'KH', 61), u.user('officer', 'CN', 62), u.user('supervisor', 'KH', 63)];
      const first = await connect(alice);
      expect(first.status).toBe(200);
      expect((await connect(alice)).status).toBe(200);
      const third = await refusal(alice);
      expect(third).toMatchObject({ status: 429, retryAfter: '10', body: { error: { code: 'TOO_MANY_STREAMS' } } });
      expect(third.body.error.message).toMatch(/2 event streams/);
      // Per process: three in all.
      expect((await connect(bob)).status).toBe(200);
      const full = await refusal(carol);
      expect(full).toMatchObject({ status: 429, retryAfter: '10', body: { error: { code: 'TOO_MANY_STREAMS' } } });
      // Closing a stream gives its slot back.
      first.close();
      await expect
        .poll(
          async () => {
            const again = await connect(alice);
            if (again.status !== 200) again.close();
            return again.status;
          },
          { timeout: 10_000, interval: 50 },
        )
        .toBe(200);
      expect((await refusal(carol)).status).toBe(429);
    } finally {
      for (const c of held) c.close();
      await own.close(2000);
    }
  });
});
