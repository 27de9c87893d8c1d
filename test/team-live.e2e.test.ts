// The team page's Live panel in a real browser (Debian's Chromium through playwright-core) against
// the real stack: a Thai member watching the team sees the records written through the API arrive
// as they are made, newest first, and never the one Cambodia released to China alone.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../workflows/definitions.js';
import { seriousAxeFindings, signInForIntelligence, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, setUpTeam, teamUsers } from './helpers/intel.js';

const tag = randomUUID().slice(0, 6);
const u = makeUsers(tag);
const users = teamUsers(u, 8);

let running: ConsoleStack;
let teamId: string;
beforeAll(async () => {
  running = await startConsoleStack();
  teamId = await setUpTeam(running.stack.api, users);
});
afterAll(() => running?.stop());

async function signedIn(user: Actor): Promise<Page> {
  return signInForIntelligence(running, user);
}

describe('the Live panel of a team', () => {
  it("shows a member the team's changes as they are made, as their country may see them", async () => {
    const page = await signedIn(users.officers.TH);
    await page.goto(`${running.server.url}/console/#/teams/${teamId}`);
    const live = page.getByRole('region', { name: 'Live' });
    await live.locator('[data-stream="live"]').waitFor();
    await live.getByText('No changes since you opened the page.').waitFor();

    const api = running.stack.api;
    const hidden = await recordEntity(api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 888 999' },
      handling: { code: 'H2', releasableTo: ['CN'] },
    });
    const first = await recordEntity(api, teamId, users.officers.KH, { kind: 'organisation', attributes: { name: `Golden Fortune ${tag}`, type: 'syndicate' } });
    const second = await recordEntity(api, teamId, users.officers.CN, { kind: 'organisation', attributes: { name: `Jinbei ${tag}`, type: 'syndicate' } });

    const row = (id: string) => live.locator(`tr[data-record-id="${id}"]`);
    await row(second).waitFor();
    await row(first).waitFor();
    expect(await row(first).textContent()).toContain(`Golden Fortune ${tag}`);
    expect(await row(first).textContent()).toContain('recorded');
    expect(await row(second).textContent()).toContain('(CN)');
    // Newest first.
    expect(await live.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-record-id')))).toEqual([second, first]);
    expect(await row(hidden).count()).toBe(0);
    expect(await live.textContent()).not.toContain('888 999');
    // The record opens from the panel.
    await row(first).getByRole('link', { name: `Golden Fortune ${tag}` }).click();
    await page.waitForURL(new RegExp(`#/teams/${teamId}/entities/${first}`));
    await page.goBack();
    await page.getByRole('region', { name: 'Live' }).locator('[data-stream="live"]').waitFor();
    expect(await seriousAxeFindings(page)).toEqual([]);
  });
});
