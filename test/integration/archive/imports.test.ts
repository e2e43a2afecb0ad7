import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import { execFileSync } from 'node:child_process';
import {
  adminToken,
  aptFor,
  buildDeb,
  buildSource,
  GnupgHome,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import { cli, testHost } from '../../fixtures/subsystems.js';

/**
 * import-debs and import-repo with the real CLI, one daemon: a folder of existing packages
 * (a source with its binaries, a binary-only package) goes into a suite and apt installs
 * from it; broken files (a truncated .deb, a tarball its .dsc does not describe, a .deb a
 * .changes gives other checksums) are each named and nothing is imported. A tree aptly
 * published and signed is imported with its key, versions kept; a wrong key or a changed
 * pool file imports nothing.
 */
let dir: string;
let daemon: Daemon;
let token: string;
let stable: string;
const { architecture, codename } = testHost();

const importDebs = (...args: string[]) =>
  cli(['import-debs', 'test', ...args, '--server', daemon.url, '--token', token]);
const holds = async (pkg: string) =>
  (
    JSON.parse((await cli(['ls', pkg, '--server', daemon.url, '--json'])).out) as {
      versions: unknown[];
    }
  ).versions;

let gnupg: GnupgHome;
let key: string;
let tree: string;
let otherKey: string;

/**
 * A tree published by aptly, signed with its own key, and another key; made before any
 * request, so that no idle client connection waits meanwhile.
 */
function aptlyTree(): void {
  gnupg = new GnupgHome();
  const fingerprint = gnupg.generateKey(
    'Aptly <aptly@outside.invalid>',
    'ed25519',
    'sign',
    'never',
  );
  key = gnupg.exportKey(fingerprint, true).toString('utf8');
  const aptly = path.join(dir, 'aptly');
  mkdirSync(path.join(aptly, 'debs'), { recursive: true });
  buildDeb(path.join(aptly, 'debs'), { name: 'oldlib', version: '3.1-2', architecture: 'all' });
  buildDeb(path.join(aptly, 'debs'), { name: 'oldbin', version: '7:0.9', architecture });
  rmSync(path.join(aptly, 'debs', '.build'), { recursive: true, force: true });
  const conf = path.join(aptly, 'aptly.conf');
  writeFileSync(
    conf,
    JSON.stringify({ rootDir: path.join(aptly, 'root'), architectures: [architecture] }),
  );
  const run = (...args: string[]) =>
    execFileSync('aptly', [`-config=${conf}`, ...args], { env: gnupg.env, stdio: 'pipe' });
  run('repo', 'create', '-distribution=oldstable', '-component=main', 'old');
  run('repo', 'add', 'old', path.join(aptly, 'debs'));
  run('publish', 'repo', `-gpg-key=${fingerprint}`, `-architectures=${architecture}`, 'old');
  tree = path.join(aptly, 'root', 'public');
  const other = gnupg.generateKey('Else <else@outside.invalid>', 'ed25519', 'sign', 'never');
  otherKey = gnupg.exportKey(other, true).toString('utf8');
}

beforeAll(async () => {
  dir = persistentTempDir('debyard-import-');
  aptlyTree();
  daemon = await startTestDaemon(path.join(dir, 'home'));
  token = await adminToken(daemon);
  stable = `${codename}-test-stable`;
  const good = path.join(dir, 'good');
  mkdirSync(good);
  const dsc = buildSource(path.join(dir, 'src'), { name: 'oldtool', version: '2.0' });
  for (const name of [path.basename(dsc), 'oldtool_2.0.tar.xz']) {
    copyFileSync(path.join(path.dirname(dsc), name), path.join(good, name));
  }
  buildDeb(good, { name: 'oldtool', version: '2.0', architecture });
  buildDeb(good, { name: 'oldtool-data', version: '2.0', architecture: 'all', source: 'oldtool' });
  buildDeb(good, { name: 'standalone', version: '1.5-3', architecture: 'all' });
  rmSync(path.join(good, '.build'), { recursive: true, force: true });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  gnupg?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('import-debs', () => {
  it('names every broken file and imports nothing, not even the good ones', async () => {
    const broken = path.join(dir, 'broken');
    mkdirSync(broken);
    const truncated = path.join(broken, 'cut_1.0_all.deb');
    copyFileSync(
      buildDeb(path.join(dir, 'cut'), { name: 'cut', version: '1.0', architecture: 'all' }),
      truncated,
    );
    truncateSync(truncated, 600);
    const dsc = buildSource(path.join(dir, 'src2'), { name: 'badsrc', version: '1.0' });
    copyFileSync(dsc, path.join(broken, 'badsrc_1.0.dsc'));
    writeFileSync(path.join(broken, 'badsrc_1.0.tar.xz'), 'not the tarball the .dsc describes');
    const listed = buildDeb(path.join(dir, 'listed'), {
      name: 'listed',
      version: '1.0',
      architecture: 'all',
    });
    copyFileSync(listed, path.join(broken, 'listed_1.0_all.deb'));
    writeFileSync(
      path.join(broken, 'listed_1.0_amd64.changes'),
      `Format: 1.8\nSource: listed\nVersion: 1.0\nChecksums-Sha256:\n ${'0'.repeat(64)} ${readFileSync(listed).length} listed_1.0_all.deb\n`,
    );
    const answer = await importDebs(
      stable,
      path.join(dir, 'good'),
      broken,
      'relative/path',
      '/nonexistent.deb',
    );
    expect(answer.code).not.toBe(0);
    expect(answer.err).toContain(`nothing was imported into ${stable}: 5 problems are in the way`);
    expect(answer.err).toContain("relative/path: must be an absolute path on the daemon's host");
    expect(answer.err).toContain('/nonexistent.deb: does not exist');
    expect(answer.err).toMatch(/cut_1\.0_all\.deb: is not a readable \.deb: /);
    expect(answer.err).toContain(
      'badsrc_1.0.tar.xz: does not match the size and checksums badsrc_1.0.dsc states for it',
    );
    expect(answer.err).toContain(
      'listed_1.0_all.deb: does not match the size and SHA-256 listed_1.0_amd64.changes states for it',
    );
    expect(await holds('oldtool')).toEqual([]);
    expect(await holds('standalone')).toEqual([]);
  });

  it('refuses a distribution of another repository and one that does not exist', async () => {
    const other = await cli([
      'import-debs',
      'other',
      stable,
      path.join(dir, 'good'),
      '--server',
      daemon.url,
      '--token',
      token,
    ]);
    expect(other.err).toContain(`${stable} is a distribution of repository test, not of other`);
    const missing = await importDebs(`${codename}-test-nosuch`, path.join(dir, 'good'));
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('nosuch');
  });

  it('imports a folder into a suite, where apt installs from it', async () => {
    const answer = await importDebs(stable, path.join(dir, 'good'));
    expect(answer, answer.err).toMatchObject({ code: 0 });
    expect(answer.out).toContain(
      `imported oldtool 2.0 into ${stable} (oldtool_2.0.dsc, oldtool-data_2.0_all.deb, oldtool_2.0_${architecture}.deb)`,
    );
    expect(answer.out).toContain(
      `imported standalone 1.5-3 into ${stable} (standalone_1.5-3_all.deb)`,
    );
    expect(await holds('oldtool')).toHaveLength(1);
    const apt = await aptFor(daemon, path.join(dir, 'apt'), architecture, [
      { repo: 'test', suite: 'stable' },
    ]);
    await expect
      .poll(async () => (await apt.aptGet(['update'])).problems, { timeout: 20_000 })
      .toEqual([]);
    const install = await apt.aptGet(['install', 'standalone', 'oldtool-data']);
    expect(install.code, install.output).toBe(0);
    expect(readFileSync(path.join(apt.root, 'usr/share/standalone/standalone.txt'), 'utf8')).toBe(
      'standalone 1.5-3\n',
    );
    const source = await apt.aptGet(['source', '--print-uris', 'oldtool']);
    expect(source.output).toMatch(/oldtool_2\.0\.dsc/);
    // Again: already there, nothing changes; an older version is refused.
    const again = await importDebs(stable, path.join(dir, 'good'));
    expect(again.out).toContain('already there: oldtool 2.0');
    const older = path.join(dir, 'older');
    buildDeb(older, { name: 'standalone', version: '1.0', architecture: 'all' });
    const refused = await importDebs(stable, path.join(older, 'standalone_1.0_all.deb'));
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(
      `standalone 1.0 is not higher than 1.5-3, the version in ${stable}`,
    );
  }, 60_000);
});

describe('import-repo', () => {
  const importRepo = (...args: string[]) =>
    cli(['import-repo', 'test', ...args, '--server', daemon.url, '--token', token], { stdin: key });

  it('refuses a tree whose InRelease its key did not sign, or whose files were changed', async () => {
    const unstable = `${codename}-test-unstable`;
    const wrong = await cli(
      [
        'import-repo',
        'test',
        unstable,
        tree,
        '--suite',
        'oldstable',
        '--server',
        daemon.url,
        '--token',
        token,
      ],
      { stdin: otherKey },
    );
    expect(wrong.err).toContain('dists/oldstable/InRelease is not validly signed by the given key');
    const pool = path.join(tree, 'pool/main/o/oldlib/oldlib_3.1-2_all.deb');
    const saved = readFileSync(pool);
    writeFileSync(pool, Buffer.concat([saved, Buffer.from('tampered')]));
    try {
      const tampered = await importRepo(unstable, tree, '--suite', 'oldstable');
      expect(tampered.err).toContain(
        'pool/main/o/oldlib/oldlib_3.1-2_all.deb does not match the SHA256 its index states',
      );
    } finally {
      writeFileSync(pool, saved);
    }
    expect(await holds('oldlib')).toEqual([]);
  });

  it('imports the suite, versions kept, and apt installs from it', async () => {
    const answer = await importRepo(`${codename}-test-unstable`, tree, '--suite', 'oldstable');
    expect(answer, answer.err).toMatchObject({ code: 0 });
    expect(answer.out).toContain(`imported oldbin 7:0.9 into ${codename}-test-unstable`);
    expect(answer.out).toContain(`imported oldlib 3.1-2 into ${codename}-test-unstable`);
    const apt = await aptFor(daemon, path.join(dir, 'apt-repo'), architecture, [
      { repo: 'test', suite: 'unstable' },
    ]);
    await expect
      .poll(async () => (await apt.aptGet(['update'])).problems, { timeout: 20_000 })
      .toEqual([]);
    const install = await apt.aptGet(['install', 'oldlib', 'oldbin']);
    expect(install.code, install.output).toBe(0);
    expect(install.output).toContain('oldbin (7:0.9)');
  }, 60_000);
});
