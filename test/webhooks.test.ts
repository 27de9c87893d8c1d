// Webhook subscriptions on the real stack (DESIGN §6 "Sharing channels"): a receiver on 127.0.0.1
// verifies every delivery's signature; each member country is sent what changeVisible lets it see,
// in change-id order; a receiver's errors are retried, the delivery limit pauses the subscription
// until it is resumed; a rotated secret replaces the old one; bad URLs and bodies are refused, and
// without an allow-list so are internal addresses; every
// acknowledged delivery is in the audit log. The workflows' fallback poll is set far beyond the
// test, so every delivery here follows a wake-up from the API.
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleTeamChanges } from '../db/intel-feed.js';
import { auditLog } from '../db/schema.js';
import { verifyWebhook } from '../lib/webhook-signing.js';
import { webhookWorkflowId, type Actor, type WebhookTimings } from '../workflows/definitions.js';
import { testApp } from './helpers/api.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, recordLink, setUpTeam, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';
import { waitUntil } from './helpers/wait.js';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js';

const TIMINGS: WebhookTimings = { maxAttempts: 3, initialRetryMs: 100, maxRetryIntervalMs: 400, pollIntervalMs: 600_000 };
const u = makeUsers();
/** While set, the worker's clock of the hold stands still: every change written since is held back. */
let clockStoppedAt: number | null = null;
const t = useStack(u, {
  ownDatabase: true,
  app: { webhooks: { timings: TIMINGS, allowHosts: ['127.0.0.1'] } },
  webhookDelivery: { now: () => clockStoppedAt ?? Date.now() },
});

/** A team of CN, KH and TH whose supervisors are members too (a subscription is a member's to manage). */
async function team(users: ReturnType<typeof teamUsers>): Promise<string> {
  const teamId = await setUpTeam(t.stack.api, users);
  for (const country of ['CN', 'TH'] as const) {
    const s = users.supervisors[country];
    const added = await t.stack.api.post(`/v1/teams/${teamId}/members`, s, { sub: s.sub, name: s.name, country, role: 'liaison' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
  }
  return teamId;
}

const receivers: Receiver[] = [];
/** A receiver on 127.0.0.1 that answers as `respond` says (default 200), closed after the file. */
async function receiver(respond?: Receiver['respond']): Promise<Receiver> {
  const r = await startReceiver();
  if (respond) r.respond = respond;
  receivers.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

/** Subscribes `r` for the supervisor's country; the receiver then holds the secret. */
async function subscribe(teamId: string, as: Actor, r: Receiver, body: Record<string, unknown> = {}) {
  const res = await t.stack.api.post(`/v1/teams/${teamId}/subscriptions`, as, { url: r.url, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  r.secret = res.body.secret;
  return res.body as { id: string; cursor: number; secret: string };
}

/** Records an organisation as `as`: one change for the team's subscribers. */
const organisation = (teamId: string, as: Actor, name: string, type = 'syndicate') =>
  recordEntity(t.stack.api, teamId, as, { kind: 'organisation', attributes: { name, type } });
/** Waits until `r` has acknowledged at least `n` deliveries. */
const acknowledgedAtLeast = (r: Receiver, n: number, what: string) => waitUntil(what, async () => r.acknowledged().length, (k) => k >= n);

const subscriptions = (teamId: string, as: Actor) => t.stack.api.get(`/v1/teams/${teamId}/subscriptions`, as);
const deliveries = (teamId: string, sid: string, as: Actor) => t.stack.api.get(`/v1/teams/${teamId}/subscriptions/${sid}/deliveries`, as);
const stateOf = async (teamId: string, sid: string, as: Actor) =>
  ((await subscriptions(teamId, as)).body.items as { id: string }[]).find((s) => s.id === sid) as Record<string, any> | undefined;

describe('what each member country is sent, in order, signed', () => {
  const users = teamUsers(u, 1);
  let teamId: string;
  const r: Record<'CN' | 'TH', Receiver> = {} as never;
  const sids: Record<string, { id: string; cursor: number }> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    teamId = await team(users);
    r.CN = await receiver();
    r.TH = await receiver();
    sids.CN = await subscribe(teamId, users.supervisors.CN, r.CN);
    sids.TH = await subscribe(teamId, users.supervisors.TH, r.TH);
    const api = t.stack.api;
    ids.phone = await recordEntity(api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 345 101' },
      handling: { code: 'H2', releasableTo: ['KH', 'TH'] },
    });
    ids.org = await recordEntity(api, teamId, users.officers.CN, { kind: 'organisation', attributes: { name: 'Golden Fortune', type: 'syndicate' } });
    ids.victim = await recordEntity(api, teamId, users.officers.KH, { kind: 'person', attributes: { name: 'Victim Two', role: 'victim' } });
    ids.link = await recordLink(api, teamId, users.officers.KH, { from: ids.phone, to: ids.org, type: 'uses' });
  });

  /** The change ids the country may be sent since it subscribed, as the team stream's source has them. */
  const expected = async (country: 'CN' | 'TH') =>
    (await visibleTeamChanges(t.stack.database.db, { teamId, country, afterId: sids[country].cursor, limit: 1000 })).events.map((e) => e.id);

  it('each receiver gets exactly the changes its country may see, in change-id order, each verified under its secret', async () => {
    for (const country of ['CN', 'TH'] as const) {
      const want = await expected(country);
      expect(want.length).toBeGreaterThan(0);
      await waitUntil(`${country}'s deliveries`, async () => r[country].acknowledged().map((x) => x.eventId), (got) => got.length >= want.length);
      const got = r[country].acknowledged();
      expect(got.map((x) => x.eventId)).toEqual(want);
      expect(got.every((x) => x.verified)).toBe(true);
      // The event id rides in the body too, for receivers that do not keep headers.
      expect(got.map((x) => x.body.id)).toEqual(want);
    }
    const th = r.TH.acknowledged().map((x) => `${x.body.recordKind}:${x.body.recordId}`);
    expect(th).toEqual([`entity:${ids.phone}`, `entity:${ids.org}`, `link:${ids.link}`]);
    const cn = r.CN.acknowledged().map((x) => `${x.body.recordKind}:${x.body.recordId}`);
    // China: the organisation only — not the phone released to KH and TH, nor the link with it, nor the victim.
    expect(cn).toEqual([`entity:${ids.org}`]);
  });

  it("the subscription's cursor is the last change delivered or passed over, and its deliveries are listed", async () => {
    const want = await expected('TH');
    await waitUntil('TH cursor past the link', () => stateOf(teamId, sids.TH.id, users.supervisors.TH), (s) => (s?.cursor ?? 0) >= want.at(-1)!);
    const list = await deliveries(teamId, sids.TH.id, users.supervisors.TH);
    expect(list.status).toBe(200);
    expect(list.body.items.filter((d: any) => d.ok).map((d: any) => d.eventId).reverse()).toEqual(want);
    expect((await stateOf(teamId, sids.TH.id, users.supervisors.TH))?.deliveries).toEqual({ delivered: want.length, failed: 0 });
  });

  it('each acknowledged delivery of another country\'s record is a disclosure to the subscriber\'s country in the audit log', async () => {
    const entries = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'intel.webhook.disclose'), sql`${auditLog.details}->>'subscriptionId' = ${sids.TH.id}`))
      .orderBy(asc(auditLog.id));
    expect(entries.map((e) => (e.details as { event: number }).event)).toEqual(await expected('TH'));
    expect(entries.map((e) => [e.objectIds[0], e.recipientCountry])).toEqual([
      [ids.phone, 'TH'],
      [ids.org, 'TH'],
      [ids.link, 'TH'],
    ]);
    expect(entries.every((e) => e.scopeCountries.includes('TH') && e.actorSub === users.supervisors.TH.sub)).toBe(true);
  });

  it("a supervisor sees only their own country's subscriptions", async () => {
    const th = await subscriptions(teamId, users.supervisors.TH);
    expect(th.body.items.map((s: any) => s.id)).toEqual([sids.TH.id]);
    expect(th.body.items[0]).not.toHaveProperty('secret');
    const other = await deliveries(teamId, sids.TH.id, users.supervisors.CN);
    expect(other.status).toBe(404);
    const resume = await t.stack.api.post(`/v1/teams/${teamId}/subscriptions/${sids.TH.id}/resume`, users.supervisors.CN);
    expect(resume.status).toBe(404);
  });

  it('only the kinds asked for are delivered', async () => {
    const only = await receiver();
    const sub = await subscribe(teamId, users.supervisors.KH, only, { kinds: ['link'] });
    const a = await organisation(teamId, users.officers.KH, 'Front One', 'front_company');
    const link = await recordLink(t.stack.api, teamId, users.officers.KH, { from: a, to: ids.org, type: 'associated_with' });
    await acknowledgedAtLeast(only, 1, 'the link delivered');
    expect(only.acknowledged().map((x) => `${x.body.recordKind}:${x.body.recordId}`)).toEqual([`link:${link}`]);
    const want = (await visibleTeamChanges(t.stack.database.db, { teamId, country: 'KH', afterId: sub.cursor, limit: 1000 })).events;
    expect(want.filter((e) => e.recordKind === 'link').map((e) => e.id)).toEqual(only.acknowledged().map((x) => x.eventId));
  });
});

describe('a record restricted right after its creation', () => {
  it('is delivered as restricted: never to the country it was restricted from, however slow the restriction', async () => {
    const users = teamUsers(u, 1);
    const teamId = await team(users);
    const cn = await receiver();
    const th = await receiver();
    await subscribe(teamId, users.supervisors.CN, cn);
    await subscribe(teamId, users.supervisors.TH, th);
    clockStoppedAt = Date.now();
    const phone = await recordEntity(t.stack.api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 345 909' },
      handling: { code: 'H2', releasableTo: ['KH', 'CN', 'TH'] },
    });
    const narrowed = await t.stack.api.call('patch', `/v1/teams/${teamId}/entities/${phone}/handling`, {
      as: users.officers.KH,
      body: { handling: { code: 'H2', releasableTo: ['KH', 'TH'] } },
    });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    clockStoppedAt = null;
    const last = await organisation(teamId, users.officers.KH, 'Marker after the restriction');
    for (const r of [cn, th]) await waitUntil('the marker delivered', async () => r.acknowledged().map((x) => x.body.recordId), (ids) => ids.includes(last));
    expect(cn.acknowledged().filter((x) => x.body.recordId === phone)).toEqual([]);
    expect(JSON.stringify(cn.acknowledged())).not.toContain('345 909');
    expect(th.acknowledged().filter((x) => x.body.recordId === phone).map((x) => x.body.record.handling.releasableTo)).toEqual([
      ['KH', 'TH'],
      ['KH', 'TH'],
    ]);
  });
});

describe('a receiver that fails', () => {
  const users = teamUsers(u, 2);
  let teamId: string;
  beforeAll(async () => {
    teamId = await team(users);
  });

  it('is retried with backoff until it acknowledges; the failed attempts are listed; the change is delivered once acknowledged', async () => {
    let failures = 2;
    const r = await receiver(() => (failures-- > 0 ? 500 : 200));
    const sub = await subscribe(teamId, users.supervisors.KH, r);
    const org = await organisation(teamId, users.officers.KH, 'Retry Co');
    await acknowledgedAtLeast(r, 1, 'the acknowledged delivery');
    expect(r.requests.map((x) => [x.body.recordId, x.status])).toEqual([
      [org, 500],
      [org, 500],
      [org, 200],
    ]);
    const list = await deliveries(teamId, sub.id, users.supervisors.KH);
    expect(list.body.items.map((d: any) => [d.ok, d.status, d.attempt]).reverse()).toEqual([
      [false, 500, 1],
      [false, 500, 2],
      [true, 200, 3],
    ]);
    expect(list.body.items[2].error).toContain('500');
    const s = await stateOf(teamId, sub.id, users.supervisors.KH);
    expect(s).toMatchObject({ state: 'active', deliveries: { delivered: 1, failed: 2 } });
  });

  it('pauses at the delivery limit (visible in GET), sends nothing while paused, and on resume delivers from where it stopped, in order', async () => {
    let down = true;
    const r = await receiver(() => (down ? 503 : 200));
    const sub = await subscribe(teamId, users.supervisors.TH, r);
    const first = await organisation(teamId, users.officers.TH, 'Paused One');
    const paused = await waitUntil('the pause', () => stateOf(teamId, sub.id, users.supervisors.TH), (s) => s?.state === 'paused');
    expect(paused.pausedReason).toContain('503');
    expect(paused.pausedAt).toEqual(expect.any(String));
    expect(r.requests.map((x) => x.status)).toEqual([503, 503, 503]);
    // A change written while paused wakes nothing.
    const second = await organisation(teamId, users.officers.TH, 'Paused Two');
    down = false;
    const resumed = await t.stack.api.post(`/v1/teams/${teamId}/subscriptions/${sub.id}/resume`, users.supervisors.TH);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ state: 'active', pausedReason: null, pausedAt: null });
    await acknowledgedAtLeast(r, 2, 'both delivered after the resume');
    expect(r.requests.length).toBe(5);
    expect(r.acknowledged().map((x) => x.body.recordId)).toEqual([first, second]);
    const again = await t.stack.api.post(`/v1/teams/${teamId}/subscriptions/${sub.id}/resume`, users.supervisors.TH);
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('active');
  });
});

describe('secrets and the end of a subscription', () => {
  const users = teamUsers(u, 3);
  let teamId: string;
  beforeAll(async () => {
    teamId = await team(users);
  });

  it('after a rotation deliveries verify under the new secret only', async () => {
    const r = await receiver();
    const sub = await subscribe(teamId, users.supervisors.CN, r);
    const old = sub.secret;
    await organisation(teamId, users.officers.CN, 'Before');
    await acknowledgedAtLeast(r, 1, 'the first delivery');
    const rotated = await t.stack.api.post(`/v1/teams/${teamId}/subscriptions/${sub.id}/rotate-secret`, users.supervisors.CN);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(old);
    expect(rotated.body.secretRotatedAt).toEqual(expect.any(String));
    r.secret = rotated.body.secret;
    const after = await organisation(teamId, users.officers.CN, 'After');
    await acknowledgedAtLeast(r, 2, 'the delivery after the rotation');
    const last = r.acknowledged()[1];
    expect(last.body.recordId).toBe(after);
    expect(last.verified).toBe(true);
    expect(verifyWebhook(old, JSON.stringify(last.body), last.signature)).toBe(false);
    expect(r.requests.every((x) => x.verified)).toBe(true);
  });

  it("deleting a subscription ends its workflow and removes it from the list; it is then 404", async () => {
    const r = await receiver();
    const sub = await subscribe(teamId, users.supervisors.KH, r);
    const gone = await t.stack.api.call('delete', `/v1/teams/${teamId}/subscriptions/${sub.id}`, { as: users.supervisors.KH });
    expect(gone.status).toBe(204);
    const result = await t.stack.client.workflow.getHandle(webhookWorkflowId(sub.id)).result();
    expect(result).toEqual({ state: 'deleted' });
    expect((await subscriptions(teamId, users.supervisors.KH)).body.items.map((s: any) => s.id)).not.toContain(sub.id);
    const again = await t.stack.api.call('delete', `/v1/teams/${teamId}/subscriptions/${sub.id}`, { as: users.supervisors.KH });
    expect(again.status).toBe(404);
    expect(r.requests).toEqual([]);
  });
});

describe('bad requests', () => {
  const users = teamUsers(u, 4);
  let teamId: string;
  beforeAll(async () => {
    teamId = await team(users);
  });
  const create = (body: unknown, as: Actor = users.supervisors.KH) => t.stack.api.post(`/v1/teams/${teamId}/subscriptions`, as, body);

  it.each([
    ['not a URL', { url: 'not a url' }],
    ['another scheme', { url: 'ftp://127.0.0.1/hook' }],
    ['a javascript: URL', { url: 'javascript:alert(1)' }],
    ['credentials in the URL', { url: 'http://user:pass@127.0.0.1/hook' }],
    ['a fragment', { url: 'http://127.0.0.1/hook#x' }],
    ['no URL', {}],
    ['an unknown kind', { url: 'http://127.0.0.1/hook', kinds: ['case'] }],
    ['a kind twice', { url: 'http://127.0.0.1/hook', kinds: ['link', 'link'] }],
    ['no kinds', { url: 'http://127.0.0.1/hook', kinds: [] }],
    ['an unknown field', { url: 'http://127.0.0.1/hook', secret: 'mine' }],
    ['a URL too long', { url: `http://127.0.0.1/${'a'.repeat(2000)}` }],
  ])('%s: 400 in the error shape', async (_what, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });

  it('a host this system does not allow: 400 URL_NOT_ALLOWED', async () => {
    const res = await create({ url: 'https://receiver.example.org/hook' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('URL_NOT_ALLOWED');
  });

  describe('with no WEBHOOK_ALLOW_HOSTS', () => {
    // The same system without an allow-list: what production runs when the operator sets none.
    const open = () => testApp(t.stack.database, { temporal: t.stack.gateway, webhooks: { timings: TIMINGS } });
    it.each([
      ['the loopback', 'http://127.0.0.1:7233/hook'],
      ['the loopback written as a number', 'http://2130706433/hook'],
      ['the IPv6 loopback', 'http://[::1]:5432/hook'],
      ['an IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook'],
      ['localhost', 'http://localhost:3000/hook'],
      ['a private address (10/8)', 'http://10.1.2.3/hook'],
      ['a private address (172.16/12)', 'https://172.20.0.5/hook'],
      ['a private address (192.168/16)', 'http://192.168.1.10/hook'],
      ['a link-local address (cloud metadata)', 'http://169.254.169.254/latest/meta-data/'],
      ['an IPv6 unique-local address', 'http://[fd00::5]/hook'],
      ['the unspecified address', 'http://0.0.0.0:8080/hook'],
      ['an .internal name', 'http://metadata.google.internal/hook'],
    ])('%s: 400 URL_NOT_ALLOWED in the error shape, naming body.url', async (_what, url) => {
      const res = await open().post(`/v1/teams/${teamId}/subscriptions`, users.supervisors.KH, { url });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'URL_NOT_ALLOWED', message: expect.any(String) });
      expect(res.body.error.details.issues).toEqual([{ path: 'body.url', message: expect.stringContaining('WEBHOOK_ALLOW_HOSTS') }]);
    });

    it('a public address is accepted', async () => {
      // 192.0.2.0/24 is for documentation: public in form, nobody answers there.
      const res = await open().post(`/v1/teams/${teamId}/subscriptions`, users.supervisors.KH, { url: 'http://192.0.2.10/hook' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const gone = await t.stack.api.call('delete', `/v1/teams/${teamId}/subscriptions/${res.body.id}`, { as: users.supervisors.KH });
      expect(gone.status).toBe(204);
    });
  });

  it('an officer: 403; a supervisor of a country outside the team: 404; a bad subscription id: 400, an unknown one: 404', async () => {
    expect((await create({ url: 'http://127.0.0.1/hook' }, users.officers.KH)).status).toBe(403);
    expect((await create({ url: 'http://127.0.0.1/hook' }, u.vnSupervisor)).status).toBe(404);
    expect((await subscriptions(teamId, u.vnSupervisor)).status).toBe(404);
    expect((await deliveries(teamId, 'not-a-uuid', users.supervisors.KH)).status).toBe(400);
    expect((await deliveries(teamId, '00000000-0000-4000-8000-000000000000', users.supervisors.KH)).status).toBe(404);
    expect((await t.stack.api.call('get', `/v1/teams/${teamId}/subscriptions/00000000-0000-4000-8000-000000000000/deliveries?limit=0`, { as: users.supervisors.KH })).status).toBe(400);
  });
});
