// The console's joint investigation pages in a real browser (Debian's Chromium through
// playwright-core) against the real stack: a team of China, Cambodia and Thailand seeded through
// the API; the Teams page and a team's members by country; a Cambodian investigator adds a phone
// and a link through the forms (a malformed number answered next to its field); the entity page;
// and the network picture, which shows a Thai member the team's records and not the one released
// to China alone, pans and zooms, and opens a record on a click; the inbox of hits on Cambodia's
// records, where its supervisor releases one to Thailand. Screenshots go to test/screenshots/.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../api/server.js';
import type { Actor } from '../workflows/definitions.js';
import { seriousAxeFindings, signInForIntelligence, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { makeUsers } from './helpers/fixtures.js';
import type { Stack } from './helpers/stack.js';

const SHOTS = path.join(import.meta.dirname, 'screenshots');
const tag = randomUUID().slice(0, 6);
const u = makeUsers(tag);
const teamId = `jit-${tag}`;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

// Members of the team: each country's supervisor and one more of each country.
const cnAnalyst: Actor = { ...u.user('officer', 'CN', 7), name: `Li Na ${tag}` };
const khInvestigator: Actor = { ...u.user('officer', 'KH', 7), name: `Sok Dara ${tag}` };
const thInvestigator: Actor = { ...u.user('officer', 'TH', 7), name: `Somchai ${tag}` };

let running: ConsoleStack;
let stack: Stack;
let server: RunningServer;
const ids: Record<string, string> = {};

const H = (code: string, releasableTo: string[] | 'team' = 'team') => ({ code, releasableTo, ...(code === 'H3' ? { conditions: 'not for court without consent' } : {}) });
const E = (source = 'B', information = 2) => ({ source, information });

async function ok<T = any>(answer: Promise<{ status: number; body: T }>, ...expected: number[]): Promise<T> {
  const res = await answer;
  if (!expected.includes(res.status)) throw new Error(`expected ${expected.join('/')} but got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The team and its network: a compound, its boss, mule accounts, a payment, and a phone for China alone. */
async function seed(): Promise<void> {
  const { api } = stack;
  await ok(api.post('/v1/teams', u.cnSupervisor, { id: teamId, name: `Kandal compounds ${tag}`, leadCountry: 'CN', memberCountries: ['CN', 'KH', 'TH'], agreementRef: `JIT-2026-${tag}`, validFrom: day(-30), validUntil: day(335) }), 201);
  // An older team whose agreement has ended: read-only.
  await ok(api.post('/v1/teams', u.cnSupervisor, { id: `${teamId}-old`, name: `Sihanoukville 2025 ${tag}`, leadCountry: 'CN', memberCountries: ['CN', 'TH'], agreementRef: `JIT-2025-${tag}`, validFrom: day(-400), validUntil: day(-35) }), 201);
  await ok(api.post(`/v1/teams/${teamId}/members`, u.cnSupervisor, { sub: cnAnalyst.sub, name: cnAnalyst.name, country: 'CN', role: 'analyst' }), 201);
  for (const [supervisor, member] of [
    [u.khSupervisor, khInvestigator],
    [u.thSupervisor, thInvestigator],
  ] as const) {
    await ok(api.post(`/v1/teams/${teamId}/members`, supervisor, { sub: member.sub, name: member.name, country: member.country, role: 'investigator' }), 201);
  }
  const entity = async (key: string, as: Actor, body: Record<string, unknown>) => {
    ids[key] = (await ok(api.post(`/v1/teams/${teamId}/entities`, as, body), 201)).id;
  };
  const link = async (as: Actor, from: string, to: string, type: string, extra: Record<string, unknown> = {}) =>
    ok(api.post(`/v1/teams/${teamId}/links`, as, { from: ids[from], to: ids[to], type, handling: H('H1'), evaluation: E(), ...extra }), 201);

  await entity('compound', khInvestigator, { kind: 'location', attributes: { name: 'Golden Fortune compound', type: 'compound', address: 'Chrey Thom, Kandal', geo: { lat: 11.45, lon: 105.01 } }, handling: H('H0'), evaluation: E('A', 1) });
  await entity('syndicate', cnAnalyst, { kind: 'organisation', attributes: { name: 'Jinbei syndicate', type: 'syndicate' }, handling: H('H1'), evaluation: E('B', 2) });
  await entity('boss', cnAnalyst, { kind: 'person', attributes: { name: `Zhao Wei ${tag}`, role: 'organiser', nationality: 'CN' }, handling: H('H2'), evaluation: E('B', 2) });
  await entity('mule1', thInvestigator, { kind: 'account', attributes: { type: 'bank', bank: 'Kasikorn', number: '123-4-56789-0', country: 'TH' }, handling: H('H1'), evaluation: E('B', 3) });
  await entity('mule2', khInvestigator, { kind: 'account', attributes: { type: 'bank', bank: 'ABA Bank', number: '000 123 456', country: 'KH' }, handling: H('H1'), evaluation: E('C', 3) });
  await entity('wallet', cnAnalyst, { kind: 'account', attributes: { type: 'crypto', chain: 'tron', address: 'TQ5NNTo1fWRhR1yVLumhGPPhGPnz9EAFwX' }, handling: H('H3'), evaluation: E('B', 2) });
  // Released to China alone: the Thai member must never see it, nor its link.
  await entity('secretPhone', khInvestigator, { kind: 'phone', attributes: { number: '+855 12 777 888' }, handling: H('H2', ['CN']), evaluation: E('A', 2) });
  await link(cnAnalyst, 'boss', 'syndicate', 'leads');
  await link(khInvestigator, 'syndicate', 'compound', 'operates_from');
  await link(cnAnalyst, 'boss', 'wallet', 'owns');
  await link(thInvestigator, 'mule1', 'mule2', 'paid', { amount: 12500, currency: 'USD', since: day(-20) });
  await link(khInvestigator, 'wallet', 'mule1', 'paid', { amount: 40000, currency: 'USDT' });
  await link(khInvestigator, 'boss', 'secretPhone', 'uses', { handling: H('H2', ['CN']) });
  // Operatives, recruiters and victims around the compound: a network the size of one floor.
  const roles = ['operative', 'recruiter', 'money_mule', 'victim', 'operative', 'witness'];
  for (let i = 0; i < 18; i++) {
    const as = [cnAnalyst, khInvestigator, thInvestigator][i % 3];
    await entity(`p${i}`, as, { kind: 'person', attributes: { name: `Worker ${String.fromCharCode(65 + i)} ${tag}`, role: roles[i % roles.length] }, handling: H(i % 4 === 0 ? 'H2' : 'H1'), evaluation: E('C', 3) });
    await link(as, `p${i}`, i % 5 === 0 ? 'boss' : 'compound', i % 5 === 0 ? 'recruited' : 'works_at');
  }
  await entity('phone2', khInvestigator, { kind: 'phone', attributes: { number: '+855 96 555 0101' }, handling: H('H1'), evaluation: E('B', 2) });
  await link(khInvestigator, 'p1', 'phone2', 'uses');
  await entity('handle', thInvestigator, { kind: 'online_identity', attributes: { platform: 'telegram', handle: '@jinbei_hr' }, handling: H('H1'), evaluation: E('B', 3) });
  await link(thInvestigator, 'p5', 'handle', 'uses');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  running = await startConsoleStack();
  ({ stack, server } = running);
  await seed();
}, 600_000);
afterAll(() => running?.stop());

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** A browser of its own, signed in through the development sign-in, the purpose given. */
async function signedIn(user: Actor, viewport?: { width: number; height: number }): Promise<Page> {
  return signInForIntelligence(running, user, viewport);
}

/** The view of the network picture: translation and scale, as the picture reports them. */
const viewOf = async (page: Page) => (await page.locator('svg.network-frame').getAttribute('data-view'))!.split(',').map(Number);

describe('the console for joint investigation teams', () => {
  it('lists my teams and shows a team with its members by country, its operations and validity', async () => {
    const page = await signedIn(thInvestigator);
    await page.getByRole('link', { name: 'Teams' }).click();
    const row = page.locator(`tr[data-team-id="${teamId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('CN, KH, TH');
    expect(await row.textContent()).toContain(`JIT-2026-${tag}`);
    // The Thai investigator is not a member of the old team: it does not exist for them.
    expect(await page.locator(`tr[data-team-id="${teamId}-old"]`).count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'intel-01-teams');

    await row.getByRole('link', { name: `Kandal compounds ${tag}` }).click();
    const team = page.locator(`section.team[data-team-id="${teamId}"]`);
    await team.waitFor();
    const members = (c: string) => team.locator(`article[data-country="${c}"]`);
    await members('KH').getByText(khInvestigator.name!).waitFor();
    expect(await members('TH').locator(`li[data-sub="${thInvestigator.sub}"]`).textContent()).toContain('Investigator');
    expect(await members('CN').locator(`li[data-sub="${cnAnalyst.sub}"]`).textContent()).toContain('Analyst');
    expect(await members('KH').locator(`li[data-sub="${cnAnalyst.sub}"]`).count()).toBe(0);
    // What the Thai member may see, counted: not the phone released to China, nor the three victims
    // China recorded (a victim stays with the recording country), nor the links to any of them.
    expect(await team.getByTestId('team-counts').textContent()).toBe('23 records, 22 links');
    // Searching the number of the phone released to China: only that a partner holds a match.
    await team.getByRole('searchbox').fill('+855 12 777 888');
    await team.getByRole('status').filter({ hasText: 'A partner country holds a record with this number' }).waitFor();
    expect(await team.locator('table.records').count()).toBe(0);
    // Not a supervisor: no form to add members.
    expect(await page.getByRole('form', { name: 'Add a member' }).count()).toBe(0);
    await page.close();

    // The Chinese supervisor sees the ended team as read-only, and adds a Chinese member to the live one.
    const cn = await signedIn(u.cnSupervisor);
    await cn.goto(`${server.url}/console/#/teams`);
    await cn.locator(`tr[data-team-id="${teamId}-old"] .badge.read-only`, { hasText: 'Read-only' }).waitFor();
    expect(await cn.locator(`tr[data-team-id="${teamId}"] .badge.read-only`).count()).toBe(0);
    await cn.goto(`${server.url}/console/#/teams/${teamId}`);
    const add = cn.getByRole('form', { name: 'Add a member' });
    await add.locator('input[name=sub]').fill(`cn-liaison-${tag}`);
    await add.locator('input[name=name]').fill(`Wang Fang ${tag}`);
    await add.locator('select[name=role]').selectOption('liaison');
    await add.getByRole('button', { name: 'Add the member' }).click();
    await cn.locator(`article[data-country="CN"] li[data-sub="cn-liaison-${tag}"]`, { hasText: 'Liaison' }).waitFor();
    expect(await seriousAxeFindings(cn)).toEqual([]);
    await shot(cn, 'intel-02-team');
    await cn.goto(`${server.url}/console/#/teams/${teamId}-old`);
    await cn.getByText('its records can be read, not changed').waitFor();
    expect(await cn.getByRole('form', { name: 'Add a member' }).count()).toBe(0);
    await cn.close();
  });

  it('adds a record and a link through the forms, with the API\'s errors next to the fields, and shows the record', async () => {
    const page = await signedIn(khInvestigator);
    await page.goto(`${server.url}/console/#/teams/${teamId}`);
    await page.getByRole('link', { name: 'Add a record' }).click();
    const form = page.getByRole('form', { name: 'Add a record' });
    await form.locator('select[name=kind]').selectOption('phone');
    // A number that is no phone number: the API's answer stands beside the field, nothing stored.
    await form.locator('input[name="attributes.number"]').fill('call me');
    await form.locator('select[name="handling.code"]').selectOption('H2');
    await form.getByRole('radio', { name: /Only Cambodia/ }).check();
    await form.getByRole('checkbox', { name: 'Thailand' }).check();
    await form.locator('select[name="evaluation.source"]').selectOption('B');
    await form.locator('select[name="evaluation.information"]').selectOption('2');
    await form.getByRole('button', { name: 'Add the record' }).click();
    const numberError = form.locator('.field-error[data-field="attributes.number"]');
    await numberError.waitFor();
    expect(await form.locator('input[name="attributes.number"]').getAttribute('aria-invalid')).toBe('true');
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'intel-03-record-form-error');

    await form.locator('input[name="attributes.number"]').fill('+855 (0)97 234 5678');
    await form.getByRole('button', { name: 'Add the record' }).click();
    const record = page.locator('article.entity');
    await record.waitFor();
    const phoneId = (await record.getAttribute('data-entity-id'))!;
    // Stored in E.164; H2 to Cambodia and Thailand; evaluated B2; the change history has its creation.
    await record.getByTestId('attributes').getByText('+855972345678').waitFor();
    expect(await record.getByTestId('handling').textContent()).toMatch(/H2.*releasable to .*Thailand/);
    expect((await record.locator('section[aria-labelledby="handling-title"]').getByTestId('evaluation').textContent())?.trim()).toBe('B2');
    await record.getByTestId('history').locator('li').first().waitFor();

    // The originator tightens the handling: H3 needs its conditions, said beside the field.
    await record.getByRole('button', { name: 'Change handling…' }).click();
    const change = page.getByRole('form', { name: 'Change handling' });
    await change.locator('select[name="handling.code"]').selectOption('H3');
    await change.locator('input[name="handling.conditions"]').fill('only for the Kandal prosecutor');
    await change.getByRole('button', { name: 'Change handling' }).click();
    // The record and its history reload side by side: wait for each to show the change.
    await record.getByTestId('history').locator('li', { hasText: 'Handling changed from H2' }).waitFor();
    await record.getByTestId('handling').filter({ hasText: 'only for the Kandal prosecutor' }).waitFor();

    // A link from this phone to the boss, picked by searching.
    await record.getByRole('link', { name: 'Link to another record' }).click();
    const linkForm = page.getByRole('form', { name: 'Add a link' });
    const to = linkForm.getByRole('group', { name: 'To' });
    await to.getByRole('searchbox').fill(`Zhao Wei ${tag}`);
    await to.getByRole('radio', { name: new RegExp(`Zhao Wei ${tag}`) }).check();
    await linkForm.locator('select[name=type]').selectOption('associated_with');
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'intel-04-link-form');
    await linkForm.getByRole('button', { name: 'Add the link' }).click();
    await page.locator(`article.entity[data-entity-id="${phoneId}"]`).waitFor();
    const links = page.locator('ul.links li');
    await links.filter({ hasText: `associated with Zhao Wei ${tag}` }).waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'intel-05-entity');
    await page.close();
  });

  it('draws the network a Thai member may see, without the record released to China alone, and pans, zooms and opens records', async () => {
    const page = await signedIn(thInvestigator);
    await page.goto(`${server.url}/console/#/teams/${teamId}/network?entityId=${ids.boss}&depth=3`);
    const picture = page.locator('svg.network-frame');
    await picture.waitFor();
    const node = (key: string) => picture.locator(`a.node[data-entity-id="${ids[key]}"]`);
    for (const key of ['compound', 'syndicate', 'boss', 'wallet', 'mule1', 'mule2', 'p0', 'p17', 'handle']) await node(key).waitFor();
    expect(await node('secretPhone').count()).toBe(0);
    expect(await node('p3').count()).toBe(0);
    expect(await page.getByText('+855 12 777 888').count()).toBe(0);
    // Nodes by kind, handling as a badge: the boss is H2, the wallet H3.
    expect(await node('boss').getAttribute('class')).toContain('kind-person');
    const badge = (key: string) => picture.locator(`g.mark[data-entity-id="${ids[key]}"] .handling-badge`);
    expect(await badge('boss').textContent()).toBe('H2');
    expect(await badge('wallet').textContent()).toBe('H3');
    expect(await badge('compound').count()).toBe(0);
    // Links by type: the two payments, labelled.
    expect(await picture.locator('.edge-paid .edge-label').allTextContents()).toEqual(['paid', 'paid']);
    await page.getByRole('group', { name: 'Legend' }).getByText('Organisation').waitFor();
    // Labels do not overlap: no two node boxes on screen intersect.
    const boxes = (await Promise.all((await picture.locator('a.node').all()).map((n) => n.boundingBox()))).map((r) => [r!.x, r!.y, r!.x + r!.width, r!.y + r!.height]);
    const overlapping = boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => a[0] < b[2] - 1 && b[0] < a[2] - 1 && a[1] < b[3] - 1 && b[1] < a[3] - 1));
    expect(overlapping).toEqual([]);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'intel-06-network');

    // Drag pans; the wheel, the buttons and the keyboard zoom.
    const [x0, y0, k0] = await viewOf(page);
    const frame = (await picture.boundingBox())!;
    await page.mouse.move(frame.x + 20, frame.y + 20);
    await page.mouse.down();
    await page.mouse.move(frame.x + 120, frame.y + 80, { steps: 5 });
    await page.mouse.up();
    // The view is read once the picture has drawn the move (rendering is not synchronous).
    await expect.poll(async () => (await viewOf(page))[0]).not.toBe(x0);
    const [x1, y1] = await viewOf(page);
    expect(x1 - x0).toBeCloseTo(100, 0);
    expect(y1 - y0).toBeCloseTo(60, 0);
    await page.mouse.move(frame.x + frame.width / 2, frame.y + frame.height / 2);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => (await viewOf(page))[2]).toBeGreaterThan(k0);
    const [, , k1] = await viewOf(page);
    await page.getByRole('button', { name: 'Zoom out' }).click();
    await expect.poll(async () => (await viewOf(page))[2]).toBeLessThan(k1);
    await picture.focus();
    const [xBefore] = await viewOf(page);
    expect(await page.evaluate('document.activeElement?.classList.contains("network-frame")')).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await viewOf(page))[0]).toBeCloseTo(xBefore + 60, 0);
    await page.keyboard.press('+');
    await expect.poll(async () => (await viewOf(page))[2]).toBeGreaterThan(k1 * 0.8);
    await page.keyboard.press('0');
    await expect.poll(() => viewOf(page)).toEqual([x0, y0, k0]);

    // The depth control asks the graph again: one step from the boss.
    await page.locator('select[name=depth]').selectOption('1');
    await expect.poll(() => page.locator('a.node').count()).toBeLessThan(boxes.length);
    await node('boss').waitFor();
    expect(await node('compound').count()).toBe(0);

    // A click on a node opens its record.
    await node('syndicate').click();
    await page.locator(`article.entity[data-entity-id="${ids.syndicate}"]`).waitFor();
    expect((await page.locator('section[aria-labelledby="handling-title"]').getByTestId('evaluation').textContent())?.trim()).toBe('B2');
    // And its links: the boss leads it.
    await page.locator('ul.links li').filter({ hasText: `Zhao Wei ${tag}` }).waitFor();
    // From the keyboard: a record of the picture is a link, reached with Tab and opened with Enter.
    await page.goBack();
    await node('boss').waitFor();
    await picture.focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement?.getAttribute("data-entity-id") ?? null')).toBe(ids.boss);
    await page.keyboard.press('Enter');
    await page.locator(`article.entity[data-entity-id="${ids.boss}"]`).waitFor();
    // The Thai member cannot open the phone released to China.
    await page.goto(`${server.url}/console/#/teams/${teamId}/entities/${ids.secretPhone}`);
    await page.getByRole('alert').filter({ hasText: 'not shared with your country' }).waitFor();
    await page.close();

    // The Chinese analyst sees the phone, and the boss's link to it.
    const cn = await signedIn(cnAnalyst);
    await cn.goto(`${server.url}/console/#/teams/${teamId}/network?entityId=${ids.boss}&depth=1`);
    await cn.locator(`a.node[data-entity-id="${ids.secretPhone}"]`).waitFor();
    await cn.close();
  });

  it('is usable on a 375-pixel phone: the team, the record and the network picture', async () => {
    const page = await signedIn(khInvestigator, { width: 375, height: 740 });
    await page.goto(`${server.url}/console/#/teams/${teamId}`);
    await page.locator(`section.team[data-team-id="${teamId}"]`).waitFor();
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(page, 'intel-07-phone-team');
    await page.goto(`${server.url}/console/#/teams/${teamId}/network?entityId=${ids.boss}&depth=2`);
    await page.locator(`a.node[data-entity-id="${ids.boss}"]`).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    // The picture starts on the record it was asked about, in reach of a thumb.
    const box = (await page.locator(`a.node[data-entity-id="${ids.boss}"]`).boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'intel-08-phone-network');
    await page.close();
  });

  it("shows Cambodia's members the hits on its records, and a Cambodian supervisor releases one to Thailand with one click", async () => {
    const { api } = stack;
    await ok(api.post(`/v1/teams/${teamId}/members`, u.khSupervisor, { sub: u.khSupervisor.sub, name: u.khSupervisor.name, country: 'KH', role: 'liaison' }), 201, 200);
    const hidden = await ok(
      api.post(`/v1/teams/${teamId}/entities`, khInvestigator, { kind: 'phone', attributes: { number: '+855 12 606 707' }, handling: H('H2', ['CN']), evaluation: E('A', 2) }),
      201,
    );
    expect((await ok(api.get(`/v1/teams/${teamId}/entities?q=${encodeURIComponent('+855 12 606 707')}`, thInvestigator), 200)).partnerMatch).toBe(true);

    // The Thai member who searched has no inbox entry of it.
    const th = await signedIn(thInvestigator);
    await th.goto(`${server.url}/console/#/teams/${teamId}`);
    const thInbox = th.getByRole('region', { name: 'Hits on your records' });
    await thInbox.waitFor();
    expect(await thInbox.locator(`tr[data-entity-id="${hidden.id}"]`).count()).toBe(0);
    await th.close();

    // A Cambodian investigator sees the hit, without a release button.
    const kh = await signedIn(khInvestigator);
    await kh.goto(`${server.url}/console/#/teams/${teamId}`);
    const khRow = kh.getByRole('region', { name: 'Hits on your records' }).locator(`tr[data-entity-id="${hidden.id}"]`);
    await khRow.waitFor();
    expect(await khRow.locator('td').nth(2).textContent()).toBe('Thailand (TH) searched for its phone');
    expect(await khRow.getByRole('button').count()).toBe(0);
    await kh.close();

    const supervisor = await signedIn(u.khSupervisor);
    await supervisor.goto(`${server.url}/console/#/teams/${teamId}`);
    const inbox = supervisor.getByRole('region', { name: 'Hits on your records' });
    const row = inbox.locator(`tr[data-entity-id="${hidden.id}"]`);
    await row.getByRole('button', { name: 'Release to Thailand' }).waitFor();
    expect(await seriousAxeFindings(supervisor)).toEqual([]);
    await shot(supervisor, 'intel-09-hits');
    await row.getByRole('button', { name: 'Release to Thailand' }).click();
    await row.getByTestId('released').filter({ hasText: 'Thailand (TH) sees it' }).waitFor();
    await inbox.getByRole('status').filter({ hasText: 'is released to Thailand (TH)' }).waitFor();
    await supervisor.close();

    // Released to Thailand alone, through a release request the record's history names.
    const seen = await ok(api.get(`/v1/teams/${teamId}/entities/${hidden.id}`, thInvestigator), 200);
    expect(seen.handling.releasableTo).toEqual(['CN', 'TH']);
    const history = await ok(api.get(`/v1/teams/${teamId}/entities/${hidden.id}/history`, khInvestigator), 200);
    expect(history.items.at(-1).what.consent).toMatchObject({ requesterCountry: 'TH', releaseTo: 'TH' });
  });
});
