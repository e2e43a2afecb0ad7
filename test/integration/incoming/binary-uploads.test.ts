import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  type BinaryUpload,
  buildBinaryUpload,
  buildDeb,
  buildSourcePackage,
  createSigner,
  persistentTempDir,
  signUpload,
  type TestSigner,
} from '../../fixtures/index.js';
import { filesOf, type IncomingHarness, startIncomingHarness } from '../../fixtures/subsystems.js';

const run = promisify(execFile);

/**
 * Binary uploads through the incoming: refused unless signed by a key given the binary
 * right for the target repository, and unless every .deb is what its name and the
 * .changes say.
 */
let root: string;
let h: IncomingHarness;
let packager: TestSigner;
let uploader: TestSigner;
let elsewhere: TestSigner;

beforeAll(async () => {
  root = persistentTempDir();
  h = await startIncomingHarness(path.join(root, 'home'));
  for (const id of ['bin', 'other']) {
    h.config.createRepository({
      id,
      description: `${id} repository`,
      layout: 'default',
      allowUnsigned: id === 'other',
      distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64'] })],
    });
  }
  [packager, uploader, elsewhere] = ['Packager', 'Uploader', 'Elsewhere'].map((name) =>
    createSigner(`${name} <${name.toLowerCase()}@example.org>`),
  ) as [TestSigner, TestSigner, TestSigner];
  const keys = h.incoming.uploaderKeys;
  await keys.add({ key: packager.publicKey, repositories: ['bin'] });
  keys.permit(packager.fingerprint, ['bin'], { binary: true });
  await keys.add({ key: uploader.publicKey, repositories: ['bin'] });
  await keys.add({ key: elsewhere.publicKey, repositories: ['bin'] });
  keys.permit(elsewhere.fingerprint, ['other'], { binary: true });
});

afterAll(async () => {
  await h?.stop();
  for (const signer of [packager, uploader, elsewhere]) signer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
async function make(
  options: Partial<Parameters<typeof buildBinaryUpload>[1]> = {},
  signer?: TestSigner,
): Promise<BinaryUpload> {
  counter++;
  const pkg = await buildBinaryUpload(path.join(root, `pkg${counter}`), {
    source: `b${counter}`,
    version: '1.0-1~bin12+1',
    distribution: 'bookworm-bin-unstable',
    ...options,
  });
  if (signer) await signUpload(pkg, signer);
  return pkg;
}

async function upload(pkg: BinaryUpload): Promise<UploadRecord> {
  await h.upload(filesOf(pkg));
  return h.outcome(pkg.changes);
}

async function expectRejected(pkg: BinaryUpload, reasons: string[]): Promise<void> {
  const record = await upload(pkg);
  expect(record.reasons).toEqual(reasons);
  expect(record.state).toBe('REJECTED');
  expect(h.events.list({ types: ['REJECTED'], uploadId: record.id })[0]!.message).toBe(
    `rejected ${pkg.changes}: ${reasons.join('; ')}`,
  );
  expect(readdirSync(h.layout.spool)).toEqual([]);
}

describe('binary uploads', () => {
  it('are refused from a key that may upload, but not binary packages (the default)', async () => {
    const pkg = await make({}, uploader);
    await expectRejected(pkg, [
      `${pkg.changes}: holds binary packages, but key ${uploader.fingerprint} (Uploader <uploader@example.org>) may not upload binary packages to repository bin (an admin allows it: debyard key-permit ${uploader.fingerprint} bin --binary)`,
    ]);
  });

  it('are refused from a key with the binary right for another repository', async () => {
    const pkg = await make({}, elsewhere);
    await expectRejected(pkg, [
      `${pkg.changes}: holds binary packages, but key ${elsewhere.fingerprint} (Elsewhere <elsewhere@example.org>) may not upload binary packages to repository bin (an admin allows it: debyard key-permit ${elsewhere.fingerprint} bin --binary)`,
    ]);
  });

  it('are refused unsigned, even where unsigned sources are taken', async () => {
    const pkg = await make({ version: '1.0-1~other12+1', distribution: 'bookworm-other-unstable' });
    await expectRejected(pkg, [
      `${pkg.changes}: not signed: an upload of binary packages must be signed (debsign) by a key allowed to upload binary packages to repository other`,
    ]);
  });

  it('are refused when a .deb’s control data disagrees with its name and the .changes', async () => {
    const arch = await make({ control: { architecture: 'arm64' } }, packager);
    await expectRejected(arch, [
      `${arch.deb}: its control data says Architecture arm64, its name and the .changes say amd64`,
    ]);
    const name = await make({ control: { package: 'intruder' } }, packager);
    await expectRejected(name, [
      `${name.deb}: its control data says Package intruder, its name says ${name.source}`,
    ]);
  });

  it('are refused for an architecture the distribution does not have', async () => {
    const pkg = await make({ architecture: 'arm64' }, packager);
    await expectRejected(pkg, [
      `${pkg.deb}: is for architecture arm64, which bookworm-bin-unstable does not have (it has amd64, and all)`,
    ]);
  });

  it('are accepted, to be installed without a build, from a key with the binary right', async () => {
    const pkg = await make({}, packager);
    const record = await upload(pkg);
    expect(record.reasons).toEqual([]);
    expect(record).toMatchObject({
      state: 'ACCEPTED',
      source: pkg.source,
      version: pkg.version,
      distribution: 'bookworm-bin-unstable',
      signer: packager.fingerprint,
      architectures: [],
      dscFile: null,
    });
    expect(h.events.list({ types: ['ACCEPTED'], uploadId: record.id })[0]!.message).toBe(
      `accepted ${pkg.source} ${pkg.version} for bookworm-bin-unstable: installs ${pkg.deb} (binary upload, not built)`,
    );
    expect(readdirSync(path.join(h.home, record.spoolPath)).sort()).toEqual(
      [pkg.changes, pkg.deb].sort(),
    );
  });

  it('are accepted with their source, which is checked as today', async () => {
    counter++;
    const src = await buildSourcePackage(path.join(root, `pkg${counter}`), {
      source: `m${counter}`,
      revision: '1~bin12+1',
      distribution: 'bookworm-bin-unstable',
    });
    const deb = buildDeb(src.dir, {
      name: src.source,
      version: src.version,
      architecture: 'amd64',
    });
    const tree = path.join(src.dir, `${src.source}-1.0`);
    await run('dpkg-distaddfile', [path.basename(deb), 'misc', 'optional'], { cwd: tree });
    const { stdout } = await run('dpkg-genchanges', ['-sa'], { cwd: tree });
    const changes = `${src.source}_${src.version}_amd64.changes`;
    writeFileSync(path.join(src.dir, changes), stdout);
    const pkg: BinaryUpload = {
      dir: src.dir,
      source: src.source,
      version: src.version,
      changes,
      deb: path.basename(deb),
      files: [...src.files.slice(0, -1), path.basename(deb), changes],
    };
    await signUpload(pkg, packager);
    const record = await upload(pkg);
    expect(record.reasons).toEqual([]);
    expect(record).toMatchObject({ state: 'ACCEPTED', dscFile: src.dsc, architectures: [] });
  });

  it('the binary right is shown, and taken away on its own', () => {
    const keys = h.incoming.uploaderKeys;
    expect(keys.get(elsewhere.fingerprint)).toMatchObject({
      repositories: ['bin', 'other'],
      binaryRepositories: ['other'],
    });
    expect(keys.forbid(elsewhere.fingerprint, ['other'], { binary: true })).toMatchObject({
      repositories: ['bin', 'other'],
      binaryRepositories: [],
    });
    expect(() => keys.forbid(elsewhere.fingerprint, ['other'], { binary: true })).toThrow(
      /may not upload binary packages to other anyway/,
    );
  });
});
