import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../src/debian/index.js';
import { buildDeb, buildSource, persistentTempDir } from '../../fixtures/index.js';
import { openTestArchive, type TestArchive, testSigner } from '../../fixtures/subsystems.js';

const DIST = 'bookworm-test-unstable';

/** Stanzas by their Package field, each as [name, value] pairs in order. */
function stanzas(text: string): Map<string, [string, string][]> {
  return new Map(
    parseDeb822(text).map((s) => [
      `${s.get('Package')} ${s.get('Architecture') ?? ''}`,
      s.fields.map((f) => [f.name, f.value] as [string, string]),
    ]),
  );
}

const byName = (fields: [string, string][]) =>
  [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const names = (fields: [string, string][]) => fields.map(([n]) => n);

/**
 * Our indices against the Debian tools' on the same pool: every field and value of the
 * Packages and Sources stanzas as apt-ftparchive writes them, in the field order of
 * dpkg-scanpackages and dpkg-scansources (apt-ftparchive uses an order of its own); the
 * Contents lines; the Release fields and checksums.
 */
describe('indices match apt-ftparchive', () => {
  let dir: string;
  let archive: TestArchive;
  let repoRoot: string;

  beforeAll(async () => {
    dir = persistentTempDir('debyard-golden-');
    archive = openTestArchive({ home: path.join(dir, 'home'), signer: await testSigner(dir) });
    await (
      await archive.service.start()
    ).published;
    repoRoot = path.join(archive.reposRoot, 'test');
    for (const [i, name] of ['hello', 'libwidget', 'zsh-extras'].entries()) {
      const out = path.join(dir, 'pkgs', name);
      const binaries = name === 'libwidget' ? ['libwidget1', 'libwidget-dev'] : [name];
      await archive.service.archive.install({
        distribution: DIST,
        packages: [
          {
            dsc: buildSource(out, { name, version: `1.${i}`, binaries }),
            debs: [
              ...binaries.map((b) =>
                buildDeb(out, {
                  name: b,
                  version: `1.${i}`,
                  architecture: 'amd64',
                  source: name,
                  depends: 'libc6 (>= 2.36)',
                  section: 'utils',
                  files: { [`usr/bin/${b}`]: `#!/bin/sh\n`, [`usr/share/doc/${b}/README`]: 'x\n' },
                }),
              ),
              buildDeb(out, {
                name: `${name}-common`,
                version: `1.${i}`,
                architecture: 'all',
                source: name,
              }),
            ],
          },
        ],
      });
    }
  });

  afterAll(() => {
    archive?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tool = (command: string, ...args: string[]) =>
    execFileSync(command, args, {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  const ftparchive = (...args: string[]) => tool('apt-ftparchive', ...args);
  const ours = (file: string) => readFileSync(path.join(repoRoot, 'dists', DIST, file), 'utf8');

  it('Packages', () => {
    const theirs = stanzas(ftparchive('packages', 'pool'));
    const dpkg = stanzas(tool('dpkg-scanpackages', '-m', 'pool'));
    const mine = stanzas(ours('main/binary-amd64/Packages'));
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [key, fields] of mine) {
      expect(byName(fields), key).toEqual(byName(theirs.get(key)!));
      // dpkg-scanpackages writes no SHA512.
      expect(
        names(fields).filter((n) => n !== 'SHA512'),
        key,
      ).toEqual(names(dpkg.get(key)!));
    }
  });

  it('Sources', () => {
    const theirs = stanzas(ftparchive('sources', 'pool'));
    const dpkg = stanzas(tool('dpkg-scansources', 'pool'));
    const mine = stanzas(ours('main/source/Sources'));
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [key, fields] of mine) {
      // apt-ftparchive adds Checksums-Sha512, which a .dsc does not have to copy.
      const common = theirs.get(key)!.filter(([n]) => n !== 'Checksums-Sha512');
      expect(byName(fields), key).toEqual(byName(common));
      expect(names(fields), key).toEqual(names(dpkg.get(key)!));
    }
  });

  it('Contents', () => {
    const theirs = ftparchive('contents', 'pool');
    const mine = gunzipSync(
      readFileSync(path.join(repoRoot, 'dists', DIST, 'main/Contents-amd64.gz')),
    ).toString();
    // apt-ftparchive names packages without their section (it has no overrides).
    const unqualified = mine.replace(
      /^(.*\s)(\S+)$/gm,
      (_, path: string, owners: string) => path + owners.replace(/[a-z-]+\//g, ''),
    );
    expect(unqualified).toBe(theirs);
    expect(mine).toMatch(/^usr\/bin\/hello\s+utils\/hello$/m);
  });

  it('Release', () => {
    const theirs = ftparchive(
      '-o',
      'APT::FTPArchive::Release::Origin=testyard',
      '-o',
      'APT::FTPArchive::Release::Label=testyard-test',
      '-o',
      `APT::FTPArchive::Release::Suite=${DIST}`,
      '-o',
      `APT::FTPArchive::Release::Codename=${DIST}`,
      '-o',
      'APT::FTPArchive::Release::Architectures=amd64 arm64',
      '-o',
      'APT::FTPArchive::Release::Components=main',
      '-o',
      'APT::FTPArchive::Release::Acquire-By-Hash=yes',
      '-o',
      'APT::FTPArchive::Release::MD5=false',
      '-o',
      'APT::FTPArchive::Release::SHA1=false',
      '-o',
      'APT::FTPArchive::Release::SHA512=false',
      'release',
      `dists/${DIST}`,
    );
    const mine = ours('Release');
    const fields = (text: string) =>
      [...text.matchAll(/^([A-Za-z0-9-]+): (.+)$/gm)]
        .map((m) => `${m[1]}: ${m[2]}`)
        .filter((f) => !/^(Date|Description):/.test(f))
        .sort();
    const checksums = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(' ') && !l.includes('by-hash'))
        .map((l) => l.trim().split(/\s+/).join(' '))
        .sort();
    expect(fields(mine)).toEqual(fields(theirs));
    // Debian's order (dak, dpkg): Origin, Label, Suite, Codename, Date first.
    expect(mine).toMatch(/^Origin: .*\nLabel: .*\nSuite: .*\nCodename: .*\nDate: .*\n/);
    expect(checksums(mine)).toEqual(checksums(theirs).filter((l) => !/ Release$/.test(l)));
  });
});
