// The console's STIX 2.1 export and import in a real browser (Debian's Chromium through
// playwright-core) against the real stack: a Cambodian investigator downloads the team's bundle
// with the "STIX" button (sent with the token and the purpose; Thailand's record released to
// Thailand alone is not in it), uploads it into a second team and sees a result per object, then
// uploads it again and sees nothing new recorded; a file that is not JSON is answered in words.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../workflows/definitions.js';
import { signInForIntelligence, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { makeUsers } from './helpers/fixtures.js';

const tag = randomUUID().slice(0, 6);
const u = makeUsers(tag);
const teamA = `jit-stix-a-${tag}`;
const teamB = `jit-stix-b-${tag}`;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const khInvestigator: Actor = { ...u.user('officer', 'KH', 8), name: `Sok Dara ${tag}` };
const thInvestigator: Actor = { ...u.user('officer', 'TH', 8), name: `Somchai ${tag}` };
const E = { source: 'B', information: 2 };

let running: ConsoleStack;

async function ok(answer: Promise<{ status: number; body: any }>, status: number) {
  const res = await answer;
  if (res.status !== status) throw new Error(`expected ${status} but got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  running = await startConsoleStack();
  const { api } = running.stack;
  for (const id of [teamA, teamB]) {
    await ok(api.post('/v1/teams', u.khSupervisor, { id, name: `Team ${id}`, leadCountry: 'KH', memberCountries: ['KH', 'TH'], agreementRef: `JIT-${id}`, validFrom: day(-10), validUntil: day(300) }), 201);
    await ok(api.post(`/v1/teams/${id}/members`, u.khSupervisor, { sub: khInvestigator.sub, name: khInvestigator.name, country: 'KH', role: 'investigator' }), 201);
    await ok(api.post(`/v1/teams/${id}/members`, u.thSupervisor, { sub: thInvestigator.sub, name: thInvestigator.name, country: 'TH', role: 'investigator' }), 201);
  }
  const entity = (as: Actor, body: Record<string, unknown>) => ok(api.post(`/v1/teams/${teamA}/entities`, as, { evaluation: E, ...body }), 201);
  const compound = await entity(khInvestigator, { kind: 'location', attributes: { name: `Golden Fortune compound ${tag}`, type: 'compound', geo: { lat: 11.45, lon: 105.01 } }, handling: { code: 'H0', releasableTo: 'team' } });
  const boss = await entity(khInvestigator, { kind: 'person', attributes: { name: `Zhao Wei ${tag}`, role: 'organiser' }, handling: { code: 'H1', releasableTo: 'team' } });
  await entity(thInvestigator, { kind: 'phone', attributes: { number: '+66 81 555 0199' }, handling: { code: 'H2', releasableTo: ['TH'] } });
  await ok(api.post(`/v1/teams/${teamA}/links`, khInvestigator, { from: boss.id, to: compound.id, type: 'operates_from', handling: { code: 'H1', releasableTo: 'team' }, evaluation: E }), 201);
}, 600_000);
afterAll(() => running?.stop());

async function signedIn(user: Actor): Promise<Page> {
  return signInForIntelligence(running, user);
}

describe('console: STIX 2.1', () => {
  it('downloads what the caller may see, and imports it into another team with a result per object, twice without duplicates', async () => {
    const page = await signedIn(khInvestigator);
    await page.goto(`${running.server.url}/console/#/teams/${teamA}`);
    const stix = page.getByRole('region', { name: 'STIX 2.1' });
    const exportRequest = page.waitForRequest((r) => r.url().includes(`/v1/teams/${teamA}/export?format=stix`));
    const downloading = page.waitForEvent('download');
    await stix.getByRole('button', { name: 'STIX' }).click();
    const file = await downloading;
    expect((await exportRequest).headers()['x-purpose']).toBe('Joint investigation: intelligence analysis');
    expect(file.suggestedFilename()).toBe(`${teamA}.stix.json`);
    const bundle = JSON.parse(readFileSync((await file.path())!, 'utf8'));
    expect(bundle.type).toBe('bundle');
    const text = JSON.stringify(bundle);
    expect(text).toContain(`Golden Fortune compound ${tag}`);
    expect(text).toContain(`Zhao Wei ${tag}`);
    expect(text).not.toContain('+66815550199');
    await stix.getByRole('status').filter({ hasText: `Saved ${teamA}.stix.json` }).waitFor();

    const saved = path.join(os.tmpdir(), `stix-${tag}.json`);
    writeFileSync(saved, text);
    await page.goto(`${running.server.url}/console/#/teams/${teamB}`);
    const form = page.getByRole('form', { name: 'Import a STIX bundle' });
    await form.locator('input[type=file]').setInputFiles(saved);
    await form.getByRole('button', { name: 'Import' }).click();
    const results = page.getByTestId('stix-import-results');
    await results.getByRole('status').filter({ hasText: '3 recorded, 0 already held, 0 refused.' }).waitFor();
    expect(await results.locator('tr[data-outcome=created]').count()).toBe(3);
    // The recorded person opens as an entity of the second team.
    await results.locator('tr[data-outcome=created]').filter({ hasText: 'identity' }).getByRole('link').click();
    await page.getByText(`Zhao Wei ${tag}`).first().waitFor();

    await page.goto(`${running.server.url}/console/#/teams/${teamB}`);
    const again = page.getByRole('form', { name: 'Import a STIX bundle' });
    await again.locator('input[type=file]').setInputFiles(saved);
    await again.getByRole('button', { name: 'Import' }).click();
    await page.getByTestId('stix-import-results').getByRole('status').filter({ hasText: '0 recorded, 3 already held, 0 refused.' }).waitFor();

    const notJson = path.join(os.tmpdir(), `stix-${tag}.txt`);
    writeFileSync(notJson, 'not a bundle');
    await again.locator('input[type=file]').setInputFiles(notJson);
    await again.getByRole('button', { name: 'Import' }).click();
    await again.getByRole('alert').filter({ hasText: 'not JSON' }).waitFor();
    await page.context().close();
  });

});
