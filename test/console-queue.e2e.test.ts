// The supervisor's decision queue in a real browser against the real stack: each row shows the
// evidence (identity, screening, documents); with 100 rows ticked the selection bar is still in view;
// a bulk decision first lists who is about to be decided and decides nothing until confirmed; a case
// put on hold by someone else meanwhile, or decided by the other side, leaves the selection with a notice; the result appears in the bar.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { caseSteps, makeUsers } from './helpers/fixtures.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-db.js';

const u = makeUsers(randomUUID().slice(0, 6));
let running: ConsoleStack;
// A database of its own: the queue lists every case of the country awaiting a decision, and other
// files running beside this one open such cases in the shared one.
let scratch: ScratchDatabase;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  running = await startConsoleStack({}, { database: scratch.database });
}, 600_000);
afterAll(async () => {
  await running?.stop();
  await scratch?.drop();
});

/** `n` cases awaiting both decisions, opened `width` at a time. */
async function awaitingDecision(n: number, width = 8): Promise<string[]> {
  const steps = caseSteps(running.stack.api, u);
  const ids: string[] = [];
  for (let i = 0; i < n; i += width) {
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(width, n - i) }, async () => {
          const id = await steps.open();
          await steps.toApproval(id);
          return id;
        }),
      )),
    );
  }
  return ids;
}

async function queueOf(user: typeof u.khSupervisor): Promise<Page> {
  const page = await signInAs(running, user);
  await page.waitForURL(/#\/queue$/);
  const purpose = page.getByRole('form', { name: 'Purpose of access' });
  await purpose.getByRole('button', { name: 'Continue' }).click();
  await purpose.waitFor({ state: 'detached' });
  await page.locator('table.queue').waitFor();
  return page;
}

describe('the decision queue', () => {
  it('shows the evidence, keeps the selection in view, confirms with the names, drops a case held meanwhile, and answers in the bar', async () => {
    const ids = await awaitingDecision(101);
    const page = await queueOf(u.khSupervisor);
    const rows = page.locator('table.queue tbody tr[data-case-id]');
    // Only 100 rows on screen; "Select all" says so and ticks only those.
    await page.getByText('Select all 100 shown').waitFor();
    expect(await rows.count()).toBe(100);

    // The evidence on each row: identity with its method, the screening, the documents.
    const first = rows.first();
    expect((await first.locator('td[data-evidence=identity]').textContent())?.trim()).toBe('confirmed, China (Biometric)');
    expect((await first.locator('td[data-evidence=screening]').textContent())?.trim()).toBe('no indicators');
    expect((await first.locator('td[data-evidence=documents]').textContent())?.trim()).toBe('passport, CN');
    // The destination's supervisor sees identity and documents, not the holding country's screening.
    const cn = await queueOf(u.cnSupervisor);
    expect((await cn.locator('table.queue tbody tr[data-case-id] td[data-evidence=screening]').first().textContent())?.trim()).toBe('holding country only');
    const answer = await running.stack.api.get('/v1/decisions/pending?limit=1', u.cnSupervisor);
    expect(answer.body.items[0].evidence.screening).toBeNull();
    expect(answer.body.items[0].evidence.documents).toEqual([{ type: 'passport', issuingCountry: 'CN' }]);

    await page.getByRole('checkbox', { name: 'Select all 100 shown' }).check();
    const bar = page.getByRole('region', { name: 'Selection' });
    await bar.getByTestId('selection-count').filter({ hasText: '100 selected' }).waitFor();
    // Scrolled to the last row, the bar is still within the viewport.
    await rows.last().scrollIntoViewIfNeeded();
    const box = (await bar.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height + 1);
    expect(await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBeGreaterThan(2000);
    // The 101st case, not on screen, is not selected.
    await page.getByRole('button', { name: 'Show 1 more (of 1 not shown)' }).waitFor();

    // Someone else puts a selected case on hold: it leaves the selection, said in words.
    const heldRow = page.locator(`tr[data-case-id="${ids[0]}"]`);
    const heldRef = (await heldRow.locator('td.mono').textContent())!.trim();
    const hold = await running.stack.api.post(`/v1/cases/${ids[0]}/holds`, u.khOfficer, { kind: 'medical', reason: 'clinic' });
    expect(hold.status).toBe(201);
    await bar.getByTestId('selection-left').filter({ hasText: `${heldRef}) left the queue: now On hold` }).waitFor();
    await bar.getByTestId('selection-count').filter({ hasText: '99 selected' }).waitFor();
    // The other side decides a selected case meanwhile: it stays in the queue but leaves the selection, said in words.
    const changedRef = (await page.locator(`tr[data-case-id="${ids[2]}"] td.mono`).textContent())!.trim();
    await caseSteps(running.stack.api, u).decide(ids[2], u.cnSupervisor, 'approve');
    await bar.getByTestId('selection-left').filter({ hasText: `${changedRef}) changed` }).waitFor();
    await bar.getByTestId('selection-count').filter({ hasText: '98 selected' }).waitFor();
    await page.locator(`tr[data-case-id="${ids[2]}"] td`, { hasText: 'approved' }).waitFor();
    expect(await page.locator(`tr[data-case-id="${ids[2]}"] input[type=checkbox]`).isChecked()).toBe(false);

    // Approving asks first, listing every name and reference; nothing is decided before confirming.
    let posted = 0;
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/v1/decisions') && posted++);
    await bar.getByRole('button', { name: 'Approve 98 selected…' }).click();
    const confirm = bar.getByRole('dialog', { name: 'Confirm: approve 98 cases' });
    await confirm.waitFor();
    const names = confirm.getByTestId('confirm-names').locator('li');
    expect(await names.count()).toBe(98);
    expect(await confirm.getByTestId('confirm-names').textContent()).not.toContain(heldRef);
    const secondRef = (await page.locator(`tr[data-case-id="${ids[1]}"] td.mono`).textContent())!.trim();
    expect(await confirm.getByTestId('confirm-names').textContent()).toContain(secondRef);
    // Focus is in the confirmation; Escape cancels it, nothing decided.
    expect(await confirm.evaluate((el) => el.contains((globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement as never))).toBe(true);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect(posted).toBe(0);
    expect((await running.stack.api.get(`/v1/cases/${ids[1]}`, u.admin)).body.decisions.holding).toBeNull();

    await bar.getByRole('button', { name: 'Approve 98 selected…' }).click();
    await confirm.getByRole('button', { name: 'Confirm: approve 98' }).click();
    // The result where the user is: in the bar, still in view.
    const outcome = bar.getByRole('status').filter({ hasText: '98 of 98 decided.' });
    await outcome.waitFor();
    expect(posted).toBe(1);
    // The queue refreshes to the two cases left (the changed one and the 101st); the result is still in view.
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('table.queue tbody tr[data-case-id]').length === 2);
    await outcome.waitFor();
    // The cases this decision took out of the queue are not reported as having left it meanwhile.
    expect(await bar.getByTestId('selection-left').textContent()).not.toContain(secondRef);
    expect(await bar.getByTestId('selection-left').locator('p', { hasText: /left the queue|changed/ }).count()).toBe(2);
    const at = (await outcome.boundingBox())!;
    expect(at.y + at.height).toBeLessThanOrEqual(page.viewportSize()!.height + 1);
    expect((await running.stack.api.get(`/v1/cases/${ids[1]}`, u.admin)).body.decisions.holding?.decision).toBe('approve');
  }, 600_000);
});
