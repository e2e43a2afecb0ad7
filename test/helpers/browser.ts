import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from './daemon.js';

/** Debian's Chromium (package `chromium`, see .ci/install-packages); never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

export interface TestBrowser {
  browser: Browser;
  /**
   * A tab in a new browser context (its own cookies: one logged-in user each) whose
   * console errors, page errors and failed requests are recorded.
   */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests, with the page URL. */
  problems: string[];
  /** Saves a full-page PNG as test-output/screenshots/<name>.png; returns its path. */
  screenshot(name: string): Promise<string>;
}

/**
 * Starts headless Chromium (about 1 s). playwright-core gives it a fresh temporary
 * --user-data-dir and removes it on close. Use one browser per test file and a page per
 * scenario.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    browser,
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(10_000);
      return watch(await context.newPage());
    },
    close: () => browser.close(),
  };
}

function watch(page: Page): WatchedPage {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs the page's own 4xx status (a refused form, a wrong password) as a
    // console error; tests assert those statuses themselves. Anything else counts.
    const ownStatus = /^Failed to load resource: the server responded with a status of 4\d\d/;
    if (ownStatus.test(message.text()) && message.location().url === page.url()) return;
    problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document' || response.status() < 400) return;
    problems.push(`HTTP ${response.status()} for ${response.url()} on ${page.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
  page.on('requestfailed', (request) => {
    // Event streams are cut when the page navigates away; that is not a failure.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(
      `request failed on ${page.url()}: ${request.url()} ${request.failure()?.errorText}`,
    );
  });
  return {
    page,
    problems,
    screenshot: async (name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

/** Logs in through the login form and waits for the page it leads to. */
export async function logIn(
  page: Page,
  baseUrl: string,
  user: string,
  password: string,
): Promise<void> {
  if (!page.url().includes('/login')) await page.goto(`${baseUrl}/login`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
}
