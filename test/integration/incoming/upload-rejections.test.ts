import {
  readdirSync,
  rmSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import type { ArchiveQueries } from '../../../src/incoming/archive-queries.js';
import { REASONS_FILE } from '../../../src/incoming/upload-folders.js';
import {
  buildSourcePackage,
  createSigner,
  editFile,
  persistentTempDir,
  regenerateChanges,
  signUpload,
  type SourcePackage,
  type SourcePackageOptions,
  type TestSigner,
} from '../../fixtures/index.js';
import { filesOf, type IncomingHarness, startIncomingHarness } from '../../fixtures/subsystems.js';

/**
 * A fake archive: `present` 2.0-1~test12+1 is in bookworm-test-unstable, 1.5-1~test12+1
 * in its rollback0; the pool holds the files a test puts into `pool`.
 */
const pool = new Map<string, { sha256: string; size: number }>();
const archive: ArchiveQueries = {
  currentVersion: (distribution, source) =>
    distribution === 'bookworm-test-unstable' && source === 'present' ? '2.0-1~test12+1' : null,
  distributionsWithVersion: (repository, source, version) =>
    repository === 'test' && source === 'present' && version === '1.5-1~test12+1'
      ? ['bookworm-test-unstable-rollback0']
      : [],
  poolFileStatus: (repository, component, _source, name, digests) => {
    const file = repository === 'test' && component === 'main' ? pool.get(name) : undefined;
    if (!file) return 'absent';
    return file.sha256 === digests.sha256 && file.size === digests.size ? 'same' : 'different';
  },
};
const buildable = ['amd64'];

let root: string;
let h: IncomingHarness;
let owner: TestSigner;
let other: TestSigner;
let stranger: TestSigner;

beforeAll(async () => {
  root = persistentTempDir();
  h = await startIncomingHarness(path.join(root, 'home'), {
    archive,
    builders: { buildableArchitectures: () => buildable },
    incoming: { distributionAliases: { unstable: 'bookworm-test-unstable' } },
  });
  h.config.createRepository({
    id: 'signed',
    description: 'signed uploads only',
    layout: 'default',
    allowUnsigned: false,
    distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64'] })],
  });
  h.config.createRepository({
    id: 'multi',
    description: 'two architectures',
    layout: 'default',
    allowUnsigned: true,
    distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64', 'arm64'] })],
  });
  owner = createSigner('Owner <owner@example.org>');
  other = createSigner('Other <other@example.org>');
  stranger = createSigner('Stranger <stranger@example.org>');
  await h.incoming.uploaderKeys.add({ key: owner.publicKey, repositories: ['signed'] });
  await h.incoming.uploaderKeys.add({ key: other.publicKey, repositories: ['test'] });
});

afterAll(async () => {
  await h?.stop();
  for (const signer of [owner, other, stranger]) signer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
async function build(options: SourcePackageOptions = {}): Promise<SourcePackage> {
  counter++;
  return buildSourcePackage(path.join(root, `pkg${counter}`), {
    source: `p${counter}`,
    ...options,
  });
}

async function upload(pkg: SourcePackage, files = filesOf(pkg)): Promise<UploadRecord> {
  await h.upload(files);
  return h.outcome(path.basename(files.at(-1)!));
}

/** Uploads, expects a rejection with exactly these reasons, files under rejected/. */
async function expectRejected(pkg: SourcePackage, reasons: string[], files = filesOf(pkg)) {
  const record = await upload(pkg, files);
  expect(record.reasons).toEqual(reasons);
  expect(record.state).toBe('REJECTED');
  const folder = path.join(h.home, record.spoolPath);
  expect(record.spoolPath).toMatch(/^rejected\//);
  expect(readdirSync(folder).sort()).toEqual(
    [REASONS_FILE, ...files.map((f) => path.basename(f))].sort(),
  );
  expect(readFileSync(path.join(folder, REASONS_FILE), 'utf8')).toBe(
    reasons.map((r) => `- ${r}\n`).join(''),
  );
  const event = h.events.list({ types: ['REJECTED'], uploadId: record.id })[0]!;
  expect(event.message).toBe(`rejected ${path.basename(files.at(-1)!)}: ${reasons.join('; ')}`);
  expectArchiveUntouched();
  return record;
}

function expectArchiveUntouched(): void {
  expect(readdirSync(h.layout.spool)).toEqual([]);
  expect(readdirSync(h.layout.repos)).toEqual([]);
}

describe('upload rejections, one per reason', () => {
  it('a .changes not named <source>_<version>_<arch>.changes', async () => {
    const pkg = await build();
    renameSync(path.join(pkg.dir, pkg.changes), path.join(pkg.dir, 'upload.changes'));
    pkg.files[pkg.files.length - 1] = 'upload.changes';
    await expectRejected(pkg, [
      `upload.changes: a .changes file is named <source>_<version>_<architecture>.changes, here ${pkg.source}_1.0-1~test12+1_source.changes (or the architecture it holds)`,
    ]);
  });

  it('an unsigned upload to a repository that takes signed uploads only', async () => {
    const pkg = await build({ distribution: 'bookworm-signed-unstable', revision: '1~signed12+1' });
    await expectRejected(pkg, [
      `${pkg.changes}: not signed, and repository signed takes signed uploads only: sign it with debsign`,
    ]);
  });

  it('a tampered signature', async () => {
    const pkg = await build({ distribution: 'bookworm-signed-unstable', revision: '1~signed12+1' });
    await signUpload(pkg, owner);
    editFile(pkg, pkg.changes, (text) => text.replace('Urgency: medium', 'Urgency: high'));
    await expectRejected(pkg, [
      `${pkg.changes}: BAD signature by key ${owner.fingerprint} (Owner <owner@example.org>): the signed text does not match its signature (changed after signing?)`,
    ]);
  });

  it('a signature by a key that is no uploader', async () => {
    const pkg = await build({ distribution: 'bookworm-signed-unstable', revision: '1~signed12+1' });
    await signUpload(pkg, stranger);
    await expectRejected(pkg, [
      `${pkg.changes}: signed by unknown key ${stranger.fingerprint}: it is not in the keyring of allowed uploaders`,
    ]);
  });

  it('a signature by an uploader of another repository', async () => {
    const pkg = await build({ distribution: 'bookworm-signed-unstable', revision: '1~signed12+1' });
    await signUpload(pkg, other);
    await expectRejected(pkg, [
      `${pkg.changes}: signed by key ${other.fingerprint} (Other <other@example.org>), which may not upload to repository signed (it may upload to test)`,
    ]);
  });

  it('a .dsc signed by another key than the .changes', async () => {
    const pkg = await build({ distribution: 'bookworm-signed-unstable', revision: '1~signed12+1' });
    await signUpload(pkg, other);
    await signChangesOnly(pkg, owner);
    await expectRejected(pkg, [
      `${pkg.dsc}: signed by key ${other.fingerprint} (Other <other@example.org>), but the .changes by key ${owner.fingerprint} (Owner <owner@example.org>); both must be signed by the same key`,
    ]);
  });

  it('an unsigned .dsc in a signed upload', async () => {
    const pkg = await build({ distribution: 'bookworm-signed-unstable', revision: '1~signed12+1' });
    await signChangesOnly(pkg, owner);
    await expectRejected(pkg, [
      `${pkg.dsc}: not signed; sign it with the key that signed the .changes (${owner.fingerprint}); debsign signs both`,
    ]);
  });

  it('a missing required field', async () => {
    const pkg = await build();
    editFile(pkg, pkg.changes, (text) => text.replace(/^Maintainer: .*\n/m, ''));
    await expectRejected(pkg, [`${pkg.changes}: missing required field Maintainer`]);
  });

  it('a .changes that is not UTF-8', async () => {
    const pkg = await build();
    const file = path.join(pkg.dir, pkg.changes);
    const text = readFileSync(file, 'latin1').replace(
      'Test Packager <packager',
      'T\xe9st Packager <packager',
    );
    writeFileSync(file, Buffer.from(text, 'latin1'));
    await expectRejected(pkg, [
      `${pkg.changes}:8: is not valid UTF-8; control files must be written in UTF-8`,
    ]);
  });

  it('a bad source name and version', async () => {
    const pkg = await build();
    editFile(pkg, pkg.changes, (text) =>
      text
        .replace(`Source: ${pkg.source}`, 'Source: Bad_Name')
        .replace(/^Version: .*$/m, 'Version: 1.0-1~x-:'),
    );
    await expectRejected(pkg, [
      `${pkg.changes}:3: invalid package name "Bad_Name" in Source: use lowercase letters, digits and "+-.", at least two characters, starting with a letter or digit`,
      `${pkg.changes}:5: invalid Version "1.0-1~x-:": epoch in version is not number`,
    ]);
  });

  it('Files and Checksums-Sha256 that disagree', async () => {
    const pkg = await build();
    editFile(pkg, pkg.changes, (text) =>
      text.replace(
        /^( [0-9a-f]{64} )(\d+)( \S+\.dsc)$/m,
        (_m, a, size, b) => `${a}${Number(size) + 1}${b}`,
      ),
    );
    const size = statSync(path.join(pkg.dir, pkg.dsc)).size;
    await expectRejected(pkg, [
      `${pkg.changes}: Checksums-Sha256 gives ${pkg.dsc} size ${size + 1}, but Files gives ${size}`,
    ]);
  });

  it('a file cut off during the upload, and one with other contents', async () => {
    const pkg = await build();
    const tarball = pkg.files.find((f) => f.includes('.debian.tar.'))!;
    const size = statSync(path.join(pkg.dir, tarball)).size;
    truncateSync(path.join(pkg.dir, tarball), 20);
    const orig = pkg.files.find((f) => f.includes('.orig.'))!;
    const origPath = path.join(pkg.dir, orig);
    const bytes = readFileSync(origPath);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(origPath, bytes);
    await expectRejected(pkg, [
      `${orig}: its MD5, SHA-1 and SHA-256 checksums do not match the .changes: this is not the file the .changes describes`,
      `${tarball}: is 20 bytes, the .changes says ${size} (cut off during the upload? upload it again)`,
    ]);
  });

  it('a .changes naming a file that could never be uploaded is rejected at once', async () => {
    const pkg = await build();
    editFile(pkg, pkg.changes, (text) => text.replaceAll(pkg.dsc, '../../etc/evil.dsc'));
    const evil = '"../../etc/evil.dsc" contains "/"';
    await expectRejected(
      pkg,
      [
        `${pkg.changes}:23: Files: unsafe file name ${evil}`,
        `${pkg.changes}:15: Checksums-Sha1: unsafe file name ${evil}`,
        `${pkg.changes}:19: Checksums-Sha256: unsafe file name ${evil}`,
        `${pkg.changes}: Architecture lists "source" but no .dsc is uploaded`,
        `${pkg.changes}: the upload holds neither a .dsc nor binary packages`,
      ],
      [path.join(pkg.dir, pkg.changes)],
    );
  });

  it('an unknown distribution', async () => {
    const pkg = await build({ distribution: 'bookworm-nosuch-unstable' });
    await expectRejected(pkg, [
      `${pkg.changes}: unknown distribution bookworm-nosuch-unstable: there is no repository "nosuch" (known: multi, signed, test)`,
    ]);
  });

  it('a rollback distribution', async () => {
    const pkg = await build({ distribution: 'bookworm-test-unstable-rollback2' });
    await expectRejected(pkg, [
      `${pkg.changes}: bookworm-test-unstable-rollback2 is a rollback distribution, which takes no uploads; upload to bookworm-test-unstable`,
    ]);
  });

  it('a suite that takes no uploads', async () => {
    const pkg = await build({ distribution: 'bookworm-test-testing' });
    await expectRejected(pkg, [
      `${pkg.changes}: bookworm-test-testing takes no uploads: packages reach testing by migration (uploadable suites: experimental, unstable, hotfix)`,
    ]);
  });

  it('a version against the suite’s version policy', async () => {
    const pkg = await build({ revision: '1' });
    await expectRejected(pkg, [
      `${pkg.changes}: 1.0-1 does not end in ~test12+<n> as uploads to unstable must (e.g. 1.0-1~test12+1)`,
    ]);
  });

  it('a version not higher than the suite’s, and one already in the repository', async () => {
    const pkg = await build({ source: 'present', upstream: '1.5' });
    await expectRejected(pkg, [
      `${pkg.changes}: version 1.5-1~test12+1 is not higher than 2.0-1~test12+1, the version of present in bookworm-test-unstable`,
      `${pkg.changes}: present 1.5-1~test12+1 is already in repository test (in bookworm-test-unstable-rollback0); a version is uploaded only once: raise it`,
    ]);
  });

  it('an upload without a .dsc', async () => {
    const pkg = await build();
    const orig = pkg.files.find((f) => f.includes('.orig.'))!;
    editFile(pkg, pkg.changes, (text) =>
      text
        .split('\n')
        .filter((line) => !line.endsWith('.dsc') && !line.includes('.debian.tar.'))
        .join('\n'),
    );
    await expectRejected(
      pkg,
      [
        `${pkg.changes}: Architecture lists "source" but no .dsc is uploaded`,
        `${pkg.changes}: the upload holds neither a .dsc nor binary packages`,
      ],
      [path.join(pkg.dir, orig), path.join(pkg.dir, pkg.changes)],
    );
  });

  it('a .dsc file neither uploaded nor in the pool, and one that differs from the pool', async () => {
    const missing = await build({ withoutOrig: true });
    await expectRejected(missing, [
      `${missing.source}_1.0.orig.tar.gz: named by ${missing.dsc} but neither uploaded nor in repository test: include it in the upload (dpkg-genchanges -sa)`,
    ]);
    const differs = await build({ source: 'pooled' });
    const orig = differs.files.find((f) => f.includes('.orig.'))!;
    pool.set(orig, { sha256: 'a'.repeat(64), size: statSync(path.join(differs.dir, orig)).size });
    await expectRejected(differs, [
      `${orig}: differs from the file of that name already in repository test: a file name stands for one content; leave it out to reuse the one there (dpkg-genchanges -sd), or give a new upstream tarball a new upstream version`,
    ]);
  });

  it('a source package breaking its format’s file-set rules', async () => {
    const pkg = await build();
    const tarball = pkg.files.find((f) => f.includes('.debian.tar.'))!;
    editFile(pkg, pkg.dsc, (text) =>
      text
        .split('\n')
        .filter((line) => !line.endsWith(tarball))
        .join('\n'),
    );
    await regenerateChanges(pkg);
    await expectRejected(
      pkg,
      [`${pkg.dsc}:15: no ${pkg.source}_1.0-1~test12+1.debian.tar.* in the file list`],
      filesOf(pkg).filter((f) => !f.endsWith(tarball)),
    );
  });

  it('an architecture nothing builds, and one no builder can build', async () => {
    const none = await build({ architecture: 'arm64' });
    await expectRejected(none, [
      `${none.dsc}: nothing to build: the package is for arm64, and bookworm-test-unstable builds for amd64`,
    ]);
    const unbuildable = await build({
      distribution: 'bookworm-multi-unstable',
      revision: '1~multi12+1',
    });
    await expectRejected(unbuildable, [
      `${unbuildable.dsc}: no builder can build for arm64 in bookworm (builders are there for amd64)`,
    ]);
  });

  it('an unknown upload option, and a bad value', async () => {
    const pkg = await build({
      changelogLines: [
        '* DEBYARD_OPTION: make-it-fast=true',
        '* MINI_BUILDD_OPTION: ignore-lintian=maybe',
      ],
    });
    await expectRejected(pkg, [
      `${pkg.changes}: DEBYARD_OPTION make-it-fast=true: unknown upload option "make-it-fast" (known: auto-ports, autopkgtest-mode, ignore-lintian, installability-mode, installtest-mode, internal-apt-priority, lintian-mode, run-lintian)`,
      `${pkg.changes}: MINI_BUILDD_OPTION ignore-lintian=maybe: ignore-lintian: "maybe" is not true or false`,
    ]);
  });

  it('lists every problem of an upload at once', async () => {
    const pkg = await build({
      distribution: 'bookworm-nosuch-unstable',
      changelogLines: ['* DEBYARD_OPTION: make-it-fast=true'],
    });
    const orig = pkg.files.find((f) => f.includes('.orig.'))!;
    const size = statSync(path.join(pkg.dir, orig)).size;
    truncateSync(path.join(pkg.dir, orig), 5);
    await expectRejected(pkg, [
      `${pkg.changes}: unknown distribution bookworm-nosuch-unstable: there is no repository "nosuch" (known: multi, signed, test)`,
      `${pkg.changes}: DEBYARD_OPTION make-it-fast=true: unknown upload option "make-it-fast" (known: auto-ports, autopkgtest-mode, ignore-lintian, installability-mode, installtest-mode, internal-apt-priority, lintian-mode, run-lintian)`,
      `${orig}: is 5 bytes, the .changes says ${size} (cut off during the upload? upload it again)`,
    ]);
  });
});

describe('accepted uploads', () => {
  it('takes a distribution alias, reuses .dsc files from the pool and keeps the upload options', async () => {
    const first = await build({ source: 'reuse' });
    const orig = first.files.find((f) => f.includes('.orig.'))!;
    const origPath = path.join(first.dir, orig);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(readFileSync(origPath)).digest('hex');
    pool.set(orig, { sha256, size: statSync(origPath).size });
    const pkg = await buildSourcePackage(path.join(root, 'reuse2'), {
      source: 'reuse',
      revision: '2~test12+1',
      distribution: 'unstable',
      withoutOrig: true,
      origFrom: origPath,
      changelogLines: [
        '* MINI_BUILDD_OPTION: ignore-lintian=true',
        '* DEBYARD_OPTION: run-lintian[arm64]=false',
        '* DEBYARD_OPTION: auto-ports=bookworm-multi-unstable',
        '* DEBYARD_OPTION: internal-apt-priority=500',
      ],
    });
    const record = await upload(pkg);
    expect(record).toMatchObject({
      state: 'ACCEPTED',
      source: 'reuse',
      version: '1.0-2~test12+1',
      distribution: 'bookworm-test-unstable',
      repository: 'test',
      codename: 'bookworm',
      suite: 'unstable',
      dscFile: pkg.dsc,
      architectures: ['amd64'],
      archAll: false,
      signer: null,
      reasons: [],
      options: {
        ignoreLintian: { default: true, byArchitecture: {} },
        runLintian: { default: null, byArchitecture: { arm64: false } },
        autoPorts: ['bookworm-multi-unstable'],
        internalAptPriority: 500,
      },
    });
    expect(record.files).toContainEqual({
      name: orig,
      size: statSync(origPath).size,
      sha256,
      inPool: true,
    });
    expect(readdirSync(path.join(h.home, record.spoolPath)).sort()).toEqual([...pkg.files].sort());
  });
});

/** debsign the .changes only (its .dsc keeps whatever signature it has). */
async function signChangesOnly(pkg: SourcePackage, signer: TestSigner): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const file = path.join(pkg.dir, pkg.changes);
  const body = readFileSync(file, 'utf8')
    .replace(/^-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?\n\n/, '')
    .replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '\n');
  writeFileSync(file, body);
  await promisify(execFile)(
    'gpg',
    [
      '--batch',
      '--yes',
      '--local-user',
      signer.fingerprint,
      '--clearsign',
      '--output',
      `${file}.asc`,
      file,
    ],
    {
      env: { ...process.env, GNUPGHOME: signer.home },
    },
  );
  renameSync(`${file}.asc`, file);
}
