import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import { dputConf } from '../../../src/incoming/dput-conf.js';
import {
  buildSourcePackage,
  createSigner,
  editFile,
  persistentTempDir,
  signUpload,
  type SourcePackage,
  type TestSigner,
} from '../../fixtures/index.js';
import { filesOf, type IncomingHarness, startIncomingHarness } from '../../fixtures/subsystems.js';

// Issue 23.3: whom an upload is for decides where it may go, the daemon's own uploads
// (signed with its key) included, and what an upload's auto-ports may name.
const run = promisify(execFile);

let root: string;
let h: IncomingHarness;
let instance: TestSigner;
let owner: TestSigner;
let tester: TestSigner;
let dputCf: string;
let n = 0;

beforeAll(async () => {
  root = persistentTempDir('debyard-identity-');
  instance = createSigner('debyard testyard <debyard@testyard.invalid>');
  h = await startIncomingHarness(path.join(root, 'home'), {
    builders: { buildableArchitectures: () => ['amd64'] },
    instanceKey: () => ({ armored: instance.publicKey, fingerprint: instance.fingerprint }),
  });
  h.config.createRepository({
    id: 'signed',
    description: 'signed uploads only',
    layout: 'default',
    allowUnsigned: false,
    distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64'] })],
  });
  owner = createSigner('Owner <owner@example.org>');
  tester = createSigner('Tester <tester@example.org>');
  await h.incoming.uploaderKeys.add({ key: owner.publicKey, repositories: ['signed', 'test'] });
  await h.incoming.uploaderKeys.add({ key: tester.publicKey, repositories: ['test'] });
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(
    dputCf,
    dputConf({
      identity: 'testyard',
      host: '127.0.0.1',
      ftpPort: h.ftpPort,
      repositories: h.config.repositories(),
    }),
  );
}, 60_000);

afterAll(async () => {
  await h?.stop();
  for (const signer of [instance, owner, tester]) signer?.dispose();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

/** A new source package (its own name) for a distribution, with changelog lines. */
function source(distribution: string, lines: string[] = []): Promise<SourcePackage> {
  n++;
  const repo = distribution.split('-')[1]!;
  return buildSourcePackage(path.join(root, `p${n}`), {
    source: `who${n}`,
    revision: `1~${repo}12+1`,
    distribution,
    changelogLines: lines,
  });
}

/** Debian's dput, as an uploader runs it (unsigned uploads through the open stanza). */
async function dput(pkg: SourcePackage, stanza: string, signer?: TestSigner) {
  await run('dput', ['-U', '-c', dputCf, stanza, pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root, ...(signer ? { GNUPGHOME: signer.home } : {}) },
  });
  return h.outcome(pkg.changes);
}

const withField = (pkg: SourcePackage, line: string) =>
  editFile(pkg, pkg.changes, (text) => `${text.replace(/\n+$/, '')}\n${line}\n`);

describe("an upload's auto-ports", () => {
  it('may not name a repository the uploader may not upload to: an anonymous upload to test is refused there', async () => {
    const pkg = await source('bookworm-test-unstable', [
      '* DEBYARD_OPTION: auto-ports=bookworm-signed-unstable, bookworm-test-experimental',
    ]);
    const record = await dput(pkg, 'debyard-testyard-test');
    expect(record.state).toBe('REJECTED');
    expect(record.reasons).toEqual([
      `${pkg.changes}: auto-ports=bookworm-signed-unstable: an anonymous upload may not go to repository signed, which takes signed uploads only`,
    ]);
    const [event] = h.events.list({ uploadId: record.id, types: ['REJECTED'] });
    expect(event!.message).toContain('an anonymous upload may not go to repository signed');
  });

  it('are held to the rights of the key that signed the upload', async () => {
    const refused = await source('bookworm-test-unstable', [
      '* DEBYARD_OPTION: auto-ports=bookworm-signed-unstable',
    ]);
    await signUpload(refused, tester);
    const record = await dput(refused, 'debyard-testyard', tester);
    expect(record.reasons).toEqual([
      `${refused.changes}: auto-ports=bookworm-signed-unstable: key ${tester.fingerprint} may not upload to repository signed (it may upload to test)`,
    ]);
    const taken = await source('bookworm-test-unstable', [
      '* DEBYARD_OPTION: auto-ports=bookworm-signed-unstable',
    ]);
    await signUpload(taken, owner);
    expect(await dput(taken, 'debyard-testyard', owner)).toMatchObject({
      state: 'ACCEPTED',
      signer: owner.fingerprint,
      requestedBy: null,
      options: { autoPorts: ['bookworm-signed-unstable'] },
    });
  });

  it('cannot borrow an identity by writing it into the .changes: only the daemon’s key vouches for one', async () => {
    const pkg = await source('bookworm-test-unstable', [
      '* DEBYARD_OPTION: auto-ports=bookworm-signed-unstable',
    ]);
    withField(pkg, 'Debyard-Requested-By: user admin (admin)');
    const record = await dput(pkg, 'debyard-testyard-test');
    expect(record).toMatchObject({ state: 'REJECTED', signer: null, requestedBy: null });
    expect(record.reasons).toEqual([
      `${pkg.changes}: auto-ports=bookworm-signed-unstable: an anonymous upload may not go to repository signed, which takes signed uploads only`,
    ]);
  });
});

describe('uploads signed with the instance key', () => {
  /** A source for the signed repository, as the daemon makes it for `requestedBy`. */
  async function daemonUpload(requestedBy: string | null) {
    const pkg = await source('bookworm-signed-unstable');
    if (requestedBy !== null) withField(pkg, `Debyard-Requested-By: ${requestedBy}`);
    await signUpload(pkg, instance);
    await h.upload(filesOf(pkg));
    return { pkg, record: await h.outcome(pkg.changes) };
  }

  it('are refused where the one they are made for may not upload (an anonymous uploader)', async () => {
    const { pkg, record } = await daemonUpload('anonymous');
    expect(record).toMatchObject({ state: 'REJECTED', signer: instance.fingerprint });
    expect(record.reasons).toEqual([
      `${pkg.changes}: made for anonymous: an anonymous upload may not go to repository signed, which takes signed uploads only`,
    ]);
    const keyed = await daemonUpload(`key ${tester.fingerprint}`);
    expect(keyed.record.reasons).toEqual([
      `${keyed.pkg.changes}: made for key ${tester.fingerprint}: key ${tester.fingerprint} may not upload to repository signed (it may upload to test)`,
    ]);
  });

  it('are refused when they name nobody', async () => {
    const missing = await daemonUpload(null);
    expect(missing.record.reasons).toEqual([
      `${missing.pkg.changes}: signed with the daemon's own key, but without a Debyard-Requested-By field: the daemon's uploads say whom they are made for`,
    ]);
    const garbled = await daemonUpload('everyone');
    expect(garbled.record.reasons).toEqual([
      `${garbled.pkg.changes}: signed with the daemon's own key, but Debyard-Requested-By "everyone" names nobody: the daemon's uploads say whom they are made for`,
    ]);
  });

  it('are taken for staff and for keys with rights there, and keep whom they are for', async () => {
    const staff = await daemonUpload('user stella (staff)');
    expect(staff.record).toMatchObject({
      state: 'ACCEPTED',
      signer: instance.fingerprint,
      requestedBy: 'user stella (staff)',
    });
    const keyed = await daemonUpload(`key ${owner.fingerprint}`);
    expect(keyed.record).toMatchObject({
      state: 'ACCEPTED',
      requestedBy: `key ${owner.fingerprint}`,
    });
  });
});
