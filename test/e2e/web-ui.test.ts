import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import {
  adminPassword,
  launchBrowser,
  logIn,
  persistentTempDir,
  startTestDaemon,
  type TestBrowser,
} from '../fixtures/index.js';

// Costs about 10 s: one Chromium and one daemon for the file.
let daemon: Daemon;
let browser: TestBrowser;
beforeAll(async () => {
  daemon = await startTestDaemon(path.join(persistentTempDir(), 'home'));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
});

describe('web UI in Chromium', () => {
  it('logs in, shows a new event live on the dashboard, and logs out', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/`);
    await expect
      .poll(() => page.locator('nav[aria-label=Main] a').allTextContents())
      .toEqual(['Dashboard', 'Events', 'Uploads', 'Packages', 'Repositories']);
    await expect.poll(() => page.locator('h1').textContent()).toBe('debyard on testyard');

    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('wrong user name or password');
    await screenshot('login');
    await logIn(page, daemon.url, 'admin', adminPassword(daemon));
    await expect.poll(() => page.locator('header .user').textContent()).toContain('admin');
    expect(await page.locator('nav[aria-label=Main] a').allTextContents()).toEqual([
      'Dashboard',
      'Events',
      'Uploads',
      'Packages',
      'Repositories',
      'Layouts',
      'Archive keys',
      'Chroots',
      'Git',
      'Remotes',
      'Apt sources',
      'Mirrors',
      'My keys',
      'Tokens',
      'Uploaders',
      'Users',
      'Settings',
    ]);

    const events = page.locator('#panel-events');
    await expect.poll(() => events.locator('.live').getAttribute('data-state')).toBe('live');
    daemon.events.emit({
      type: 'ACCEPTED',
      message: 'hello 1.0-1 accepted for bookworm-test-unstable',
      source: 'hello',
      version: '1.0-1',
      distribution: 'bookworm-test-unstable',
    });
    const row = events.locator('tbody tr').first();
    await expect.poll(() => row.textContent(), { timeout: 5000 }).toContain('hello 1.0-1 accepted');
    expect(await row.locator('.badge').textContent()).toBe('ACCEPTED');
    await screenshot('dashboard');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${daemon.url}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Log in' }).count()).toBe(1);
    await page.goto(`${daemon.url}/tokens`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(problems).toEqual([]);
  });

  it('filters events, manages tokens and users, shows settings, without console errors', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    for (let i = 1; i <= 3; i++) {
      daemon.events.emit({
        type: i === 2 ? 'FAILED' : 'BUILT',
        message: `build ${i} of webpkg`,
        source: 'webpkg',
        buildId: i,
      });
    }
    await page.goto(`${daemon.url}/users`);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/users');
    await logIn(page, daemon.url, 'admin', adminPassword(daemon));
    expect(new URL(page.url()).pathname).toBe('/users');

    await page.goto(`${daemon.url}/events`);
    await page.getByLabel('Type').selectOption('FAILED');
    await page.getByRole('textbox', { name: 'Source' }).fill('webpkg');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.locator('table.events tbody tr').allTextContents())
      .toHaveLength(1);
    expect(await page.locator('table.events tbody').textContent()).toContain('build 2 of webpkg');
    daemon.events.emit({ type: 'FAILED', message: 'build 4 of webpkg', source: 'webpkg' });
    daemon.events.emit({ type: 'BUILT', message: 'build 5 of webpkg', source: 'webpkg' });
    await expect.poll(() => page.locator('table.events tbody tr').count()).toBe(2);
    expect(await page.locator('table.events tbody tr').first().textContent()).toContain(
      'build 4 of webpkg',
    );
    await screenshot('events');

    await page.goto(`${daemon.url}/tokens`);
    await page.getByLabel('Name').fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.locator('#new-token').textContent())!;
    expect(secret).toMatch(/^dby_/);
    const whoami = await fetch(`${daemon.url}/api/v1/whoami`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(((await whoami.json()) as { user: string }).user).toBe('admin');
    await screenshot('tokens');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr', { hasText: 'laptop' }).getByRole('button', { name: 'Revoke' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toMatch(/^Token \d+ revoked\.$/);
    expect(
      (
        await fetch(`${daemon.url}/api/v1/whoami`, {
          headers: { authorization: `Bearer ${secret}` },
        })
      ).status,
    ).toBe(401);

    await page.goto(`${daemon.url}/users`);
    const addForm = page.locator('form[action="/users"]');
    await addForm.getByLabel('Name').fill('webuser');
    await addForm.getByLabel('Role').selectOption('staff');
    await addForm.getByRole('button', { name: 'Add user' }).click();
    expect(await page.locator('#new-password').textContent()).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const webuser = page.locator('tr[data-user=webuser]');
    await webuser.getByLabel('Role of webuser').selectOption('login');
    await webuser.getByRole('button', { name: 'Set role' }).click();
    await expect
      .poll(() => page.locator('p.notice').textContent())
      .toBe('webuser now has role login.');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr[data-user=webuser]').getByRole('button', { name: 'Disable' }).click();
    await expect
      .poll(() => page.locator('tr[data-user=webuser] td').nth(2).textContent())
      .toBe('disabled');
    await addForm.getByLabel('Name').fill('Bad Name');
    await addForm.getByLabel('Name').evaluate((input) => input.removeAttribute('pattern'));
    await addForm.getByRole('button', { name: 'Add user' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('invalid input for user_add: name: must be 1-32 lower-case letters');
    await screenshot('users');

    await page.goto(`${daemon.url}/settings`);
    const settings = await page.locator('table.settings').textContent();
    expect(settings).toContain('http.listen');
    expect(settings).toContain('127.0.0.1:0');
    expect(settings).toContain('testyard');
    await screenshot('settings');
    expect(problems).toEqual([]);
    for (const name of ['login', 'dashboard', 'events', 'tokens', 'users', 'settings']) {
      expect(existsSync(path.join('test-output', 'screenshots', `${name}.png`))).toBe(true);
    }
  });

  it('reloads and goes back after a form post without posting again (no 404)', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    await logIn(page, daemon.url, 'admin', adminPassword(daemon));
    await page.goto(`${daemon.url}/users`);
    const addForm = page.locator('form[action="/users"]');
    await addForm.getByLabel('Name').fill('reloader');
    await addForm.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.locator('#new-password').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/users');
    // A form whose own URL is no page: its answer is a redirect to /users.
    const row = page.locator('tr[data-user=reloader]');
    await row.getByLabel('Role of reloader').selectOption('staff');
    await row.getByRole('button', { name: 'Set role' }).click();
    await expect
      .poll(() => page.locator('p.notice').textContent())
      .toBe('reloader now has role staff.');
    expect(new URL(page.url()).pathname).toBe('/users');
    await screenshot('users-after-post');
    const reloaded = await page.reload();
    expect([reloaded!.status(), reloaded!.request().method()]).toEqual([200, 'GET']);
    // The notice and the password were for once; the form was not posted again.
    expect(await page.locator('p.notice').count()).toBe(0);
    expect(await page.locator('#new-password').count()).toBe(0);
    const entered = await page.goto(page.url());
    expect(entered!.status()).toBe(200);
    const back = await page.goBack();
    expect([back!.status(), back!.request().method()]).toEqual([200, 'GET']);
    const users = await page.request.get(`${daemon.url}/api/v1/users`);
    const names = ((await users.json()) as { name: string }[]).map((u) => u.name);
    expect(names.filter((n) => n === 'reloader')).toHaveLength(1);

    await page.goto(`${daemon.url}/tokens`);
    await page.getByLabel('Name').fill('once');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.locator('#new-token').count()).toBe(1);
    expect((await page.reload())!.status()).toBe(200);
    expect(await page.locator('#new-token').count()).toBe(0);
    expect(await page.locator('tr', { hasText: 'once' }).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('refuses form posts without the CSRF token, and pages above the role', async () => {
    const { page } = await browser.newPage();
    await logIn(page, daemon.url, 'admin', adminPassword(daemon));
    await page.goto(`${daemon.url}/users`);
    const addForm = page.locator('form[action="/users"]');
    await addForm.locator('input[name=_csrf]').evaluate((input) => input.remove());
    await addForm.getByLabel('Name').fill('forged');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/users') && r.request().method() === 'POST'),
      addForm.getByRole('button', { name: 'Add user' }).click(),
    ]);
    expect(response.status()).toBe(403);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Form refused');
    // What a forged form sends: the session cookie, but no token.
    const forged = await page.request.post(`${daemon.url}/users`, {
      form: { name: 'forged2', role: 'admin' },
    });
    expect(forged.status()).toBe(403);
    const users = await page.request.get(`${daemon.url}/api/v1/users`);
    const names = ((await users.json()) as { name: string }[]).map((u) => u.name);
    expect(names).not.toContain('forged');
    expect(names).not.toContain('forged2');

    // A staff user sees no admin pages: 403, and no admin entries in the navigation.
    const staff = await browser.newPage();
    await staff.page.context().clearCookies();
    const added = await page.request.post(`${daemon.url}/api/v1/user_add`, {
      data: { name: 'stella', role: 'staff', password: 'stella-password-1' },
      headers: {
        'x-csrf-token': (await page.locator('meta[name=csrf-token]').getAttribute('content'))!,
      },
    });
    expect(added.status()).toBe(200);
    await logIn(staff.page, daemon.url, 'stella', 'stella-password-1');
    const denied = await staff.page.goto(`${daemon.url}/settings`);
    expect(denied!.status()).toBe(403);
    expect(await staff.page.locator('nav[aria-label=Main] a').allTextContents()).toEqual([
      'Dashboard',
      'Events',
      'Uploads',
      'Packages',
      'Repositories',
      'Git',
      'My keys',
      'Tokens',
    ]);
  });
});
