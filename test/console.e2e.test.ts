// The web console in a real browser (Debian's Chromium through playwright-core) against the real
// stack: an officer opens a case, the receiving officer verifies it, the holding officer screens it,
// both supervisors approve from their queues, an officer builds a flight, downloads its manifest,
// departs and hands over, and the dashboard follows it all without a reload. Then the safeguards: a
// trafficking indicator diverts a case to protection, a protection claim holds a case and its flight
// leaves without it; and the audit log for auditors. Screenshots of each page go to test/screenshots/.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../api/server.js';
import { signInAs, startConsoleStack, type ConsoleStack } from './helpers/console.js';
import { toLocalInput } from '../console/src/format.js';
import { caseSteps, makeUsers } from './helpers/fixtures.js';
import type { Stack } from './helpers/stack.js';

const SHOTS = path.join(import.meta.dirname, 'screenshots');
const tag = randomUUID().slice(0, 6);
const u = makeUsers(tag);

let running: ConsoleStack;
let stack: Stack;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  running = await startConsoleStack();
  ({ stack, server, browser } = running);
}, 600_000);
afterAll(() => running?.stop());

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

const newPage = async () => (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();

/** A browser of its own, signed in through the development sign-in as a user unique to this run. */
const signedIn = (role: string, country: string, sub: string): Promise<Page> => signInAs(running, { role, country, sub });

/** The purpose is asked right after sign-in, before any read of personal data (the live feed too). */
async function givePurpose(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: 'Purpose of access' });
  await form.waitFor();
  // Nothing that needs a purpose has been asked for yet: the feed waits for it.
  expect(await page.locator('[data-stream=stopped]').count()).toBe(1);
  await form.getByRole('button', { name: 'Continue' }).click();
  await form.waitFor({ state: 'detached' });
}

/** Every request the page makes to a route that reads personal data carries X-Purpose. */
function watchPurpose(page: Page): string[] {
  const missing: string[] = [];
  const personal = /\/v1\/(cases(\/[^/?]+(\/events)?)?|transfers\/[^/?]+\/manifest|decisions\/pending|events\/stream|audit)(\?|$)/;
  page.on('request', (r) => {
    const { pathname, search } = new URL(r.url());
    if (r.method() === 'GET' && personal.test(pathname + search) && !r.headers()['x-purpose']) missing.push(pathname);
  });
  return missing;
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent())?.trim();

describe('the web console', () => {
  it('takes a case from intake to handover, with the dashboard following live', async () => {
    const operation = await stack.api.post('/v1/operations', u.khOfficer, { name: `Kandal sweep ${tag}`, leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
    expect(operation.status).toBe(201);
    const opId: string = operation.body.id;
    const cell = (route: string, metric: string) => `article[data-operation="${opId}"] tr[data-route="${route}"] td[data-metric="${metric}"]`;

    // The sign-in page, with the development picker (this stack runs on a development secret).
    const first = await newPage();
    await first.goto(`${server.url}/console/`);
    await first.getByRole('region', { name: 'Development sign-in' }).waitFor();
    await shot(first, '01-sign-in');
    await first.close();

    // The dashboard, left open: it must change without a reload.
    const dashboard = await signedIn('admin', 'CN', u.admin.sub);
    const withoutPurpose = watchPurpose(dashboard);
    await dashboard.goto(`${server.url}/console/#/dashboard`);
    await givePurpose(dashboard);
    await dashboard.locator('h1', { hasText: 'Operations dashboard' }).waitFor();
    await dashboard.locator('[data-stream=live]').waitFor();
    await dashboard.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'not reloaded'));
    expect(await dashboard.locator(`article[data-operation="${opId}"]`).count()).toBe(0);

    // A Cambodian officer opens the case.
    const khOfficer = await signedIn('officer', 'KH', u.khOfficer.sub);
    withoutPurpose.push(...watchPurpose(khOfficer));
    await khOfficer.waitForURL(/#\/cases$/);
    await givePurpose(khOfficer);
    await khOfficer.locator('h1', { hasText: 'Cases' }).waitFor();
    await shot(khOfficer, '02-cases');
    await khOfficer.getByRole('link', { name: 'Open a case' }).click();
    const intake = khOfficer.getByRole('form', { name: 'Open a case' });
    await intake.locator('input[name=externalRef]').fill(`KH-PP-E2E-${tag}`);
    await intake.locator('select[name=operationId]').selectOption(opId);
    await intake.locator('input[name=fullName]').fill(`Wang Lei ${tag}`);
    await intake.locator('input[name=dateOfBirth]').fill('1994-03-02');
    await intake.locator('select[name=sex]').selectOption('M');
    await intake.locator('select[name=claimedNationality]').selectOption('CN');
    await intake.locator('input[name=documentNumber]').fill(`E${tag}`);
    // Arrested yesterday: well inside the custody limit (an older arrest would escalate at once).
    await intake.locator('input[name=arrestAt]').fill(toLocalInput(Date.now() - 86_400_000));
    await intake.locator('input[name=arrestPlace]').fill('Chrey Thom, Kandal');
    await shot(khOfficer, '03-open-case');
    await intake.getByRole('button', { name: 'Open the case' }).click();
    await khOfficer.locator('article.case h1 .badge', { hasText: 'Identity pending' }).waitFor();
    const caseId = (await khOfficer.locator('article.case').getAttribute('data-case-id'))!;
    expect(caseId).toMatch(/^[0-9a-f-]{36}$/);
    // The holding country's officer cannot verify a Chinese national's identity, nor screen yet.
    expect(await khOfficer.getByRole('form', { name: 'Verify identity' }).count()).toBe(0);
    expect(await khOfficer.getByRole('form', { name: 'Screening' }).count()).toBe(0);
    await khOfficer.getByRole('button', { name: 'Record consular notice…' }).waitFor();

    await dashboard.locator(cell('KH-CN', 'arrested'), { hasText: '1' }).waitFor();
    expect(await text(dashboard, cell('KH-CN', 'verified'))).toBe('0');

    // A Vietnamese officer: the case is not shared with Vietnam, said in words.
    const vnOfficer = await signedIn('officer', 'VN', u.vnOfficer.sub);
    await vnOfficer.goto(`${server.url}/console/#/cases/${caseId}`);
    await givePurpose(vnOfficer);
    await vnOfficer.getByRole('alert').filter({ hasText: 'not shared with your country' }).waitFor();

    // The Chinese officer verifies nationality.
    const cnOfficer = await signedIn('officer', 'CN', u.cnOfficer.sub);
    await cnOfficer.goto(`${server.url}/console/#/cases/${caseId}`);
    await givePurpose(cnOfficer);
    const verify = cnOfficer.getByRole('form', { name: 'Verify identity' });
    await verify.locator('select[name=result]').selectOption('confirmed');
    await verify.locator('select[name=method]').selectOption('biometric');
    await verify.getByRole('button', { name: 'Record verification' }).click();
    await cnOfficer.locator('article.case h1 .badge', { hasText: 'Screening pending' }).waitFor();
    await cnOfficer.getByText('Nothing at this stage for your role and country.').waitFor();
    await shot(cnOfficer, '04-case-verified');
    await dashboard.locator(cell('KH-CN', 'verified'), { hasText: '1' }).waitFor();

    // The officer who opened the case sees the change arrive by itself, and screens: no indicators.
    await khOfficer.locator('article.case h1 .badge', { hasText: 'Screening pending' }).waitFor();
    const screening = khOfficer.getByRole('form', { name: 'Screening' });
    expect(await screening.getByRole('checkbox', { name: /Debt bondage/ }).isChecked()).toBe(false);
    await screening.getByTestId('screening-outcome').filter({ hasText: 'No indicators: the case goes to approval by both countries.' }).waitFor();
    await shot(khOfficer, '04b-screening');
    // No indicators: asked to confirm that nothing was found, and nothing is recorded before.
    let screeningPosts = 0;
    khOfficer.on('request', (r) => r.method() === 'POST' && r.url().endsWith(`/v1/cases/${caseId}/screening`) && screeningPosts++);
    await screening.getByRole('button', { name: 'Record screening…' }).click();
    const noIndicators = screening.getByRole('dialog', { name: 'No trafficking indicators found — confirm' });
    await noIndicators.getByRole('button', { name: 'Confirm: record screening' }).waitFor();
    await khOfficer.keyboard.press('Escape');
    await noIndicators.waitFor({ state: 'detached' });
    expect(screeningPosts).toBe(0);
    expect(await khOfficer.locator('article.case h1 .badge', { hasText: 'Screening pending' }).count()).toBe(1);
    await screening.getByRole('button', { name: 'Record screening…' }).click();
    await noIndicators.getByRole('button', { name: 'Confirm: record screening' }).click();
    await khOfficer.locator('article.case h1 .badge', { hasText: 'Approval pending' }).waitFor();
    expect(screeningPosts).toBe(1);
    await khOfficer.getByTestId('screening').filter({ hasText: 'No trafficking indicators' }).waitFor();

    // The Cambodian supervisor approves from the queue, one by one.
    const khSupervisor = await signedIn('supervisor', 'KH', u.khSupervisor.sub);
    withoutPurpose.push(...watchPurpose(khSupervisor));
    await khSupervisor.waitForURL(/#\/queue$/);
    await givePurpose(khSupervisor);
    const khRow = khSupervisor.locator(`table.queue tr[data-case-id="${caseId}"]`);
    await khRow.waitFor();
    await shot(khSupervisor, '05-queue');
    await khRow.getByRole('button', { name: 'Decide…' }).click();
    await khSupervisor.getByRole('form', { name: `Decide: Wang Lei ${tag}` }).getByRole('button', { name: 'Approve', exact: true }).click();
    await khSupervisor.getByRole('status').filter({ hasText: 'Decision recorded.' }).waitFor();
    await khRow.waitFor({ state: 'detached' });

    // The Chinese supervisor approves a selection through the bulk route; a rejection needs a reason.
    const cnSupervisor = await signedIn('supervisor', 'CN', u.cnSupervisor.sub);
    await givePurpose(cnSupervisor);
    const cnRow = cnSupervisor.locator(`table.queue tr[data-case-id="${caseId}"]`);
    await cnRow.getByRole('checkbox').check();
    const bulk = cnSupervisor.getByRole('region', { name: 'Selection' });
    await bulk.getByRole('button', { name: 'Reject 1 selected…' }).click();
    expect(await bulk.getByRole('button', { name: 'Confirm: reject 1' }).isDisabled()).toBe(true);
    await bulk.getByRole('button', { name: 'Cancel' }).click();
    const bulkDecisions = cnSupervisor.waitForRequest((r) => r.url().endsWith('/v1/decisions') && r.method() === 'POST');
    await bulk.getByRole('button', { name: 'Approve 1 selected…' }).click();
    await bulk.getByRole('dialog', { name: 'Confirm: approve 1 case' }).getByText(`Wang Lei ${tag} (KH-PP-E2E-${tag})`).waitFor();
    await bulk.getByRole('button', { name: 'Confirm: approve 1' }).click();
    expect((await bulkDecisions).headers()['x-purpose']).toBe('Case processing: identity, decisions and transfer');
    await cnSupervisor.getByRole('status').filter({ hasText: '1 of 1 decided.' }).waitFor();
    await cnRow.waitFor({ state: 'detached' });
    await dashboard.locator(cell('KH-CN', 'approved'), { hasText: '1' }).waitFor();

    // The Cambodian officer builds a flight from the approved case and another one, and confirms departure.
    const other = await caseSteps(stack.api, u).approved({ operationId: opId });
    await khOfficer.locator('article.case h1 .badge', { hasText: 'Approved' }).waitFor();
    await khOfficer.getByRole('link', { name: 'Put on a transfer' }).click();
    const flight = khOfficer.getByRole('form', { name: 'New transfer' });
    await flight.locator('input[name=from]').fill('Phnom Penh (PNH)');
    await flight.locator('input[name=to]').fill('Guangzhou (CAN)');
    await flight.locator('input[name=capacity]').fill('180');
    await flight.locator(`tr[data-case-id="${caseId}"] input[type=checkbox]:checked`).waitFor();
    await flight.locator(`tr[data-case-id="${other}"] input[type=checkbox]`).check();
    await shot(khOfficer, '06-new-transfer');
    await flight.getByRole('button', { name: 'Schedule the transfer with 2 people' }).click();
    await khOfficer.getByRole('status').filter({ hasText: '2 of 2 cases put on this transfer.' }).waitFor();
    const transferId = (await khOfficer.locator('section.transfer').getAttribute('data-transfer-id'))!;

    // The passenger manifest, fetched with the token and the purpose and offered as a file.
    const manifestRequest = khOfficer.waitForRequest((r) => r.url().includes(`/v1/transfers/${transferId}/manifest`));
    const downloading = khOfficer.waitForEvent('download');
    await khOfficer.getByRole('button', { name: 'Download the manifest (CSV)' }).click();
    const file = await downloading;
    expect((await manifestRequest).headers()['x-purpose']).toBe('Case processing: identity, decisions and transfer');
    expect(file.suggestedFilename()).toBe(`manifest-${transferId}.csv`);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^caseId,externalRef,fullName,/);
    expect(csv).toContain(`Wang Lei ${tag}`);
    await khOfficer.getByText(`Saved as manifest-${transferId}.csv`).waitFor();
    // Times carry their zone: the departure in Phnom Penh's time, and the officer's own beside it.
    const departs = (await khOfficer.locator('section.transfer p', { hasText: 'departs' }).textContent()) ?? '';
    const { scheduledAt } = (await stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer)).body;
    const phnomPenh = new Date(scheduledAt).toLocaleString('en-US', { timeZone: 'Asia/Phnom_Penh', hour: '2-digit', minute: '2-digit' });
    expect(departs).toMatch(/departs .*GMT\+7 local \(.*UTC yours\)/);
    expect(departs).toContain(phnomPenh);

    await khOfficer.getByRole('button', { name: 'Depart…' }).click();
    await khOfficer.getByRole('dialog', { name: '2 of 2 booked depart — confirm the departure?' }).waitFor();
    await khOfficer.getByRole('button', { name: 'Confirm departure of 2' }).click();
    await khOfficer.getByRole('status').filter({ hasText: '2 departed.' }).waitFor();
    await khOfficer.locator(`section.transfer tr[data-case-id="${caseId}"] .badge`, { hasText: 'In transfer' }).waitFor();
    expect(await khOfficer.getByRole('button', { name: 'Hand over…' }).count()).toBe(0);
    await khOfficer.goto(`${server.url}/console/#/transfers`);
    await khOfficer.locator(`tr[data-transfer-id="${transferId}"]`, { hasText: 'Departed' }).waitFor();
    await shot(khOfficer, '07-transfers');

    // The Chinese officer confirms the handover; one person did not arrive.
    await cnOfficer.goto(`${server.url}/console/#/transfers/${transferId}`);
    // Nobody is taken as received by default: each person is marked, and the handover waits until all are.
    const handoverCount = cnOfficer.getByTestId('handover-count');
    await handoverCount.filter({ hasText: '0 received, 0 reported missing, 2 not yet marked' }).waitFor();
    expect(await cnOfficer.locator('section.transfer input[type=radio]:checked').count()).toBe(0);
    expect(await cnOfficer.getByRole('button', { name: 'Hand over…' }).isDisabled()).toBe(true);
    await cnOfficer.locator(`section.transfer tr[data-case-id="${other}"]`).getByRole('radio', { name: 'missing' }).check();
    await cnOfficer.locator(`section.transfer tr[data-case-id="${caseId}"]`).getByRole('radio', { name: 'received' }).check();
    await handoverCount.filter({ hasText: /^1 received, 1 reported missing\.$/ }).waitFor();
    await cnOfficer.getByRole('button', { name: 'Hand over…' }).click();
    await cnOfficer.getByRole('dialog', { name: '1 received, 1 reported missing — confirm the handover?' }).waitFor();
    await cnOfficer.getByRole('button', { name: 'Confirm handover' }).click();
    await cnOfficer.getByRole('status').filter({ hasText: '1 handed over, 1 reported missing.' }).waitFor();
    await cnOfficer.locator(`section.transfer tr[data-case-id="${caseId}"] .badge`, { hasText: 'Handed over' }).waitFor();
    // The missing person is shown missing, in no one's custody, until the holding country finds them.
    await cnOfficer.locator(`section.transfer tr[data-case-id="${other}"] .badge.status-missing`, { hasText: 'Missing' }).waitFor();
    await shot(cnOfficer, '08-transfer-handed-over');
    await cnOfficer.goto(`${server.url}/console/#/cases/${caseId}`);
    await cnOfficer.locator('ol.timeline li').nth(7).waitFor();
    await shot(cnOfficer, '09-case-handed-over');

    // The dashboard has followed every step without a reload.
    await dashboard.locator(cell('KH-CN', 'handedOver'), { hasText: '1' }).waitFor();
    expect(await text(dashboard, cell('KH-CN', 'arrested'))).toBe('2');
    expect(await text(dashboard, cell('KH-CN', 'approved'))).toBe('2');
    expect(await text(dashboard, cell('KH-CN', 'pending'))).toBe('1');
    expect(await text(dashboard, `article[data-operation="${opId}"] [data-funnel=transferred] .figure`)).toBe('1');
    expect(await dashboard.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('not reloaded');
    await shot(dashboard, '10-dashboard');

    // Cambodia finds the missing person and records where: back to approved, for the next transfer.
    await khOfficer.goto(`${server.url}/console/#/cases/${other}`);
    await khOfficer.getByRole('alert').filter({ hasText: "in no one's custody" }).waitFor();
    expect(await khOfficer.getByRole('link', { name: 'Put on a transfer' }).count()).toBe(0);
    await khOfficer.locator('input[name=located-at]').fill(toLocalInput(Date.now() - 3_600_000));
    await khOfficer.locator('input[name=located-place]').fill('Bavet border checkpoint');
    await khOfficer.getByRole('button', { name: 'Record located' }).click();
    await khOfficer.locator('h1 .badge', { hasText: 'Approved' }).waitFor();
    await khOfficer.locator('ol.timeline li[data-event=PERSON_LOCATED]', { hasText: 'Bavet border checkpoint' }).waitFor();

    const events = await stack.api.get(`/v1/cases/${caseId}/events`, u.admin);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED', 'SCREENED', 'DECISION_RECORDED', 'APPROVED', 'TRANSFER_SCHEDULED', 'DEPARTED', 'HANDED_OVER']);
    expect(withoutPurpose).toEqual([]);
  });

  it('diverts a case with a trafficking indicator to protection, and holds a claimant off a departing flight', async () => {
    const steps = caseSteps(stack.api, u);
    const badge = (page: Page) => page.locator('article.case h1 .badge').first();

    // Screening finds debt bondage: the case goes to protection, and nobody is offered a transfer or a decision.
    const victim = await steps.open();
    await steps.verify(victim);
    const khOfficer = await signedIn('officer', 'KH', u.khOfficer.sub);
    const withoutPurpose = watchPurpose(khOfficer);
    await givePurpose(khOfficer);
    await khOfficer.goto(`${server.url}/console/#/cases/${victim}`);
    const screening = khOfficer.getByRole('form', { name: 'Screening' });
    await screening.getByRole('checkbox', { name: 'Debt bondage' }).check();
    await screening.getByTestId('screening-outcome').filter({ hasText: 'Any indicator sends the case to protection' }).waitFor();
    // A protection claim is moot once an indicator protects the person: not asked.
    expect(await screening.getByRole('checkbox', { name: /claims protection/ }).count()).toBe(0);
    await screening.locator('textarea[name=screening-notes]').fill('owes the compound for the journey');
    await shot(khOfficer, '12-screening-indicator');
    await screening.getByRole('button', { name: 'Record screening' }).click();
    await badge(khOfficer).filter({ hasText: 'Protection' }).waitFor();
    await khOfficer.getByRole('status').filter({ hasText: 'Protection track' }).waitFor();
    await khOfficer.getByText('Nothing at this stage for your role and country.').waitFor();
    const referral = khOfficer.locator('ol.timeline li[data-event=PROTECTION_REFERRAL]');
    await referral.waitFor();
    expect(await referral.textContent()).toMatch(/Trafficking indicators: referred to protection.*KH officer \(case officer, KH\).*Debt bondage.*Why: trafficking indicators \(debt_bondage\)/);
    await shot(khOfficer, '13-case-protection');
    const khSupervisor = await signedIn('supervisor', 'KH', u.khSupervisor.sub);
    withoutPurpose.push(...watchPurpose(khSupervisor));
    await givePurpose(khSupervisor);
    await khSupervisor.goto(`${server.url}/console/#/cases/${victim}`);
    await badge(khSupervisor).filter({ hasText: 'Protection' }).waitFor();
    await khSupervisor.getByText('Nothing at this stage for your role and country.').waitFor();
    expect(await khSupervisor.getByRole('form', { name: 'Decide' }).count()).toBe(0);
    expect(await khSupervisor.getByRole('link', { name: 'Put on a transfer' }).count()).toBe(0);

    // A protection claim on a case already on a flight: on hold, and the flight leaves without the person.
    const [claimant, traveller] = [await steps.approved(), await steps.approved()];
    const { transferId } = await steps.transfer([claimant, traveller]);
    const claimantRef: string = (await stack.api.get(`/v1/cases/${claimant}`, u.khOfficer)).body.externalRef;
    await khOfficer.goto(`${server.url}/console/#/cases/${claimant}`);
    await badge(khOfficer).filter({ hasText: 'Transfer scheduled' }).waitFor();
    await khOfficer.getByRole('button', { name: 'Lodge a protection claim…' }).click();
    const claim = khOfficer.getByRole('form', { name: 'Protection claim' });
    await claim.locator('textarea[name=claim-grounds]').fill('fears persecution on return for political opinion');
    await claim.getByRole('button', { name: 'Lodge the claim' }).click();
    await badge(khOfficer).filter({ hasText: 'On hold' }).waitFor();
    await khOfficer.getByRole('status').filter({ hasText: 'On hold (protection claim): the person cannot board a transfer.' }).waitFor();
    await khOfficer.locator('ul.holds li.active', { hasText: 'fears persecution on return' }).waitFor();
    // An officer cannot decide the claim; nor lift it like a medical hold.
    expect(await khOfficer.getByRole('form', { name: 'Protection claim outcome' }).count()).toBe(0);
    expect(await khOfficer.getByRole('button', { name: 'Lift the hold' }).count()).toBe(0);
    await shot(khOfficer, '14-case-on-hold');

    await khOfficer.goto(`${server.url}/console/#/transfers/${transferId}`);
    await khOfficer.getByRole('button', { name: 'Depart…' }).click();
    await khOfficer.getByRole('dialog', { name: '1 of 2 booked depart; 1 on hold stay behind — confirm the departure?' }).waitFor();
    await khOfficer.getByRole('button', { name: 'Confirm departure of 1' }).click();
    await khOfficer.getByRole('status').filter({ hasText: `1 departed. Not done: ${claimantRef} — did not board: the case is on hold.` }).waitFor();
    await khOfficer.locator(`section.transfer tr[data-case-id="${claimant}"]`, { hasText: 'taken off' }).locator('.badge', { hasText: 'On hold' }).waitFor();
    await khOfficer.locator(`section.transfer tr[data-case-id="${traveller}"] .badge`, { hasText: 'In transfer' }).waitFor();
    await shot(khOfficer, '15-flight-without-claimant');

    // The holding supervisor records the legal review: dismissed, and since the flight left, back to approved.
    await khSupervisor.goto(`${server.url}/console/#/cases/${claimant}`);
    const review = khSupervisor.getByRole('form', { name: 'Protection claim outcome' });
    await review.locator('select[name=claim-outcome]').selectOption('dismissed');
    await review.locator('textarea[name=claim-outcome-reason]').fill('no risk established by the legal review');
    await review.getByRole('button', { name: 'Record the outcome' }).click();
    await badge(khSupervisor).filter({ hasText: 'Approved' }).waitFor();
    await khSupervisor.locator('ul.holds li.ended', { hasText: 'dismissed' }).waitFor();
    await khSupervisor.locator('ol.timeline li[data-event=DROPPED_FROM_TRANSFER]', { hasText: 'Why: on hold (protection claim)' }).waitFor();
    await khSupervisor.locator('ol.timeline li[data-event=PROTECTION_CLAIM_DISMISSED]', { hasText: 'Why: no risk established by the legal review' }).waitFor();
    await shot(khSupervisor, '16-claim-dismissed');
    expect(withoutPurpose).toEqual([]);
  });

  it('lets a holding supervisor record consular notice, hold and lift, extend custody, record a court order and release', async () => {
    const steps = caseSteps(stack.api, u);
    const caseId = await steps.open({ legalBasis: 'extradition', consularNotice: null });
    await steps.toApproval(caseId);
    await steps.decide(caseId, u.khSupervisor);
    await steps.decide(caseId, u.cnSupervisor);
    const page = await signedIn('supervisor', 'KH', u.khSupervisor2.sub);
    await givePurpose(page);
    await page.goto(`${server.url}/console/#/cases/${caseId}`);
    const badge = page.locator('article.case h1 .badge').first();
    await page.getByRole('status').filter({ hasText: 'Both sides have approved this extradition' }).waitFor();
    const safeguards = page.getByRole('region', { name: 'Safeguards' });

    await page.getByRole('button', { name: 'Record consular notice…' }).click();
    const consular = page.getByRole('form', { name: 'Consular notice' });
    await consular.getByRole('checkbox', { name: /asked for consular access/ }).check();
    await consular.getByRole('button', { name: 'Record the notice' }).click();
    await safeguards.getByText(/Consulate of China \(CN\) notified .* by diplomatic note; the person asked for consular access/).waitFor();
    expect(await page.getByRole('button', { name: 'Record consular notice…' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Place a medical or legal hold…' }).click();
    const hold = page.getByRole('form', { name: 'Place a hold' });
    await hold.locator('select[name=hold-kind]').selectOption('medical');
    await hold.locator('textarea[name=hold-reason]').fill('hospital treatment');
    await hold.locator('input[name=hold-until]').fill(toLocalInput(Date.now() + 3 * 86_400_000));
    await hold.getByRole('button', { name: 'Place the hold' }).click();
    await badge.filter({ hasText: 'On hold' }).waitFor();
    const lift = page.getByRole('form', { name: 'Lift medical hold' });
    await lift.getByText('The case returns to approval pending.').waitFor();
    await lift.locator('input[name=lift-reason]').fill('discharged');
    await lift.getByRole('button', { name: 'Lift the hold' }).click();
    await badge.filter({ hasText: 'Approval pending' }).waitFor();
    await safeguards.locator('ul.holds li.ended', { hasText: 'Lifted: discharged' }).waitFor();

    await page.getByRole('button', { name: 'Extend custody…' }).click();
    const extend = page.getByRole('form', { name: 'Extend custody' });
    await extend.locator('input[name=custody-days]').fill('10');
    await extend.locator('textarea[name=custody-reason]').fill('awaiting the court');
    await extend.getByRole('button', { name: 'Extend by 10 days' }).click();
    await safeguards.getByText(/Extended once, by 10 days/).waitFor();
    expect(await page.getByRole('button', { name: 'Extend custody…' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Record the court order…' }).click();
    const order = page.getByRole('form', { name: 'Court order' });
    await order.locator('input[name=court-reference]').fill(`EXT-${tag}`);
    await order.locator('input[name=court-name]').fill('Phnom Penh Court of Appeal');
    await order.locator('input[name=court-issued-at]').fill(toLocalInput(Date.now() - 3600_000));
    await order.getByRole('button', { name: 'Record the order' }).click();
    await badge.filter({ hasText: 'Approved' }).waitFor();
    await page.getByText(`Order EXT-${tag} of Phnom Penh Court of Appeal`).waitFor();
    await shot(page, '17-case-safeguards');

    await page.getByRole('button', { name: 'Record release…' }).click();
    const release = page.getByRole('form', { name: 'Release' });
    await release.locator('textarea[name=release-reason]').fill('extradition withdrawn by the requesting state');
    await release.getByRole('button', { name: 'Record release' }).click();
    await badge.filter({ hasText: 'Released' }).waitFor();
    await page.getByText('Nothing at this stage for your role and country.').waitFor();
    const types = (await steps.events(caseId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['CONSULAR_NOTICE_RECORDED', 'HOLD_PLACED', 'HOLD_LIFTED', 'CUSTODY_EXTENDED', 'COURT_ORDER_RECORDED', 'RELEASED']));
  });

  it('shows an auditor the audit log, with purposes and disclosures, and verifies its chain', async () => {
    const caseId = await caseSteps(stack.api, u).open();
    // A Chinese officer reads a case held in Cambodia: a disclosure, with its purpose.
    expect((await stack.api.get(`/v1/cases/${caseId}`, u.cnOfficer)).status).toBe(200);
    const auditor = await signedIn('auditor', 'KH', u.khAuditor.sub);
    await givePurpose(auditor);
    await auditor.getByRole('link', { name: 'Audit log' }).click();
    const filters = auditor.getByRole('form', { name: 'Audit filters' });
    await filters.locator('input[name=audit-objectId]').fill(caseId);
    await filters.getByRole('button', { name: 'Filter' }).click();
    await auditor.locator('table.audit tr', { hasText: 'case.read' }).filter({ hasText: u.cnOfficer.sub }).filter({ hasText: 'case work (test)' }).filter({ hasText: 'China (CN)' }).waitFor();
    await auditor.getByRole('button', { name: 'Verify the audit log' }).click();
    await auditor.getByTestId('audit-verification').filter({ hasText: /^The audit log is intact: all \d+ sealed entries verify/ }).waitFor();
    await shot(auditor, '18-audit');
  });

  it('says in words when the API fails, and recovers when it is back', async () => {
    const page = await signedIn('auditor', 'KH', u.khAuditor.sub);
    let failing = true;
    await page.route('**/v1/stats/progress', (route) =>
      failing
        ? route.fulfill({ status: 503, headers: { 'Content-Type': 'application/json', 'Retry-After': '5' }, body: JSON.stringify({ error: { code: 'DATABASE_UNAVAILABLE', message: 'the case store is unreachable' } }) })
        : route.continue(),
    );
    await page.goto(`${server.url}/console/#/dashboard`);
    await givePurpose(page);
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'The service is temporarily unavailable (the case store cannot be reached). Nothing was lost: try again in 5 seconds.' }).waitFor();
    await shot(page, '11-api-unavailable');
    failing = false;
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/stats/progress'));
    await alert.getByRole('button', { name: 'Try again' }).click();
    expect((await answered).status()).toBe(200);
    await alert.waitFor({ state: 'detached' });

    // A token the API no longer accepts sends the user back to sign in, with the reason.
    await page.evaluate(() => {
      const { sessionStorage } = globalThis as unknown as { sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } };
      const key = 'repatriation-console-session';
      const s = JSON.parse(sessionStorage.getItem(key)!);
      sessionStorage.setItem(key, JSON.stringify({ ...s, token: s.token.slice(0, -4) + 'AAAA' }));
    });
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Your sign-in has expired or is no longer valid.' }).waitFor();
    await page.getByRole('form', { name: 'Sign in with a token' }).waitFor();
  });
});
