import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../src/app/parts/scheduler-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import {
  adminToken,
  api,
  buildSourcePackage,
  codeversionOf,
  DebBuilder,
  launchBrowser,
  persistentTempDir,
  startTestDaemon,
  type TestBrowser,
} from '../fixtures/index.js';
import { curlUpload, filesOf, outcome } from '../fixtures/subsystems.js';

// The upload pages, the event links and the package page of a built package, in Chromium.
// Real uploads over FTP go through the daemon's pipeline; a builder that makes .debs with
// dpkg-deb stands in for chroot builds (amd64 "takes" 150 s, the other 200 s: once the
// chart said "3 min" for both). About 30 s.
let daemon: Daemon;
let browser: TestBrowser;
let root: string;
const { codename, architecture } = detectHostSystem();
const other = architecture === 'amd64' ? 'arm64' : 'amd64';
const codeversion = codeversionOf(codename);
const unstable = `${codename}-test-unstable`;
let built: UploadRecord;
let rejected: UploadRecord;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  browser = await launchBrowser();
  const admin = await adminToken(daemon);
  const changed = await api(daemon.url, 'distribution_update', {
    method: 'POST',
    token: admin,
    input: { repo: 'test', codename, architectures: `${architecture},${other}` },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  const scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
  const debs = new DebBuilder(
    [architecture, other].map((a) => ({ codename, architecture: a })),
    (request) => (request.architecture === 'amd64' ? 150_000 : 200_000),
  );
  scheduler.builders.add(() => [debs]);
  const incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  const upload = async (source: string, revision: string) => {
    const pkg = await buildSourcePackage(path.join(root, source), {
      source,
      revision,
      distribution: unstable,
    });
    await curlUpload(daemon.ftp.port, filesOf(pkg));
    return outcome(daemon.events, incoming, pkg.changes);
  };
  const accepted = await upload('greeter', `1~test${codeversion}+1`);
  const deadline = Date.now() + 60_000;
  while (!['INSTALLED', 'FAILED'].includes(incoming.uploads.get(accepted.id).state)) {
    if (Date.now() > deadline) throw new Error('the upload was not installed within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  built = incoming.uploads.get(accepted.id);
  expect(built.state, built.reasons.join('; ')).toBe('INSTALLED');
  rejected = await upload('badver', '1');
  expect(rejected.state).toBe('REJECTED');
});
afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('uploads in the web UI', () => {
  it('lists uploads and shows one with its builds, installed packages, files and events', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/`);
    await page.getByRole('link', { name: 'Uploads', exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Uploads');
    const rows = page.locator('table.uploads tbody tr');
    expect(await rows.evaluateAll((r) => r.map((tr) => tr.getAttribute('data-upload')))).toEqual([
      String(rejected.id),
      String(built.id),
    ]);
    await screenshot('uploads');
    await page.getByLabel('State').selectOption('rejected');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('badver');

    await page.goto(`${daemon.url}/uploads`);
    await page
      .locator(`tr[data-upload="${built.id}"]`)
      .getByRole('link', { name: String(built.id), exact: true })
      .click();
    expect(new URL(page.url()).pathname).toBe(`/uploads/${built.id}`);
    expect(await page.locator('#upload-state').textContent()).toBe('INSTALLED');
    // One build per architecture, each linking its page.
    const builds = page.locator('table.builds tbody tr');
    expect(await builds.evaluateAll((r) => r.map((tr) => tr.dataset.architecture))).toEqual(
      [architecture, other].sort(),
    );
    const buildLinks = await page
      .locator('table.builds a')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(buildLinks).toHaveLength(2);
    for (const href of buildLinks) expect(href).toMatch(/^\/builds\/\d+$/);
    // What it installed, each package linking its page; its files.
    expect(await page.locator('p.installed').textContent()).toContain(
      `greeter ${built.version} into ${unstable}`,
    );
    const installed = await page
      .locator('p.installed a')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(new Set(installed)).toEqual(new Set(['/packages/greeter']));
    expect(await page.locator('table.files tbody tr').allTextContents()).toHaveLength(3);
    expect(await page.locator('table.files').textContent()).toContain(
      `greeter_${built.version}.dsc`,
    );
    // Its events, each linking the upload and, for builds, the build.
    const types = await page.locator('table.events .badge').allTextContents();
    expect(types).toEqual(expect.arrayContaining(['ACCEPTED', 'BUILDING', 'BUILT', 'INSTALLED']));
    const built1 = page
      .locator('table.events tr', { has: page.locator('.badge.type-BUILT') })
      .first();
    expect(await built1.locator('a[href^="/builds/"]').count()).toBe(1);
    expect(await built1.locator(`a[href="/uploads/${built.id}"]`).count()).toBe(1);
    await screenshot('upload');

    await page.locator('table.builds a').first().click();
    expect(new URL(page.url()).pathname).toMatch(/^\/builds\/\d+$/);
    await page.getByRole('link', { name: `upload ${built.id}` }).click();
    expect(new URL(page.url()).pathname).toBe(`/uploads/${built.id}`);
    await page.locator('p.installed a').first().click();
    expect(new URL(page.url()).pathname).toBe('/packages/greeter');
    expect(problems).toEqual([]);
  });

  it('shows why an upload was rejected; 404 for an upload that does not exist', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/uploads/${rejected.id}`);
    expect(await page.locator('h2', { hasText: 'Why it was rejected' }).count()).toBe(1);
    const reasons = await page.locator('ul.reasons li').allTextContents();
    expect(reasons).toEqual(rejected.reasons);
    expect(reasons.join(' ')).toContain('1.0-1');
    expect(await page.locator('table.builds').textContent()).toContain(
      'A rejected upload is not built.',
    );
    await screenshot('upload-rejected');
    for (const id of ['9999', 'x']) {
      const missing = await page.goto(`${daemon.url}/uploads/${id}`);
      expect(missing!.status()).toBe(404);
      expect(await page.locator('main').textContent()).toContain(`There is no upload "${id}".`);
    }
    expect(
      problems.filter((p) => !p.includes('/uploads/9999') && !p.includes('/uploads/x')),
    ).toEqual([]);
  });

  it('links events to their upload, build, package and repository pages', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/events`);
    const installed = page
      .locator('table.events tr', { has: page.locator('.badge.type-INSTALLED') })
      .first();
    expect(
      await installed.locator('a').evaluateAll((l) => l.map((a) => a.getAttribute('href'))),
    ).toEqual(['/packages/greeter', '/repositories/test', `/uploads/${built.id}`]);
    const published = page
      .locator('table.events tr', { has: page.locator('.badge.type-PUBLISHED') })
      .first();
    expect(await published.locator('a').first().getAttribute('href')).toBe('/repositories/test');
    const building = page
      .locator('table.events tr', { has: page.locator('.badge.type-BUILT') })
      .first();
    const hrefs = await building
      .locator('a')
      .evaluateAll((l) => l.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(expect.arrayContaining(['/packages/greeter', `/uploads/${built.id}`]));
    expect(hrefs.some((h) => /^\/builds\/\d+$/.test(h!))).toBe(true);
    // A live event gets the same links.
    daemon.events.emit({
      type: 'FAILED',
      message: 'a live one',
      source: 'greeter',
      distribution: unstable,
      uploadId: built.id,
      buildId: 1,
    });
    const live = page.locator('table.events tr', { hasText: 'a live one' });
    await expect.poll(() => live.count(), { timeout: 10_000 }).toBe(1);
    expect(
      await live.locator('a').evaluateAll((l) => l.map((a) => a.getAttribute('href'))),
    ).toEqual(['/packages/greeter', '/repositories/test', `/uploads/${built.id}`, '/builds/1']);
    await screenshot('events-links');
    await published.locator('a').first().click();
    expect(new URL(page.url()).pathname).toBe('/repositories/test');
    expect(problems).toEqual([]);
  });

  it('shows the built package: sizes, files and build time per architecture, a readable chart', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/packages/greeter`);
    for (const [arch, time] of [
      [architecture, architecture === 'amd64' ? '2 min 30 s' : '3 min 20 s'],
      [other, other === 'amd64' ? '2 min 30 s' : '3 min 20 s'],
    ] as const) {
      const row = page.locator(`section.files tr[data-architecture="${arch}"]`);
      expect(await row.locator('td.size').textContent()).toMatch(/^\d+(\.\d)? (bytes|KiB)$/);
      expect(await row.locator('td.installed-size').textContent()).toBe('1.0 KiB');
      expect(await row.locator('td.build-time').textContent()).toMatch(
        new RegExp(`^${time} \\(build \\d+\\)$`),
      );
      await row.getByText('2 files').click();
      expect(await row.locator('td.file-list li').allTextContents()).toEqual([
        '/usr/bin/greeter',
        '/usr/share/doc/greeter/README',
      ]);
    }
    const yLabels = await page.locator('svg.durations text.tick.y').allTextContents();
    expect(yLabels).toEqual(['0 min', '1 min', '2 min', '3 min', '4 min']);
    const xLabels = await page.locator('svg.durations text.tick.x').allTextContents();
    expect(new Set(xLabels).size).toBe(xLabels.length);
    expect(await page.locator('svg.durations text.axis-title').allTextContents()).toEqual([
      expect.stringMatching(/^build end/),
      'duration (minutes)',
    ]);
    // Each label sits at its value: 4 min at the top of the plot, 0 at the bottom.
    const ys = await page
      .locator('svg.durations text.tick.y')
      .evaluateAll((texts) => texts.map((t) => Number(t.getAttribute('y'))));
    expect([...ys].sort((a, b) => b - a)).toEqual(ys);
    await screenshot('package-built');
    expect(problems).toEqual([]);
  });
});
