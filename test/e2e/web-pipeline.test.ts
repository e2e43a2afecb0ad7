import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../src/app/parts/scheduler-part.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import {
  adminPassword,
  adminToken,
  createSigner,
  fixtureUpload,
  type FixtureUpload,
  launchBrowser,
  logIn,
  persistentTempDir,
  signUpload,
  startTestDaemon,
  type TestBrowser,
  type TestSigner,
} from '../fixtures/index.js';
import { cli, importTestChroot } from '../fixtures/subsystems.js';

// The web UI on a real pipeline: dput of a signed source package, its build in the
// test chroot followed live in Chromium and by `debyard build-log --follow`, then a
// migration from the package page. Costs about 60 s (two chroot builds started, one
// cancelled; one Chromium).
const run = promisify(execFile);

let root: string;
let daemon: Daemon;
let incoming: IncomingPart;
let scheduler: SchedulerPart;
let browser: TestBrowser;
let signer: TestSigner;
let codename: string;
let dputCf: string;

beforeAll(async () => {
  root = persistentTempDir('debyard-web-pipeline-');
  const home = path.join(root, 'home');
  ({ codename } = await importTestChroot(home));
  daemon = await startTestDaemon(home);
  incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
  signer = createSigner('Uploader <uploader@example.org>');
  await incoming.uploaderKeys.add({ key: signer.publicKey, repositories: ['test'] });
  browser = await launchBrowser();
}, 600_000); // the first test run creates the cached base chroot (minutes)

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  signer?.dispose();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

/** A fixture uploaded with Debian's dput to <codename>-test-unstable, signed by debsign. */
async function dput(fixture: string): Promise<FixtureUpload> {
  const codeversion = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
  const pkg = await fixtureUpload(root, fixture, {
    version: `1.0~test${codeversion}+1`,
    distribution: `${codename}-test-unstable`,
  });
  await signUpload({ ...pkg, files: [] }, signer);
  await run('dput', ['-c', dputCf, 'debyard-testyard', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root, GNUPGHOME: signer.home },
  });
  return pkg;
}

/** The upload once it reached `state` (fails at once when it is rejected or fails). */
async function uploadIn(pkg: FixtureUpload, state: string): Promise<UploadRecord> {
  let last: UploadRecord | undefined;
  await expect
    .poll(
      () => {
        last = incoming.uploads.list({ limit: 100 }).find((u) => u.changesFile === pkg.changes);
        return last?.state;
      },
      { timeout: 120_000, interval: 100 },
    )
    .toBeOneOf([state, 'REJECTED', 'FAILED']);
  expect(last!.state, JSON.stringify(last)).toBe(state);
  return last!;
}

/** A log file as build_log streams it: line by line, without the lines' trailing CR. */
const logLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .join('\n')
    .trimEnd();

describe('the web UI on a real upload', () => {
  it('shows a signed upload live, follows its build log, migrates it and logs out', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    const shots: string[] = [];
    await logIn(page, daemon.url, 'admin', adminPassword(daemon));
    expect(new URL(page.url()).pathname).toBe('/');
    await expect
      .poll(() => page.locator('#panel-events .live').getAttribute('data-state'))
      .toBe('live');

    // The one build slot is taken by a build that never ends: hello waits in the queue.
    const slow = await dput('slow');
    await uploadIn(slow, 'BUILDING');
    const hello = await dput('hello-any');
    const builds = page.locator('#panel-builds');
    await expect
      .poll(() => page.locator('#panel-events tbody tr').allTextContents(), { timeout: 30_000 })
      .toContainEqual(expect.stringContaining(`${hello.source} ${hello.version}`));
    await expect
      .poll(() => builds.locator('table.queue tbody').textContent(), { timeout: 30_000 })
      .toContain(`${hello.source} ${hello.version}`);
    expect(await builds.locator('table.queue tbody').textContent()).toMatch(
      /every builder .* busy/,
    );
    shots.push(await screenshot('pipeline-dashboard'));

    // Its build page follows the log while it waits, runs and ends.
    const [helloBuild] = scheduler.scheduler.list({ source: hello.source, limit: 5 });
    await builds.getByRole('link', { name: String(helloBuild!.id), exact: true }).click();
    expect(new URL(page.url()).pathname).toBe(`/builds/${helloBuild!.id}`);
    await expect.poll(() => page.locator('#build-state').textContent()).toBe('QUEUED');
    await expect
      .poll(() => page.locator('[data-live-status-for=log]').getAttribute('data-state'))
      .toBe('live');
    const followed: string[] = [];
    const following = cli(
      ['build-log', String(helloBuild!.id), '--follow', '--json', '--server', daemon.url],
      { onOut: (text) => followed.push(text) },
    );

    // Cancel the slow build from its package page (a confirmation first): hello starts.
    const other = await page.context().newPage();
    await other.goto(`${daemon.url}/packages/${slow.source}`);
    other.once('dialog', (dialog) => void dialog.accept());
    await other.locator('table.builds').getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => other.getByRole('status').textContent())
      .toMatch(/^Build \d+ is CANCELLED\.$/);
    await other.close();

    await expect
      .poll(() => page.locator('[data-live-status-for=log]').textContent(), { timeout: 120_000 })
      .toBe('The build ended: BUILT. Reload for its details.');
    expect(await page.locator('#build-state').textContent()).toBe('BUILT');
    const logFile = scheduler.scheduler.build(helloBuild!.id).logFile!;
    expect((await page.locator('#log').textContent())!.trimEnd()).toBe(logLines(logFile));
    shots.push(await screenshot('pipeline-build-log'));
    expect((await following).code).toBe(0);
    const items = followed.map((line) => JSON.parse(line) as { line?: string; state?: string });
    expect(items.at(-1)).toEqual({ end: true, state: 'BUILT' });
    expect(
      items
        .slice(0, -1)
        .map((i) => i.line)
        .join('\n')
        .trimEnd(),
    ).toBe(logLines(logFile));

    // The package page: versions, builds with their log, the duration chart; migrate.
    await uploadIn(hello, 'INSTALLED');
    await page.getByRole('link', { name: hello.source, exact: true }).click();
    expect(new URL(page.url()).pathname).toBe(`/packages/${hello.source}`);
    const unstable = `${codename}-test-unstable`;
    await expect
      .poll(() => page.locator('table.versions tbody tr').first().getAttribute('data-dist'))
      .toBe(unstable);
    const buildRow = page.locator(`table.builds tr[data-build="${helloBuild!.id}"]`);
    expect(await buildRow.locator('.badge').textContent()).toBe('BUILT');
    expect(await buildRow.locator('td.lintian').textContent()).toBe('disabled');
    expect(await buildRow.locator('td').first().getByRole('link').getAttribute('href')).toBe(
      `/builds/${helloBuild!.id}`,
    );
    expect(await buildRow.locator('a[href^="/uploads/"]').getAttribute('href')).toBe(
      `/uploads/${helloBuild!.uploadId}`,
    );
    expect(await page.locator('svg.durations circle').count()).toBe(1);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Migrate from ${unstable}` }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe(`${hello.source} ${hello.version} migrated to ${codename}-test-testing.`);
    expect(
      await page
        .locator('table.versions tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-dist'))),
    ).toContain(`${codename}-test-testing`);
    shots.push(await screenshot('pipeline-package'));

    // Without JavaScript the server asks first; a post without the CSRF token is refused.
    const csrf = (await page.locator('meta[name=csrf-token]').getAttribute('content'))!;
    const asked = await page.request.post(`${daemon.url}/packages/${hello.source}/remove`, {
      form: { _csrf: csrf, distribution: unstable },
    });
    expect(asked.status()).toBe(200);
    expect(await asked.text()).toContain(
      `Remove ${hello.source} from ${unstable} (kept in its rollbacks)?`,
    );
    const forged = await page.request.post(`${daemon.url}/packages/${hello.source}/remove`, {
      form: { distribution: unstable, confirmed: 'yes' },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('did not carry a valid CSRF token');
    const still = await fetch(`${daemon.url}/api/v1/ls?package=${hello.source}`);
    expect(JSON.stringify(await still.json())).toContain(unstable);

    for (const [name, url] of [
      ['events', '/events'],
      ['packages', `/packages?q=${hello.source}`],
      ['repositories', '/repositories'],
      ['chroots', '/chroots'],
      ['uploaders', '/uploaders'],
      ['install', '/install/test'],
    ] as const) {
      const response = await page.goto(`${daemon.url}${url}`);
      expect(response!.status(), url).toBe(200);
      shots.push(await screenshot(`pipeline-${name}`));
    }
    console.info(`screenshots:\n${shots.join('\n')}`);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${daemon.url}/`);
    expect(await page.getByRole('link', { name: 'Log in' }).count()).toBe(1);
    expect(problems).toEqual([]);
  }, 300_000);

  it('serves the build page without JavaScript, and 404 for unknown builds', async () => {
    const token = await adminToken(daemon);
    const [built] = scheduler.scheduler.list({ states: ['BUILT'], limit: 1 });
    const html = await (await fetch(`${daemon.url}/builds/${built!.id}`)).text();
    expect(html).not.toContain('data-live-log');
    expect(html).toContain(`<a href="/api/v1/build_log?build=${built!.id}">Plain text</a>`);
    const plain = await fetch(`${daemon.url}/api/v1/build_log?build=${built!.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    // As ejs escapes text.
    const escape = (text: string) =>
      text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&#34;')
        .replace(/'/g, '&#39;');
    expect(html).toContain(escape((await plain.text()).split('\n')[0]!));
    const missing = await fetch(`${daemon.url}/builds/999999`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('there is no build 999999');
  });
});
