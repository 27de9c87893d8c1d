// The stack the browser tests drive: the real API serving the built console on a port, with the
// development sign-in, and headless Chromium.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { inject } from 'vitest';
import type { AppDeps } from '../../api/app.js';
import { signToken } from '../../api/auth.js';
import { listen, type RunningServer } from '../../api/server.js';
import { TEST_SECRET } from './api.js';
import { launchBrowser } from './browser.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

export interface ConsoleStack {
  stack: Stack;
  server: RunningServer;
  browser: Browser;
  stop: () => Promise<void>;
}

/** `app`: more app dependencies (a test's webhook timings and allowed hosts). */
export async function startConsoleStack(app: Partial<AppDeps> = {}, options: Pick<StackOptions, 'database'> = {}): Promise<ConsoleStack> {
  const stack = await startStack({
    ...options,
    app: {
      consoleDir: inject('consoleDir'),
      devTokens: (claims, ttl) => signToken(TEST_SECRET, claims, ttl),
      stream: { pollIntervalMs: 100 },
      ...app,
    },
  });
  const server = await listen(stack.api.app, 0, '127.0.0.1');
  const browser = await launchBrowser();
  return {
    stack,
    server,
    browser,
    async stop() {
      await browser.close();
      await server.close(2000);
      await stack.stop();
    },
  };
}

/** A browser of its own, signed in through the development sign-in as `user`. */
export async function signInAs(
  { browser, server }: Pick<ConsoleStack, 'browser' | 'server'>,
  user: { role: string; country: string; sub: string },
  viewport = { width: 1280, height: 900 },
): Promise<Page> {
  // The officer's own clock is UTC whatever the machine's zone, so times on the page read the same everywhere.
  const page = await (await browser.newContext({ viewport, timezoneId: 'UTC' })).newPage();
  await page.goto(`${server.url}/console/`);
  const dev = page.getByRole('region', { name: 'Development sign-in' });
  await dev.locator('select[name=dev-role]').selectOption(user.role);
  await dev.locator('select[name=dev-country]').selectOption(user.country);
  await dev.locator('input[name=dev-sub]').fill(user.sub);
  await dev.getByRole('button', { name: 'Sign in as this user' }).click();
  await page.getByTestId('signed-in-as').waitFor();
  return page;
}

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical findings on the page as it is now: rule, and where. */
export async function seriousAxeFindings(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol: the console's content security policy forbids inline scripts.
  if (!(await page.evaluate('typeof globalThis.axe !== "undefined"'))) await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
  const violations = await page.evaluate<{ id: string; impact: string | null; nodes: { target: string[] }[] }[]>(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))',
  );
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

/** Signed in as `user` (signInAs), the purpose of access given as intelligence analysis. */
export async function signInForIntelligence(
  stack: Pick<ConsoleStack, 'browser' | 'server'>,
  user: { role: string; country: string; sub: string },
  viewport?: { width: number; height: number },
): Promise<Page> {
  const page = await signInAs(stack, user, viewport);
  const form = page.getByRole('form', { name: 'Purpose of access' });
  await form.getByRole('radio', { name: 'Joint investigation: intelligence analysis' }).check();
  await form.getByRole('button', { name: 'Continue' }).click();
  await form.waitFor({ state: 'detached' });
  return page;
}
