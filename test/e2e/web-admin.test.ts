import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminPassword,
  adminToken,
  api,
  buildDeb,
  buildSource,
  launchBrowser,
  logIn,
  persistentTempDir,
  REPO_ROOT,
  startTestDaemon,
  type TestBrowser,
  testSettings,
  userWithToken,
} from '../fixtures/index.js';
import { makeKey } from '../fixtures/subsystems.js';

// About 30 s: one daemon, one Chromium, and a real mmdebstrap that a fake mirror first
// keeps waiting, then fails.
let daemon: Daemon;
let browser: TestBrowser;
let root: string;
let admin: string;
let mirror: ReturnType<typeof fakeMirror>;
const { codename, architecture } = detectHostSystem();

/** A Debian mirror that holds every request until told to answer them all with 404. */
function fakeMirror() {
  const waiting = new Set<ServerResponse>();
  let failing = false;
  const server = createServer((_req, res) => {
    if (failing) res.writeHead(404).end();
    else waiting.add(res);
  });
  return {
    server,
    fail() {
      failing = true;
      for (const res of waiting) res.writeHead(404).end();
      waiting.clear();
    },
  };
}

beforeAll(async () => {
  root = persistentTempDir();
  mirror = fakeMirror();
  await new Promise<void>((resolve) => mirror.server.listen(0, '127.0.0.1', resolve));
  const port = (mirror.server.address() as { port: number }).port;
  const definitions = path.join(root, 'chroots');
  mkdirSync(path.join(definitions, 'setup'), { recursive: true });
  writeFileSync(
    path.join(definitions, 'setup', 'debyard-base.sh'),
    readFileSync(path.join(REPO_ROOT, 'chroots', 'setup', 'debyard-base.sh')),
  );
  writeFileSync(
    path.join(definitions, `${codename}.toml`),
    `codename = "${codename}"\nmirror = "http://127.0.0.1:${port}/debian"\n`,
  );
  const home = path.join(root, 'home');
  daemon = await startTestDaemon(home, {
    chroots: { ...testSettings(home).chroots, definitions },
  });
  admin = await adminToken(daemon);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  mirror?.server.closeAllConnections();
  mirror?.server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A page logged in as the admin, whose every dialog (confirmations) is accepted. */
async function adminPage() {
  const watched = await browser.newPage();
  await logIn(watched.page, daemon.url, 'admin', adminPassword(daemon));
  watched.page.on('dialog', (dialog) => void dialog.accept());
  return watched;
}

const notice = (page: Page) => page.locator('p.notice').textContent();
const alert = (page: Page) => page.locator('p.error[role=alert]').textContent();

describe('admin pages in Chromium', () => {
  it('repositories, distributions and layouts: the forms change them, errors show', async () => {
    const { page, problems, screenshot } = await adminPage();
    await page.goto(`${daemon.url}/layouts`);
    const addLayout = page.locator('form[action="/layouts"]');
    await addLayout.getByLabel('Name').fill('web');
    await addLayout
      .getByLabel('Suites, one per line')
      .fill('unstable:uploadable,migrates-to=stable,rollbacks=2\nstable:rollbacks=1');
    await addLayout.getByRole('button', { name: 'Add layout' }).click();
    expect(await notice(page)).toBe('Layout web added.');
    expect(await page.locator('#layout-web tbody tr').count()).toBe(2);
    await screenshot('layouts');

    await page.goto(`${daemon.url}/repositories`);
    const add = page.locator('form[action="/repositories"]');
    await add.getByLabel('Id').fill('webrepo');
    await add.getByLabel('Description').fill('made in the browser');
    await add.getByLabel('Layout').selectOption('web');
    await add.getByLabel('Codename').fill(codename);
    await add.getByLabel('Architectures').fill(architecture);
    await add.getByRole('button', { name: 'Add repository' }).click();
    expect(await notice(page)).toBe('Repository webrepo added.');
    await page.getByRole('link', { name: 'webrepo' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Repository webrepo');
    expect(await page.locator('table.dists tbody tr').allTextContents()).toHaveLength(2);

    const addDist = page.locator('form[action="/repositories/webrepo/distributions"]');
    await addDist.getByLabel('Codename').fill('trixie');
    await addDist.getByLabel('Architectures').fill('amd64,arm64');
    await addDist.getByRole('button', { name: 'Add distribution' }).click();
    expect(await notice(page)).toBe('Distribution trixie added.');
    const trixie = page.locator('tr[data-codename=trixie]');
    await trixie.getByText('Change').click();
    await trixie.getByLabel('Architectures').fill('arm64');
    await trixie.getByRole('button', { name: 'Save trixie' }).click();
    expect(await notice(page)).toBe('Distribution updated.');
    expect(await page.locator('tr[data-codename=trixie] td').nth(2).textContent()).toBe('arm64');
    await trixie.getByText('Change').click();
    await trixie.getByLabel('Memory limit').fill('16G');
    await trixie.getByLabel('Disk limit').fill('60G');
    await trixie.getByRole('button', { name: 'Save trixie' }).click();
    expect(await notice(page)).toBe('Distribution updated.');
    expect(await page.locator('tr[data-codename=trixie] td.limits').textContent()).toBe(
      'memory 16 GiB, disk 60 GiB',
    );
    await page
      .locator('tr[data-dist="trixie-webrepo-unstable"]')
      .getByRole('button', { name: 'Reindex' })
      .click();
    expect(await notice(page)).toBe('Republished trixie-webrepo-unstable.');
    await screenshot('repository');

    await addDist.getByLabel('Codename').fill('trixie');
    await addDist.getByLabel('Architectures').fill('amd64');
    await addDist.getByRole('button', { name: 'Add distribution' }).click();
    expect(await alert(page)).toBe('repository webrepo has trixie already');
    await page.getByRole('button', { name: 'Remove trixie' }).click();
    expect(await notice(page)).toBe('Distribution removed.');
    await page.getByRole('button', { name: 'Remove repository webrepo' }).click();
    expect(await notice(page)).toBe('Repository webrepo removed.');
    expect(await page.locator('table.repositories').textContent()).not.toContain('webrepo');
    await screenshot('repositories');
    expect(problems).toEqual([]);
  });

  it('keys and uploaders: a user adds a key, an admin lets it upload', async () => {
    const kai = await userWithToken(daemon, admin, 'kai', 'login');
    const key = await makeKey('Kai');
    const user = await browser.newPage();
    await logIn(user.page, daemon.url, 'kai', kai.password);
    await user.page.goto(`${daemon.url}/keys`);
    await user.page.getByLabel(/^Public key/).fill('not a key');
    await user.page.getByRole('button', { name: 'Add key' }).click();
    expect(await alert(user.page)).toMatch(/^not an OpenPGP public key/);
    expect(await user.page.getByLabel(/^Public key/).inputValue()).toBe('not a key');
    await user.page.getByLabel(/^Public key/).fill(key.publicArmored);
    await user.page.getByLabel('Comment').fill('laptop');
    await user.page.getByRole('button', { name: 'Add key' }).click();
    expect(await notice(user.page)).toBe(
      `Added ${key.fingerprint}. An admin decides which repositories it may upload to.`,
    );
    const row = user.page.locator(`tr[data-fingerprint="${key.fingerprint}"]`);
    expect(await row.locator('td').nth(2).textContent()).toBe('nothing yet (ask an admin)');
    await user.screenshot('keys');

    const { page, problems, screenshot } = await adminPage();
    await page.goto(`${daemon.url}/uploaders`);
    const keyRow = page.locator(`tr[data-fingerprint="${key.fingerprint}"]`);
    expect(await keyRow.locator('td').nth(1).textContent()).toBe('kai');
    await keyRow.getByLabel('test').check();
    await keyRow.getByRole('button', { name: 'Save' }).click();
    expect(await notice(page)).toBe(`${key.fingerprint} may upload to test.`);
    await screenshot('uploaders');
    await user.page.reload();
    expect(await row.locator('td').nth(2).textContent()).toBe('test');
    // The right to upload binary packages there too (key-permit --binary), shown and set.
    const binary = keyRow.locator('input[name="binary"][value="test"]');
    expect(await binary.isChecked()).toBe(false);
    await binary.check();
    await keyRow.getByRole('button', { name: 'Save' }).click();
    expect(await notice(page)).toBe(`${key.fingerprint} may upload to test+binary.`);
    expect(await binary.isChecked()).toBe(true);

    user.page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Remove' }).click();
    expect(await notice(user.page)).toBe(`Key ${key.fingerprint} removed.`);
    expect(problems).toEqual([]);
    expect(user.problems).toEqual([]);
  });

  it('packages: search, versions per distribution and downloadable files', async () => {
    const archive = (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;
    const pkgs = path.join(root, 'pkgs');
    const dsc = buildSource(pkgs, { name: 'webpkg', version: '2.0' });
    const debs = [buildDeb(pkgs, { name: 'webpkg', version: '2.0', architecture })];
    await archive.archive.install({
      distribution: `${codename}-test-unstable`,
      packages: [{ dsc, debs }],
    });
    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/packages`);
    await page.getByLabel('Package name').fill('web*');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.locator('table.matches tbody').textContent()).toContain('webpkg');
    await screenshot('packages');
    await page.getByRole('link', { name: 'webpkg' }).first().click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Package webpkg');
    const version = page.locator(`tr[data-dist="${codename}-test-unstable"]`);
    expect(await version.locator('td').nth(2).textContent()).toBe('2.0');
    const files = await page.locator('section.files a[href^="/repos/"]').allTextContents();
    expect(files.sort()).toEqual(
      ['webpkg_2.0.dsc', 'webpkg_2.0.tar.xz', `webpkg_2.0_${architecture}.deb`].sort(),
    );
    const href = await page
      .getByRole('link', { name: `webpkg_2.0_${architecture}.deb` })
      .getAttribute('href');
    const deb = await page.request.get(`${daemon.url}${href}`);
    expect(deb.status()).toBe(200);
    expect(deb.headers()['content-type']).toBe('application/vnd.debian.binary-package');
    const row = page.locator(
      `section.files tr[data-package=webpkg][data-architecture=${architecture}]`,
    );
    expect(await row.locator('td.size').textContent()).toMatch(/^\d+ bytes$/);
    expect(await row.locator('td.installed-size').textContent()).toBe('1.0 KiB');
    expect(await row.locator('td.build-time').textContent()).toBe('not built here');
    await row.getByText('1 file').click();
    expect(await row.locator('td.file-list li').allTextContents()).toEqual([
      '/usr/share/webpkg/webpkg.txt',
    ]);
    await screenshot('package');
    expect((await page.goto(`${daemon.url}/packages/Bad_Name`))!.status()).toBe(400);
    expect(problems.filter((p) => !p.includes('/packages/Bad_Name'))).toEqual([]);
  });

  it('chroots: creating shows live progress on the page and the dashboard, then the failure', async () => {
    const { page, problems, screenshot } = await adminPage();
    const dashboard = await adminPage();
    await dashboard.page.goto(`${daemon.url}/`);
    expect(await dashboard.page.locator('#panel-chroots tbody').textContent()).toContain(
      'No chroots yet.',
    );
    await page.goto(`${daemon.url}/chroots`);
    await page.getByRole('button', { name: 'Create chroot' }).click();
    const label = `${codename}/${architecture}`;
    expect(await notice(page)).toBe(`Creating chroot ${label}.`);
    const row = page.locator(`tr[data-chroot="${label}"]`);
    // The fake mirror holds apt-get update: the live update shows that phase.
    await expect
      .poll(() => row.locator('.progress small').textContent(), { timeout: 30_000 })
      .toBe('running apt-get update');
    expect(await row.locator('progress').getAttribute('value')).toBe('33');
    const panelRow = dashboard.page.locator(`#panel-chroots tr[data-chroot="${label}"]`);
    await expect
      .poll(() => panelRow.locator('.progress small').textContent())
      .toBe('running apt-get update');
    await screenshot('chroots');
    await dashboard.screenshot('dashboard-chroots');

    mirror.fail();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).toBe('broken');
    expect(await row.locator('.hint').textContent()).toMatch(/^last error: /);
    await expect.poll(() => panelRow.getAttribute('data-state')).toBe('broken');
    await row.getByRole('button', { name: 'Remove' }).click();
    expect(await notice(page)).toBe(`Chroot ${label} removed.`);
    expect(problems).toEqual([]);
    expect(dashboard.problems).toEqual([]);
  });

  it('incoming: pause and resume from the dashboard', async () => {
    const { page, problems, screenshot } = await adminPage();
    await page.goto(`${daemon.url}/`);
    const panel = page.locator('#panel-incoming');
    expect(await panel.locator('[data-incoming]').getAttribute('data-incoming')).toBe('open');
    await panel.getByLabel('Reason').fill('moving racks');
    await panel.getByRole('button', { name: 'Pause uploads' }).click();
    await expect
      .poll(() => panel.locator('[data-incoming]').getAttribute('data-incoming'))
      .toBe('paused');
    expect(await panel.textContent()).toContain('by admin: moving racks');
    expect((await api(daemon.url, 'status')).body.incoming.paused).toBe(true);
    await screenshot('dashboard-paused');
    await panel.getByRole('button', { name: 'Resume uploads' }).click();
    await expect
      .poll(() => panel.locator('[data-incoming]').getAttribute('data-incoming'))
      .toBe('open');
    expect(problems).toEqual([]);
  });

  it('refuses forms without the CSRF token, and actions above the role', async () => {
    const { page } = await adminPage();
    await page.goto(`${daemon.url}/repositories`);
    const forms: [string, Record<string, string>][] = [
      ['/repositories', { id: 'forged' }],
      ['/repositories/test/remove', {}],
      ['/repositories/test/reindex', {}],
      ['/layouts', { name: 'forged', suites: 'unstable:uploadable' }],
      ['/keys', { key: 'x' }],
      ['/uploaders/0123456789ABCDEF0123456789ABCDEF01234567', { repositories: 'test' }],
      ['/chroots', {}],
      ['/incoming/pause', {}],
    ];
    for (const [url, form] of forms) {
      const forged = await page.request.post(`${daemon.url}${url}`, { form, maxRedirects: 0 });
      expect([url, forged.status()]).toEqual([url, 403]);
      expect(await forged.text()).toContain('Form refused');
    }
    expect((await api(daemon.url, 'repositories')).body.map((r: { id: string }) => r.id)).toEqual([
      'test',
    ]);
    expect((await api(daemon.url, 'status')).body.incoming.paused).toBe(false);

    // A logged-in user without the admin role: the page's own token, but 403.
    const lee = await userWithToken(daemon, admin, 'lee', 'staff');
    const staff = await browser.newPage();
    await logIn(staff.page, daemon.url, 'lee', lee.password);
    await staff.page.goto(`${daemon.url}/repositories/test`);
    expect(await staff.page.locator('form[action="/repositories/test/remove"]').count()).toBe(0);
    const csrf = (await staff.page.locator('meta[name=csrf-token]').getAttribute('content'))!;
    const denied = await staff.page.request.post(`${daemon.url}/repositories/test/remove`, {
      form: { _csrf: csrf },
    });
    expect(denied.status()).toBe(403);
    expect(await denied.text()).toContain('This page needs role admin; you (lee) have role staff.');
    expect((await staff.page.goto(`${daemon.url}/chroots`))!.status()).toBe(403);
    expect((await staff.page.goto(`${daemon.url}/uploaders`))!.status()).toBe(403);
    expect((await api(daemon.url, 'repositories')).body.map((r: { id: string }) => r.id)).toEqual([
      'test',
    ]);
  });
});
