import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminToken,
  api,
  buildDeb,
  buildSource,
  buildSourcePackage,
  codeversionOf,
  debianLikeRepository,
  IsolatedApt,
  launchBrowser,
  persistentTempDir,
  startTestDaemon,
  type TestBrowser,
} from '../fixtures/index.js';

const run = promisify(execFile);

// About 30 s: a daemon, Chromium, and real apt-get updates and installs against the daemon
// (and a Debian-like repository made with apt-ftparchive).
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

  it('installs our rebuild where a Debian-like repository has a higher version, and keeps it', async () => {
    // hello 2.10-3 rebuilt here sorts below the 2.10-3 of "Debian": without the pin of the
    // page's steps, apt takes Debian's.
    const admin = await adminToken(daemon);
    const added = await api(daemon.url, 'repository_add', {
      method: 'POST',
      token: admin,
      input: { id: 'rebuilds', codename, architectures: architecture },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const archive = (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;
    const ours = `2.10-3~rebuilds${codeversionOf(codename)}`;
    let orig: string | undefined; // one upstream tarball for both versions, as in a pool
    for (const [suite, version] of [
      ['unstable', `${ours}+1`],
      ['experimental', `${ours}+0`],
    ] as const) {
      const pkgs = path.join(root, `rebuild-${suite}`);
      const source = await buildSourcePackage(pkgs, {
        source: 'hello',
        upstream: '2.10',
        revision: version.slice('2.10-'.length),
        origFrom: orig,
      });
      orig ??= path.join(source.dir, 'hello_2.10.orig.tar.gz');
      const dsc = path.join(source.dir, source.dsc);
      const deb = buildDeb(pkgs, {
        name: 'hello',
        version,
        architecture,
        files: { 'usr/bin/hello': `#!/bin/sh\necho hello ${version} from debyard\n` },
      });
      await archive.archive.install({
        distribution: `${codename}-rebuilds-${suite}`,
        packages: [{ dsc, debs: [deb] }],
      });
    }
    await archive.idle();
    const debianDeb = buildDeb(path.join(root, 'debian-pkgs'), {
      name: 'hello',
      version: '2.10-3',
      architecture,
      files: { 'usr/bin/hello': '#!/bin/sh\necho hello from Debian\n' },
    });
    const debian = debianLikeRepository(path.join(root, 'debian'), {
      suite: codename,
      architecture,
      debs: [debianDeb],
    });

    const { page, problems, screenshot } = await browser.newPage();
    await page.goto(`${daemon.url}/install/rebuilds`);
    const step = async (name: string, suite: string) =>
      (await page
        .locator(`pre.step[data-step="${name}"][data-dist="${codename}-rebuilds-${suite}"]`)
        .textContent())!;
    const unstable = `${codename}-rebuilds-unstable`;
    expect(await step('pin', 'unstable')).toBe(
      [
        `sudo tee /etc/apt/preferences.d/debyard-${unstable}.pref > /dev/null <<'EOF'`,
        `Explanation: take the packages of ${unstable} over other repositories' versions (Debian's sort higher)`,
        'Package: *',
        `Pin: release o=testyard,n=${unstable}`,
        'Pin-Priority: 990',
        'EOF',
      ].join('\n'),
    );
    expect(await step('install', 'unstable')).toBe('sudo apt install hello');
    expect(await step('pin', 'experimental')).toContain('\nPackage: hello\n');
    expect(await step('install', 'experimental')).toBe(
      `sudo apt install -t ${codename}-rebuilds-experimental hello`,
    );
    await screenshot('install-pin');
    const key = (await page.locator('pre.step[data-step="key"]').textContent())!;

    /** An isolated apt with Debian's suite and ours set up by the page's steps. */
    const machine = async (name: string, suite: string, steps: string[]) => {
      const dir = path.join(root, name);
      const apt = new IsolatedApt(dir, architecture);
      writeFileSync(path.join(dir, 'etc/apt/sources.list.d/debian.sources'), debian);
      await runStep(key, dir);
      for (const s of steps) await runStep(await step(s, suite), dir);
      const update = await apt.aptGet(['update']);
      expect(update.problems, update.output).toEqual([]);
      return apt;
    };
    const installed = (apt: IsolatedApt) =>
      /^Package: hello\n(?:.+\n)*?Version: (.+)$/m.exec(
        readFileSync(path.join(apt.root, 'var/lib/dpkg/status'), 'utf8'),
      )?.[1];
    const aptArgs = async (suite: string) =>
      (await step('install', suite)).replace(/^sudo apt /, '').split(' ');

    // Without the pin: Debian's version wins.
    const unpinned = await machine('apt-unpinned', 'unstable', ['sources']);
    expect((await unpinned.aptCache(['policy', 'hello'])).output).toMatch(/Candidate: 2\.10-3\n/);

    // The page's steps: ours, and an upgrade keeps it.
    const pinned = await machine('apt-pinned', 'unstable', ['sources', 'pin']);
    const install = await pinned.aptGet(await aptArgs('unstable'));
    expect(install.code, install.output).toBe(0);
    expect(installed(pinned)).toBe(`${ours}+1`);
    expect(readFileSync(path.join(pinned.root, 'usr/bin/hello'), 'utf8')).toContain('from debyard');
    const upgrade = await pinned.aptGet(['upgrade', '-s']);
    expect(upgrade.output).toContain('0 upgraded, 0 newly installed');

    // The NotAutomatic suite: -t for the install, the pin of the package keeps it.
    const experimental = await machine('apt-experimental', 'experimental', ['sources', 'pin']);
    const fromExperimental = await experimental.aptGet(await aptArgs('experimental'));
    expect(fromExperimental.code, fromExperimental.output).toBe(0);
    expect(installed(experimental)).toBe(`${ours}+0`);
    expect((await experimental.aptGet(['upgrade', '-s'])).output).toContain('0 upgraded');

    // Debian's installed first: the page's replace step takes ours (a downgrade by number).
    const replaced = await machine('apt-replace', 'unstable', ['sources']);
    expect((await replaced.aptGet(['install', 'hello'])).code).toBe(0);
    expect(installed(replaced)).toBe('2.10-3');
    await runStep(await step('pin', 'unstable'), path.join(root, 'apt-replace'));
    const replace = (await step('replace', 'unstable')).replace(/^sudo apt /, '').split(' ');
    const downgraded = await replaced.aptGet([...replace, '--allow-downgrades']);
    expect(downgraded.code, downgraded.output).toBe(0);
    expect(installed(replaced)).toBe(`${ours}+1`);
    expect(problems).toEqual([]);
  }, 180_000);

  it('answers 404 for a repository that does not exist', async () => {
    const response = await fetch(`${daemon.url}/install/nosuch`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('There is no repository &#34;nosuch&#34;');
  });
});
