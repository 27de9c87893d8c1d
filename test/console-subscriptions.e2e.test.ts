// The console's webhook subscriptions panel in a real browser (Debian's Chromium through
// playwright-core) against the real stack and a receiver on 127.0.0.1 that verifies every
// delivery's signature: Cambodia's supervisor subscribes in the panel and sees the secret once; a
// record written then shows as an acknowledged delivery; a failing receiver's attempts show as
// failures until the subscription pauses, and resuming it delivers; a rotated secret differs and the
// receiver verifies the next delivery with it only; deleting asks first (keyboard, Escape keeps it);
// the panel on a 375-pixel phone. Screenshots go to test/screenshots/.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../lib/webhook-signing.js';
import type { WebhookTimings } from '../workflows/definitions.js';
import { seriousAxeFindings, signInForIntelligence, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, setUpTeam, teamUsers } from './helpers/intel.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-db.js';
import { waitUntil } from './helpers/wait.js';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js';

const SHOTS = path.join(import.meta.dirname, 'screenshots');
const TIMINGS: WebhookTimings = { maxAttempts: 2, initialRetryMs: 100, maxRetryIntervalMs: 200, pollIntervalMs: 600_000 };
const u = makeUsers(randomUUID().slice(0, 6));
const users = teamUsers(u, 1);
const supervisor = users.supervisors.KH;

let running: ConsoleStack;
let teamId: string;
const receivers: Receiver[] = [];
// A database of its own: the panel shows the change a subscription last passed, which in the shared
// one may be another file's change of another team.
let scratch: ScratchDatabase;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  scratch = await createScratchDatabase();
  running = await startConsoleStack({ webhooks: { timings: TIMINGS, allowHosts: ['127.0.0.1'] } }, { database: scratch.database });
  // Set up by Cambodia's supervisor, who is thereby a member: a subscription is a member country's.
  teamId = await setUpTeam(running.stack.api, users);
}, 600_000);
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await running?.stop();
  await scratch?.drop();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** The supervisor's browser on the team page, the purpose given. */
async function teamPage(viewport?: { width: number; height: number }): Promise<{ page: Page; panel: Locator }> {
  const page = await signInForIntelligence(running, supervisor, viewport);
  await page.goto(`${running.server.url}/console/#/teams/${teamId}`);
  const panel = page.getByRole('region', { name: 'Subscriptions of Cambodia (KH)' });
  await panel.waitFor();
  return { page, panel };
}

const record = (name: string) => recordEntity(running.stack.api, teamId, users.officers.KH, { kind: 'organisation', attributes: { name, type: 'syndicate' } });

/** The secret the panel shows once; it is gone once dismissed. */
async function takeSecret(page: Page): Promise<{ id: string; secret: string }> {
  const shown = page.getByRole('region', { name: 'Signing secret' });
  await shown.waitFor();
  const box = shown.getByRole('textbox', { name: 'Signing secret' });
  // Focus moves to the secret, selected for copying.
  await waitUntil('the focus on the secret', () => page.evaluate('document.activeElement?.getAttribute("name")'), (name) => name === 'secret', { timeoutMs: 5_000 });
  const secret = await box.inputValue();
  expect(secret).toMatch(/^whsec_/);
  const id = (await shown.getAttribute('data-subscription-id'))!;
  await shown.getByRole('button', { name: 'I have stored it' }).click();
  await shown.waitFor({ state: 'detached' });
  expect(await page.content()).not.toContain(secret);
  return { id, secret };
}

/** Subscribes `r` through the panel's form; the receiver then holds the secret. */
async function subscribeInPanel(page: Page, panel: Locator, r: Receiver): Promise<string> {
  const form = panel.getByRole('form', { name: 'Add a subscription' });
  await form.getByLabel('Receiver URL').fill(r.url);
  await form.getByRole('button', { name: 'Subscribe' }).click();
  const { id, secret } = await takeSecret(page);
  r.secret = secret;
  return id;
}

const card = (panel: Locator, id: string) => panel.locator(`article[data-subscription-id="${id}"]`);

/** Opens the card's deliveries and waits for the row of `eventId` with that outcome. */
async function deliveryRow(c: Locator, eventId: number, ok: boolean): Promise<Locator> {
  const toggle = c.getByRole('button', { name: 'Show deliveries' });
  if (await toggle.count()) await toggle.click();
  const row = c.locator(`tr[data-event-id="${eventId}"][data-ok="${ok}"]`).first();
  await row.waitFor({ timeout: 30_000 });
  return row;
}

describe('the subscriptions panel', () => {
  const good: { r?: Receiver; id?: string; secret?: string } = {};
  let page: Page;
  let panel: Locator;

  it('subscribes a receiver, shows the secret once, and shows a record written then as an acknowledged delivery', async () => {
    ({ page, panel } = await teamPage());
    await panel.getByText('No subscriptions yet.').waitFor();
    good.r = await receiver();
    good.id = await subscribeInPanel(page, panel, good.r);
    good.secret = good.r.secret;
    const c = card(panel, good.id);
    await c.waitFor();
    expect(await c.getByRole('heading').textContent()).toBe(good.r.url);
    expect(await c.getAttribute('data-state')).toBe('active');
    expect(await c.textContent()).toContain('All changes');

    const made = await record(`Acknowledged Co ${randomUUID().slice(0, 4)}`);
    const got = await waitUntil('the delivery', async () => good.r!.acknowledged().find((x) => x.body.recordId === made));
    expect(good.r.requests.map((x) => x.body.recordId)).toEqual([made]);
    expect(got.verified).toBe(true);
    const row = await deliveryRow(c, got.eventId, true);
    expect(await row.textContent()).toContain('Acknowledged (200)');
    await waitUntil('the counts', () => c.getByTestId('subscription-counts').textContent(), (t) => t === '1 acknowledged, 0 failed attempts');
    expect(await c.getByTestId('subscription-cursor').textContent()).toBe(`No. ${got.eventId}`);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await shot(page, 'subscriptions-01-acknowledged');
  });

  it("shows a failing receiver's attempts as failures and the pause; resuming delivers the change", async () => {
    const r = await receiver();
    let down = true;
    r.respond = () => (down ? 500 : 200);
    const id = await subscribeInPanel(page, panel, r);
    const c = card(panel, id);
    await record(`Failing Co ${randomUUID().slice(0, 4)}`);
    await waitUntil('the attempts', async () => r.requests.length, (n) => n >= 1);
    const eventId = r.requests[0].eventId;
    const failed = await deliveryRow(c, eventId, false);
    expect(await failed.textContent()).toContain('Failed: the receiver answered 500');
    // At the delivery limit the subscription pauses, and the panel says so and why.
    await waitUntil('the pause shown', () => c.getAttribute('data-state'), (state) => state === 'paused');
    expect(await c.getByTestId('subscription-state').textContent()).toContain('Paused');
    expect(await c.getByTestId('subscription-state').textContent()).toContain('500');
    await shot(page, 'subscriptions-02-paused');

    down = false;
    await c.getByRole('button', { name: 'Resume' }).click();
    await deliveryRow(c, eventId, true);
    await waitUntil('the acknowledgement', async () => r.acknowledged().map((x) => x.eventId), (ids) => ids.includes(eventId));
    await waitUntil('active again', () => c.getAttribute('data-state'), (s) => s === 'active');
    expect(await c.getByRole('button', { name: 'Resume' }).count()).toBe(0);
  });

  it('rotates the secret: the new one, shown once, differs, and the receiver verifies the next delivery with it only', async () => {
    const c = card(panel, good.id!);
    await c.getByRole('button', { name: 'Rotate the secret' }).click();
    const { id, secret } = await takeSecret(page);
    expect(id).toBe(good.id);
    expect(secret).not.toBe(good.secret);
    good.r!.secret = secret;
    const after = await record(`After Rotation Co ${randomUUID().slice(0, 4)}`);
    const last = await waitUntil('the delivery after the rotation', async () => good.r!.acknowledged().find((x) => x.body.recordId === after));
    expect(last.verified).toBe(true);
    expect(verifyWebhook(good.secret!, JSON.stringify(last.body), last.signature)).toBe(false);
    expect(good.r!.requests.every((x) => x.verified)).toBe(true);
    await deliveryRow(c, last.eventId, true);
    expect(await c.textContent()).toContain('replaced');
  });

  it('deletes only after a confirmation, by keyboard; Escape keeps it', async () => {
    const c = card(panel, good.id!);
    await c.getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    const confirm = c.getByRole('alertdialog', { name: 'Delete the subscription' });
    await confirm.waitFor();
    // Focus lands on the safe choice.
    await waitUntil('the focus on "Keep it"', () => page.evaluate('document.activeElement?.textContent'), (text) => text === 'Keep it', { timeoutMs: 5_000 });
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    const listed = async () => ((await running.stack.api.get(`/v1/teams/${teamId}/subscriptions`, supervisor)).body.items as { id: string }[]).map((s) => s.id);
    expect(await listed()).toContain(good.id);

    await c.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Delete the subscription' }).click();
    await c.waitFor({ state: 'detached' });
    expect(await listed()).not.toContain(good.id);
  });

  it('is usable on a 375-pixel phone', async () => {
    const phone = await teamPage({ width: 375, height: 740 });
    await phone.panel.locator('article[data-subscription-id]').first().waitFor();
    await phone.panel.getByRole('form', { name: 'Add a subscription' }).scrollIntoViewIfNeeded();
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
    const box = (await phone.panel.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(await seriousAxeFindings(phone.page)).toEqual([]);
    await shot(phone.page, 'subscriptions-03-phone');
  });
});
