import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { IsolatedApt } from '../helpers/apt.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { buildDeb, buildSource } from '../helpers/debian-packages.js';
import { persistentTempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);

// About 10 s: a daemon, Chromium, and two real apt-get updates against the daemon.
let daemon: Daemon;
let browser: TestBrowser;
let root: string;
const { codename, architecture } = detectHostSystem();
const dist = `${codename}-test-unstable`;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  browser = await launchBrowser();
  const archive = (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;
  const pkgs = path.join(root, 'pkgs');
  const dsc = buildSource(pkgs, { name: 'greeter', version: '1.0' });
  const deb = buildDeb(pkgs, {
    name: 'greeter',
    version: '1.0',
    architecture,
    files: { 'usr/bin/greeter': '#!/bin/sh\necho hello from debyard\n' },
  });
  await archive.archive.install({ distribution: dist, packages: [{ dsc, debs: [deb] }] });
  await archive.idle();
});
afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

/**
 * Runs a copy-paste step as the page gives it, on this machine but inside `dir`: we are
 * root already (no sudo), and /etc/apt is the isolated apt's.
 */
async function runStep(step: string, dir: string): Promise<void> {
  const script = step
    .replace(/^sudo /gm, '')
    .replace(/\| sudo /g, '| ')
    .replaceAll('/etc/apt/', `${dir}/etc/apt/`);
  await run('sh', ['-e', '-c', script]);
}

describe('the public install page', () => {
  it('gives steps that set up apt with no warning and install a package', async () => {
    const { page, problems, screenshot } = await browser.newPage();
    const response = await page.goto(`${daemon.url}/install/test`);
    expect(response!.status()).toBe(200);
    const step = (name: string, of = dist) =>
      page
        .locator(`pre.step[data-step="${name}"]${name === 'key' ? '' : `[data-dist="${of}"]`}`)
        .textContent();
    const key = (await step('key'))!;
    const sources = (await step('sources'))!;
    expect(sources).toBe(
      [
        `sudo tee /etc/apt/sources.list.d/debyard-${dist}.sources > /dev/null <<'EOF'`,
        'Types: deb deb-src',
        `URIs: ${daemon.url}/repos/test/`,
        `Suites: ${dist}`,
        'Components: main',
        'Signed-By: /etc/apt/keyrings/debyard-testyard.asc',
        'EOF',
      ].join('\n'),
    );
    expect(await step('update')).toBe('sudo apt update');
    const install = (await step('install'))!;
    expect(install).toBe('sudo apt install greeter');
    expect(await step('install', `${codename}-test-experimental`)).toBe(
      `sudo apt install -t ${codename}-test-experimental PACKAGE`,
    );
    await screenshot('install');

    const dir = path.join(root, 'apt');
    const apt = new IsolatedApt(dir, architecture);
    await runStep(key, dir);
    expect(readFileSync(path.join(dir, 'etc/apt/keyrings/debyard-testyard.asc'), 'utf8')).toMatch(
      /^-----BEGIN PGP PUBLIC KEY BLOCK-----/,
    );
    await runStep(sources, dir);
    const update = await apt.aptGet(['update']);
    expect(update.problems, update.output).toEqual([]);
    expect(update.code, update.output).toBe(0);
    const installed = await apt.aptGet(install.replace(/^sudo apt /, '').split(' '));
    expect(installed.problems, installed.output).toEqual([]);
    expect(installed.code, installed.output).toBe(0);
    expect(readFileSync(path.join(apt.root, 'usr/bin/greeter'), 'utf8')).toContain(
      'hello from debyard',
    );

    // The one-step variant: the .sources file with the key inline.
    const inlineDir = path.join(root, 'apt-inline');
    const inline = new IsolatedApt(inlineDir, architecture);
    await runStep(
      (await page
        .locator(`pre.step[data-step="sources-inline"][data-dist="${dist}"]`)
        .textContent())!,
      inlineDir,
    );
    const file = readFileSync(
      path.join(inlineDir, `etc/apt/sources.list.d/debyard-${dist}.sources`),
      'utf8',
    );
    expect(file).toMatch(/^Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----$/m);
    const inlineUpdate = await inline.aptGet(['update']);
    expect(inlineUpdate.problems, inlineUpdate.output).toEqual([]);
    expect(inlineUpdate.code).toBe(0);
    expect((await inline.aptCache(['policy', 'greeter'])).output).toContain('1.0');
    expect(problems).toEqual([]);
  });

  it('answers 404 for a repository that does not exist', async () => {
    const response = await fetch(`${daemon.url}/install/nosuch`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('There is no repository &#34;nosuch&#34;');
  });
});
