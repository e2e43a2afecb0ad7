import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { MirrorView } from '../../../src/archive/mirrors/mirrors.js';
import {
  adminToken,
  aptFor,
  buildDeb,
  buildSource,
  type DebSpec,
  GnupgHome,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import { cli, repreproRepository, serveFolder, testHost } from '../../fixtures/subsystems.js';

/**
 * Mirrors with the real CLI, one daemon, and a repository made with reprepro, signed
 * with its own key and served over HTTP on loopback: bad filters and keys are refused
 * with their reasons; a filter with --with-deps mirrors exactly the packages it names and
 * what they need (a virtual package through its provider), apt installs them from the
 * published mirror; a snapshot keeps the mirror as it was; an update after a change
 * upstream fetches only the change; a tampered InRelease, a truncated pool file and a
 * .dsc that does not match the signed Sources are refused and leave the published mirror
 * as it was. Sources are mirrored with --sources and apt-get source fetches from the
 * mirror; indices are fetched by hash when the Release offers it.
 */
let dir: string;
let daemon: Daemon;
let token: string;
let gnupg: GnupgHome;
let fingerprint: string;
let key: string;
let otherKey: string;
let upstream: string;
let served: Awaited<ReturnType<typeof serveFolder>>;
const { architecture } = testHost();
const suite = 'outside';
const dist = `${suite}-ext-mirror`;

const run = (args: string[], stdin?: string) =>
  cli([...args, '--server', daemon.url, '--token', token], stdin === undefined ? {} : { stdin });
const addArgs = (filter: string) => [
  'mirror-add',
  'ext',
  served.url,
  '--suites',
  suite,
  '--architectures',
  architecture,
  '--filter',
  filter,
  '--with-deps',
  '--sources',
];
const mirror = async (): Promise<MirrorView> =>
  (JSON.parse((await run(['mirrors', '--json'])).out) as MirrorView[])[0]!;
const poolRequests = () => served.requests.filter((r) => r.startsWith('/pool/'));
const published = (file: string) =>
  fetch(`${daemon.url}/repos/ext/dists/${dist}/${file}`).then(async (r) => r.text());
const names = (packages: string) =>
  [...packages.matchAll(/^Package: (\S+)\nVersion: (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
const packagesFile = `main/binary-${architecture}/Packages`;

function deb(spec: DebSpec): string {
  return buildDeb(path.join(dir, 'debs'), spec);
}

function include(...files: string[]): void {
  for (const file of files) {
    const dsc = file.endsWith('.dsc');
    execFileSync(
      'reprepro',
      ['-b', upstream, ...(dsc ? ['-S', 'misc', '-P', 'optional'] : [])].concat([
        dsc ? 'includedsc' : 'includedeb',
        suite,
        file,
      ]),
      { env: gnupg.env, stdio: 'pipe' },
    );
  }
}

const dscOf = (name: string, version: string) =>
  buildSource(path.join(dir, 'sources'), { name, version });

beforeAll(async () => {
  dir = persistentTempDir('debyard-mirrors-');
  gnupg = new GnupgHome();
  fingerprint = gnupg.generateKey('Outside <outside@outside.invalid>', 'ed25519', 'sign', 'never');
  key = gnupg.exportKey(fingerprint, true).toString('utf8');
  const other = gnupg.generateKey('Else <else@outside.invalid>', 'ed25519', 'sign', 'never');
  otherKey = gnupg.exportKey(other, true).toString('utf8');
  upstream = path.join(dir, 'upstream');
  repreproRepository(upstream, {
    codename: suite,
    architecture,
    origin: 'Outside',
    gnupg,
    signWith: fingerprint,
    debs: [
      deb({ name: 'app', version: '1.0', architecture, depends: 'libapp (>= 1.1), mta | postfix' }),
      deb({ name: 'libapp', version: '1.2', architecture }),
      deb({ name: 'exim', version: '4.0', architecture, provides: 'mta' }),
      deb({ name: 'postfix', version: '3.7', architecture }),
      deb({ name: 'admintool', version: '2.0', architecture: 'all', section: 'admin' }),
      deb({ name: 'unrelated', version: '1.0', architecture: 'all' }),
    ],
  });
  // Sources too: source among its architectures.
  const conf = path.join(upstream, 'conf/distributions');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^Architectures: .*$/m, '$& source'));
  include(dscOf('app', '1.0'));
  served = await serveFolder(upstream);
  daemon = await startTestDaemon(path.join(dir, 'home'));
  token = await adminToken(daemon);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await served?.close();
  gnupg?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('mirrors', () => {
  it('refuses a filter that does not parse, a missing key and a key that did not sign', async () => {
    const bad = await run(addArgs('app |'), key);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain(
      'filter "app |": at character 6: expected a package name or a field, found the end',
    );
    const unsigned = await run(addArgs('app'), '');
    expect(unsigned.err).toContain('give the key the repository is signed with (--key)');
    const wrong = await run(addArgs('app'), otherKey);
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain('dists/outside/InRelease is not validly signed by the given key');
    expect(JSON.parse((await run(['mirrors', '--json'])).out)).toEqual([]);
  });

  it('mirrors what the filter takes and its dependencies, and apt installs from it', async () => {
    const added = await run(addArgs('app | Section (admin)'), key);
    expect(added, added.err).toMatchObject({ code: 0 });
    expect(added.out).toContain(`published as ${dist}`);
    const updated = await run(['mirror-update', 'ext']);
    expect(updated, updated.err).toMatchObject({ code: 0 });
    expect(names(await published(packagesFile))).toEqual([
      'admintool 2.0',
      'app 1.0',
      'exim 4.0',
      'libapp 1.2',
    ]);
    // Four .debs, and app's source (its .dsc and tarball): the others have none upstream.
    expect((await mirror()).counts).toMatchObject({ packages: 4, fetched: 6, installed: 4 });
    expect(poolRequests()).toHaveLength(6);
    expect(await published('main/source/Sources')).toMatch(/^Package: app$/m);
    const events = JSON.parse((await run(['events', '--type', 'MIRROR', '--json'])).out) as {
      message: string;
    }[];
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        'mirror ext: 6 files wanted, 6 to fetch',
        expect.stringMatching(/^mirror ext: fetched 6 of 6 files \(\d+ bytes\)$/),
        expect.stringMatching(/^mirror ext updated: 4 packages, 6 files fetched/),
      ]),
    );
    const apt = await aptFor(daemon, path.join(dir, 'apt'), architecture, [
      { repo: 'ext', suite: 'mirror' },
    ]);
    await expect
      .poll(async () => (await apt.aptGet(['update'])).problems, { timeout: 20_000 })
      .toEqual([]);
    const install = await apt.aptGet(['install', 'app', 'admintool']);
    expect(install.code, install.output).toBe(0);
    expect(install.output).toContain('exim');
    expect(readFileSync(path.join(apt.root, 'usr/share/libapp/libapp.txt'), 'utf8')).toBe(
      'libapp 1.2\n',
    );
    expect((await apt.aptGet(['install', 'unrelated'])).code).not.toBe(0);
    const source = await apt.aptGet(['source', '--download-only', 'app']);
    expect(source.code, source.output).toBe(0);
    expect(readFileSync(path.join(apt.root, 'app_1.0.dsc'))).toEqual(
      readFileSync(path.join(upstream, 'pool/main/a/app/app_1.0.dsc')),
    );
  }, 90_000);

  it('fetches only what changed upstream; a snapshot keeps the mirror as it was', async () => {
    const snapshot = await run(['snapshot-create', dist, 'before']);
    expect(snapshot, snapshot.err).toMatchObject({ code: 0 });
    include(
      deb({ name: 'libapp', version: '1.3', architecture }),
      deb({ name: 'admintool2', version: '1.0', architecture: 'all', section: 'admin' }),
      deb({ name: 'unrelated2', version: '1.0', architecture: 'all' }),
    );
    served.requests.length = 0;
    const updated = await run(['mirror-update', 'ext']);
    expect(updated, updated.err).toMatchObject({ code: 0 });
    expect(poolRequests().sort()).toEqual([
      expect.stringMatching(/\/admintool2_1\.0_all\.deb$/),
      expect.stringMatching(/\/libapp_1\.3_/),
    ]);
    expect((await mirror()).counts).toMatchObject({ packages: 5, fetched: 2, installed: 2 });
    expect(names(await published(packagesFile))).toContain('libapp 1.3');
    const before = await fetch(
      `${daemon.url}/repos/ext/snapshots/before/dists/${dist}/${packagesFile}`,
    ).then(async (r) => r.text());
    expect(names(before)).toEqual(['admintool 2.0', 'app 1.0', 'exim 4.0', 'libapp 1.2']);
  }, 60_000);

  it('refuses a tampered InRelease and a truncated file, leaving the mirror as it was', async () => {
    const inRelease = path.join(upstream, 'dists', suite, 'InRelease');
    const good = readFileSync(inRelease, 'utf8');
    const publishedBefore = await published('InRelease');
    writeFileSync(inRelease, good.replace(/^Origin: Outside$/m, 'Origin: Tampered'));
    const tampered = await run(['mirror-update', 'ext']);
    expect(tampered.code).not.toBe(0);
    expect(tampered.err).toContain(
      'dists/outside/InRelease is not validly signed by the given key',
    );
    writeFileSync(inRelease, good);
    expect(await mirror()).toMatchObject({ state: 'failed' });
    expect((await mirror()).lastError).toContain('InRelease is not validly signed');

    include(deb({ name: 'late', version: '1.0', architecture: 'all', section: 'admin' }));
    const pool = path.join(upstream, 'pool/main/l/late/late_1.0_all.deb');
    const whole = readFileSync(pool);
    truncateSync(pool, 100);
    const truncated = await run(['mirror-update', 'ext']);
    expect(truncated.code).not.toBe(0);
    expect(truncated.err).toContain(
      `pool/main/l/late/late_1.0_all.deb is truncated: 100 bytes arrived, its index states ${whole.length}`,
    );
    expect(await published('InRelease')).toBe(publishedBefore);
    writeFileSync(pool, whole);

    // A .dsc that does not match the checksums the signed Sources states for it.
    include(
      deb({ name: 'later', version: '1.0', architecture: 'all', section: 'admin' }),
      dscOf('later', '1.0'),
    );
    const dsc = path.join(upstream, 'pool/main/l/later/later_1.0.dsc');
    const dscText = readFileSync(dsc, 'utf8');
    writeFileSync(dsc, dscText.replace('Format: 3.0 (native)', 'Format: 3.0 (nativ3)'));
    const mismatch = await run(['mirror-update', 'ext']);
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.err).toContain(
      'pool/main/l/later/later_1.0.dsc does not match the SHA256 its index states',
    );
    expect(await published('InRelease')).toBe(publishedBefore);
    writeFileSync(dsc, dscText);

    // Without InRelease, Release and Release.gpg are checked as apt does.
    renameSync(inRelease, `${inRelease}.away`);
    served.requests.length = 0;
    const again = await run(['mirror-update', 'ext']);
    renameSync(`${inRelease}.away`, inRelease);
    expect(again, again.err).toMatchObject({ code: 0 });
    expect(served.requests).toContain(`/dists/${suite}/Release.gpg`);
    // What the failed tries fetched whole is kept: at least the good .dsc is fetched now.
    expect(poolRequests()).toEqual(expect.arrayContaining(['/pool/main/l/later/later_1.0.dsc']));
    expect(poolRequests().filter((r) => !/\/later?_1\.0[._]/.test(r))).toEqual([]);
    expect(names(await published(packagesFile))).toEqual(
      expect.arrayContaining(['late 1.0', 'later 1.0']),
    );
    expect(await published('main/source/Sources')).toMatch(/^Package: later$/m);
    expect(await mirror()).toMatchObject({ state: 'ok', lastError: null });
  }, 60_000);

  it('reads indices by hash when the Release offers it, whatever the by-name ones hold', async () => {
    include(deb({ name: 'hashed', version: '1.0', architecture: 'all', section: 'admin' }));
    const dists = path.join(upstream, 'dists', suite);
    const release = readFileSync(path.join(dists, 'Release'), 'utf8');
    const listed = [...release.split(/^SHA256:$/m)[1]!.matchAll(/^ ([0-9a-f]{64}) +\d+ (\S+)$/gm)]
      .map(([, sum, name]) => ({ sum: sum!, file: path.join(dists, name!) }))
      .filter(({ file }) => existsSync(file));
    for (const { sum, file } of listed) {
      mkdirSync(path.join(path.dirname(file), 'by-hash/SHA256'), { recursive: true });
      copyFileSync(file, path.join(path.dirname(file), 'by-hash/SHA256', sum));
    }
    const offered = release.replace(/^Date: .*$/m, '$&\nAcquire-By-Hash: yes');
    expect(offered).not.toBe(release);
    writeFileSync(path.join(dists, 'Release'), offered);
    writeFileSync(path.join(dists, 'InRelease'), gnupg.clearSign(fingerprint, offered));
    // The remote publishing anew meanwhile: its by-name indices no longer match that Release.
    for (const { file } of listed) writeFileSync(file, 'published anew\n');
    served.requests.length = 0;
    const updated = await run(['mirror-update', 'ext']);
    expect(updated, updated.err).toMatchObject({ code: 0 });
    const byHash = `/dists/${suite}/main/binary-${architecture}/by-hash/SHA256/`;
    expect(served.requests.filter((r) => r.startsWith(byHash))).toHaveLength(1);
    expect(names(await published(packagesFile))).toContain('hashed 1.0');
  });

  it('removes a mirror with its repository', async () => {
    const removed = await run(['mirror-remove', 'ext']);
    expect(removed, removed.err).toMatchObject({ code: 0 });
    expect(JSON.parse((await run(['mirrors', '--json'])).out)).toEqual([]);
    expect((await fetch(`${daemon.url}/repos/ext/dists/${dist}/InRelease`)).status).not.toBe(200);
    const repositories = JSON.parse((await run(['repositories', '--json'])).out) as {
      id: string;
    }[];
    expect(repositories.map((r) => r.id)).not.toContain('ext');
  });
});
