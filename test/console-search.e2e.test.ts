// The case list's search box in a real browser against the real stack: a document number finds the
// one case; the search, the filters and the page are in the URL, so Back from a case and a shared
// link return to the same view; each row shows the date of birth and the documents.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousAxeFindings, signInAs, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';

const u = makeUsers(randomUUID().slice(0, 6));
const tag = randomUUID().slice(0, 6);
const SURNAME = `Ngô${tag}`;
const PASSPORT = `C${Date.now()}`;
let running: ConsoleStack;
let target: string;

beforeAll(async () => {
  running = await startConsoleStack();
  const open = async (fullName: string, documents?: unknown[]) => {
    const res = await running.stack.api.post(
      '/v1/cases',
      u.khOfficer,
      intakeBody({}, { fullName, claimedNationality: 'VN', dateOfBirth: '1990-05-17', ...(documents ? { documents } : {}) }),
    );
    expect(res.status).toBe(201);
    return res.body.caseId as string;
  };
  // 52 people of one surname: two pages of 50; the one with the passport is on the second.
  for (let i = 0; i < 51; i++) await open(`${SURNAME} Văn Hùng ${i}`);
  target = await open(`${SURNAME} Thị Lan`, [{ type: 'passport', number: PASSPORT, issuingCountry: 'VN' }]);
}, 600_000);
afterAll(() => running?.stop());

const rows = (page: Page) => page.locator('table.cases tbody tr[data-case-id]');

async function casesPage(): Promise<Page> {
  const page = await signInAs(running, u.khOfficer);
  await page.waitForURL(/#\/cases$/);
  const purpose = page.getByRole('form', { name: 'Purpose of access' });
  await purpose.getByRole('button', { name: 'Continue' }).click();
  await purpose.waitFor({ state: 'detached' });
  await page.locator('h1', { hasText: 'Cases' }).waitFor();
  return page;
}

async function searchFor(page: Page, text: string): Promise<void> {
  const box = page.getByRole('search', { name: 'Find a person' });
  await box.locator('input[name=q]').fill(text);
  await box.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL((url) => new URLSearchParams(url.hash.split('?')[1] ?? '').get('q') === text);
}

describe('the search box', () => {
  it('finds the one case by a document number; Back from the case returns to the same search', async () => {
    const page = await casesPage();
    await searchFor(page, PASSPORT.toLowerCase());
    await page.locator(`table.cases tbody tr[data-case-id="${target}"]`).waitFor();
    expect(await rows(page).count()).toBe(1);
    const row = rows(page).first();
    expect((await row.locator('td[data-column=born]').textContent())?.trim()).toBe('1990-05-17');
    expect((await row.locator('td[data-column=documents]').textContent())?.trim()).toBe('passport, VN');
    expect(await seriousAxeFindings(page)).toEqual([]);

    await row.getByRole('link').click();
    await page.waitForURL(new RegExp(`#/cases/${target}`));
    await page.goBack();
    await page.locator(`table.cases tbody tr[data-case-id="${target}"]`).waitFor();
    expect(await rows(page).count()).toBe(1);
    expect(await page.locator('input[name=q]').inputValue()).toBe(PASSPORT.toLowerCase());
  });

  it('a name search pages; Back from a case on page 2 and a shared link return to page 2', async () => {
    const page = await casesPage();
    await searchFor(page, `${SURNAME.toLowerCase()} van hung`.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''));
    await page.getByText('Page 1').waitFor();
    await expect.poll(() => rows(page).count()).toBe(50);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await expect.poll(() => rows(page).count()).toBe(1);
    const onPage2 = await rows(page).first().getAttribute('data-case-id');
    expect(onPage2).not.toBe(target);
    const shared = page.url();

    await rows(page).first().getByRole('link').click();
    await page.waitForURL(new RegExp(`#/cases/${onPage2}`));
    await page.goBack();
    await page.getByText('Page 2').waitFor();
    await page.locator(`table.cases tbody tr[data-case-id="${onPage2}"]`).waitFor();
    expect(await rows(page).count()).toBe(1);

    // The link, opened by a colleague of the same country, shows the same page.
    const other = await casesPage();
    await other.goto(shared);
    await other.getByText('Page 2').waitFor();
    await other.locator(`table.cases tbody tr[data-case-id="${onPage2}"]`).waitFor();
    expect(await rows(other).count()).toBe(1);
  });
});
