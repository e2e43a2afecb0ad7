import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { StoredEvent } from '../../src/events/event.js';
import {
  adminToken,
  createSigner,
  fixtureUpload,
  type FixtureUpload,
  IsolatedApt,
  persistentTempDir,
  signUpload,
  startTestDaemon,
  type TestSigner,
} from '../fixtures/index.js';
import { cli, importTestChroot } from '../fixtures/subsystems.js';

const run = promisify(execFile);

/**
 * The life of a package, as its users live it, one step after the other (the steps
 * build on each other): a fresh daemon with a ready chroot; the packager's key added
 * with the CLI; a signed upload with Debian's dput; built and installed; apt set up
 * from the public install page alone; migrated to testing and stable; a newer version
 * pushing the old one into rollback0; removed; ported to another repository. Costs
 * about 2 to 3 minutes (three builds of hello-any in the cached test chroot).
 */
let root: string;
let daemon: Daemon;
let codename: string;
let architecture: string;
let token: string;
let dputCf: string;
let signer: TestSigner;
const SOURCE = 'debyard-hello-any';

beforeAll(async () => {
  root = persistentTempDir('debyard-life-');
  const home = path.join(root, 'home');
  ({ codename, architecture } = await importTestChroot(home));
  daemon = await startTestDaemon(home);
  token = await adminToken(daemon);
  signer = createSigner('Pat Packager <pat@example.org>');
}, 15 * 60_000);

afterAll(async () => {
  signer?.dispose();
  await daemon?.stop();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

const codeversion = () => ({ bookworm: '12', trixie: '13' })[codename] ?? 'SID';
const dist = (suite: string, repo = 'test') => `${codename}-${repo}-${suite}`;

/** The CLI as an admin would run it against the daemon. */
async function debyard(args: string[], stdin?: string): Promise<string> {
  const result = await cli([...args, '--server', daemon.url, '--token', token], { stdin });
  expect(result.code, `debyard ${args.join(' ')}: ${result.err}`).toBe(0);
  return result.out;
}

/** A signed upload of hello-any's version n with Debian's dput. */
async function upload(n: number): Promise<FixtureUpload> {
  const pkg = await fixtureUpload(root, 'hello-any', {
    version: `1.0~test${codeversion()}+${n}`,
    distribution: dist('unstable'),
  });
  await signUpload({ ...pkg, files: [] }, signer);
  await run('dput', ['-c', dputCf, 'debyard-testyard', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root, GNUPGHOME: signer.home },
  });
  return pkg;
}

/** The events of a source's version, oldest first, once one of `until` happened. */
async function eventsUntil(version: string, until: string[]): Promise<StoredEvent[]> {
  let events: StoredEvent[] = [];
  await expect
    .poll(
      () => {
        events = daemon.events
          .list({ source: SOURCE, limit: 1000 })
          .filter((e) => e.version === version)
          .reverse();
        return events.some((e) => until.includes(e.type));
      },
      { timeout: 180_000, interval: 200 },
    )
    .toBe(true);
  return events;
}

/** Waits until the published Packages index of a distribution (what apt gets) has a version. */
async function published(distribution: string, version: string, repo = 'test'): Promise<void> {
  const url = `${daemon.url}/repos/${repo}/dists/${distribution}/main/binary-${architecture}/Packages`;
  await expect
    .poll(
      async () => {
        const text = await (await fetch(url)).text();
        return text.includes(`Package: ${SOURCE}\n`) && text.includes(`Version: ${version}\n`);
      },
      { timeout: 60_000, interval: 200 },
    )
    .toBe(true);
}

/** `debyard ls`: "source version distribution" lines. */
async function where(): Promise<string[]> {
  return (await debyard(['ls', SOURCE])).trim().split('\n').sort();
}

/** The copy-paste steps of /install/<repo>, as the page shows them. */
async function installSteps(repo: string, distribution: string) {
  const html = await (await fetch(`${daemon.url}/install/${repo}`)).text();
  const step = (name: string, of?: string) => {
    const attrs = of ? `data-dist="${of}" data-step="${name}"` : `data-step="${name}"`;
    const match = new RegExp(`<pre class="step" ${attrs}>([^<]*)</pre>`).exec(html);
    if (!match) throw new Error(`no step ${name} on /install/${repo}`);
    return match[1]!.replace(/&(#(\d+)|lt|gt|quot|amp);/g, (_, name: string, code?: string) =>
      code ? String.fromCharCode(Number(code)) : { lt: '<', gt: '>', quot: '"', amp: '&' }[name]!,
    );
  };
  return {
    key: step('key'),
    sources: step('sources', distribution),
    pin: step('pin', distribution),
    update: step('update', distribution),
    install: step('install', distribution),
  };
}

describe('the life of a package', () => {
  it('is uploaded signed with dput by a packager whose key was added with the CLI, then built and installed', async () => {
    dputCf = path.join(root, 'dput.cf');
    writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
    expect(await debyard(['key-add'], signer.publicKey)).toContain(signer.fingerprint);
    expect(await debyard(['key-permit', signer.fingerprint, 'test'])).toContain('test');

    const pkg = await upload(1);
    const events = await eventsUntil(pkg.version, ['INSTALLED', 'FAILED', 'REJECTED']);
    const types = events.map((e) => e.type).filter((t) => t !== 'PUBLISHED');
    expect(types).toEqual(['ACCEPTED', 'PACKAGING', 'BUILDING', 'BUILT', 'INSTALLED']);
    expect(events.find((e) => e.type === 'INSTALLED')!.distribution).toBe(dist('unstable'));
    expect(await where()).toEqual([`${SOURCE} ${pkg.version} ${dist('unstable')}`]);
    await published(dist('unstable'), pkg.version);
  }, 240_000);

  it('installs with apt set up only from the install page, and runs', async () => {
    const steps = await installSteps('test', dist('unstable'));
    expect(steps.update).toBe('sudo apt update');
    expect(steps.install).toBe(`sudo apt install ${SOURCE}`);
    const dir = path.join(root, 'apt');
    const apt = new IsolatedApt(dir, architecture);
    // The host's packages count as installed (libc6): apt installs only ours.
    copyFileSync('/var/lib/dpkg/status', path.join(apt.root, 'var/lib/dpkg/status'));
    for (const step of [steps.key, steps.sources, steps.pin]) {
      const script = step
        .replace(/^sudo /gm, '')
        .replace(/\| sudo /g, '| ')
        .replaceAll('/etc/apt/', `${dir}/etc/apt/`);
      await run('sh', ['-e', '-c', script]);
    }
    const update = await apt.aptGet(['update']);
    expect(update.problems, update.output).toEqual([]);
    expect(update.output).not.toMatch(/^W:/m);
    const install = await apt.aptGet(steps.install.replace(/^sudo apt /, '').split(' '));
    const listed = readFileSync(
      path.join(dir, `etc/apt/sources.list.d/debyard-${dist('unstable')}.sources`),
      'utf8',
    );
    expect(install.code, `${install.output}\n${update.output}\n${listed}`).toBe(0);
    const { stdout } = await run(path.join(apt.root, 'usr/bin', SOURCE));
    expect(stdout).toBe(`Hello from ${SOURCE}, built for ${architecture}\n`);
  }, 60_000);

  it('migrates to testing, then to stable', async () => {
    const version = `1.0~test${codeversion()}+1`;
    expect(await debyard(['migrate', SOURCE, dist('unstable')])).toBe(
      `${SOURCE} ${version} migrated to ${dist('testing')}\n`,
    );
    expect(await debyard(['migrate', SOURCE, dist('testing')])).toBe(
      `${SOURCE} ${version} migrated to ${dist('stable')}\n`,
    );
    expect(await where()).toEqual(
      ['stable', 'testing', 'unstable'].map((s) => `${SOURCE} ${version} ${dist(s)}`),
    );
    const migrated = daemon.events.list({ source: SOURCE, types: ['MIGRATED'] });
    expect(migrated.map((e) => e.distribution).reverse()).toEqual([
      dist('testing'),
      dist('stable'),
    ]);
  });

  it('moves the old version to rollback0 when a newer one is installed', async () => {
    const pkg = await upload(2);
    const events = await eventsUntil(pkg.version, ['INSTALLED', 'FAILED', 'REJECTED']);
    expect(events.map((e) => e.type)).toContain('INSTALLED');
    const old = `1.0~test${codeversion()}+1`;
    expect(await where()).toEqual(
      [
        `${SOURCE} ${old} ${dist('stable')}`,
        `${SOURCE} ${old} ${dist('testing')}`,
        `${SOURCE} ${old} ${dist('unstable')}-rollback0`,
        `${SOURCE} ${pkg.version} ${dist('unstable')}`,
      ].sort(),
    );
  }, 240_000);

  it('is removed from stable (kept in its rollbacks)', async () => {
    const old = `1.0~test${codeversion()}+1`;
    expect(await debyard(['remove', SOURCE, dist('stable')])).toBe(
      `${SOURCE} ${old} removed from ${dist('stable')} (kept in ${dist('stable')}-rollback0)\n`,
    );
    const lines = await where();
    expect(lines).not.toContain(`${SOURCE} ${old} ${dist('stable')}`);
    expect(lines).toContain(`${SOURCE} ${old} ${dist('stable')}-rollback0`);
    expect(daemon.events.list({ source: SOURCE, types: ['REMOVED'] })).toHaveLength(1);
  });

  it('is ported to another repository, built and installed there', async () => {
    await debyard([
      'repository-add',
      'team',
      '--codename',
      codename,
      '--architectures',
      architecture,
    ]);
    const ported = await debyard([
      'port',
      SOURCE,
      dist('unstable'),
      dist('unstable', 'team'),
      '--json',
    ]);
    const [answer] = JSON.parse(ported) as { version: string; state: string }[];
    expect(answer).toMatchObject({ state: 'ACCEPTED', distribution: dist('unstable', 'team') });
    expect(answer!.version).toMatch(new RegExp(`~team${codeversion()}\\+1$`));
    const events = await eventsUntil(answer!.version, ['INSTALLED', 'FAILED', 'REJECTED']);
    expect(events.map((e) => e.type).filter((t) => t !== 'PUBLISHED')).toEqual([
      'ACCEPTED',
      'PACKAGING',
      'BUILDING',
      'BUILT',
      'INSTALLED',
    ]);
    expect(await where()).toContain(`${SOURCE} ${answer!.version} ${dist('unstable', 'team')}`);
  }, 420_000);
});
