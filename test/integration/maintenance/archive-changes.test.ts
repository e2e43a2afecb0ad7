import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../src/shared/errors.js';
import { createReposRouter } from '../../../src/web/repos-router.js';
import { IsolatedApt, persistentTempDir, serve } from '../../fixtures/index.js';
import {
  installVersion,
  openTestArchive,
  type TestArchive,
  type TestArchiveSigner,
  testSigner,
} from '../../fixtures/subsystems.js';

const UNSTABLE = 'bookworm-test-unstable';
const TESTING = 'bookworm-test-testing';
const STABLE = 'bookworm-test-stable';

let dir: string;
let signer: TestArchiveSigner;
let archive: TestArchive;

beforeAll(async () => {
  dir = persistentTempDir('debyard-changes-');
  signer = await testSigner(dir);
  archive = openTestArchive({ home: path.join(dir, 'home'), signer });
  await (
    await archive.service.start()
  ).published;
});
afterAll(() => {
  archive?.close();
  rmSync(dir, { recursive: true, force: true });
});

const install = (name: string, version: string) =>
  installVersion(archive, dir, UNSTABLE, name, version);

const where = (source: string) =>
  archive.service.queries
    .show([source])
    .map((v) => `${v.version} ${v.distribution}`)
    .sort();

/** Real apt-get with one suite of the archive, over HTTP. */
async function aptFor(suite: string, name: string) {
  const app = express();
  app.use(createReposRouter({ reposRoot: archive.reposRoot }));
  const url = await serve(app);
  const apt = new IsolatedApt(path.join(dir, `apt-${name}`), 'amd64');
  apt.addSource('debyard', {
    uri: `${url}/repos/test`,
    suites: [suite],
    components: ['main'],
    signedBy: signer.keyFile,
    types: 'deb',
  });
  const update = await apt.aptGet(['update']);
  expect(update.problems, update.output).toEqual([]);
  return apt;
}

const installed = (apt: IsolatedApt, name: string) =>
  readFileSync(path.join(apt.root, `usr/share/${name}/version`), 'utf8').trim();

describe('migrate', () => {
  it('moves a version one step, then apt installs it from the target suite', async () => {
    await install('hello', '1.0');
    expect(await archive.service.archive.migrateChain(UNSTABLE, 'hello', {})).toEqual([
      { source: 'hello', version: '1.0', distribution: TESTING, changed: true },
    ]);
    const apt = await aptFor(TESTING, 'testing');
    const result = await apt.aptGet(['install', 'hello']);
    expect(result.code, result.output).toBe(0);
    expect(installed(apt, 'hello')).toBe('1.0');
  });

  it('migrates along the whole chain, passing steps that hold the version already', async () => {
    expect(await archive.service.archive.migrateChain(UNSTABLE, 'hello', { full: true })).toEqual([
      { source: 'hello', version: '1.0', distribution: STABLE, changed: true },
    ]);
    expect(where('hello')).toEqual([`1.0 ${STABLE}`, `1.0 ${TESTING}`, `1.0 ${UNSTABLE}`]);
    const events = archive.events.list({ types: ['MIGRATED'], source: 'hello' });
    expect(events.map((e) => e.message)).toEqual([
      `hello 1.0 copied from ${TESTING} to ${STABLE}`,
      `hello 1.0 copied from ${UNSTABLE} to ${TESTING}`,
    ]);
  });

  it('refuses what makes no sense', async () => {
    await expect(archive.service.archive.migrateChain(UNSTABLE, 'hello', {})).rejects.toThrow(
      new ConflictError(`hello 1.0 is in ${TESTING} already`),
    );
    await expect(
      archive.service.archive.migrateChain(UNSTABLE, 'hello', { full: true }),
    ).rejects.toThrow(
      new ConflictError(`hello 1.0 has migrated all the way already (to ${TESTING}, ${STABLE})`),
    );
    await expect(archive.service.archive.migrateChain(STABLE, 'hello', {})).rejects.toThrow(
      new InvalidInputError('suite stable does not migrate anywhere'),
    );
    await expect(
      archive.service.archive.migrateChain(`${UNSTABLE}-rollback0`, 'hello', {}),
    ).rejects.toThrow(
      new InvalidInputError(
        `${UNSTABLE}-rollback0 is a rollback distribution; migrate from its suite, or restore the version into it`,
      ),
    );
    await expect(archive.service.archive.migrateChain(UNSTABLE, 'nosuch', {})).rejects.toThrow(
      new NotFoundError(`${UNSTABLE} has no source package nosuch`),
    );
  });
});

describe('rollbacks', () => {
  it('restores the previous version, and apt downgrades to it', async () => {
    await install('hello', '2.0');
    const apt = await aptFor(UNSTABLE, 'rollback');
    expect((await apt.aptGet(['install', 'hello'])).code).toBe(0);
    expect(installed(apt, 'hello')).toBe('2.0');
    expect(await archive.service.archive.restore(UNSTABLE, 'hello')).toEqual({
      source: 'hello',
      version: '1.0',
      distribution: UNSTABLE,
      changed: true,
    });
    expect(where('hello')).toContain(`2.0 ${UNSTABLE}-rollback0`);
    expect(where('hello')).toContain(`1.0 ${UNSTABLE}`);
    expect(where('hello')).not.toContain(`1.0 ${UNSTABLE}-rollback0`);
    expect((await apt.aptGet(['update'])).problems).toEqual([]);
    // apt never downgrades by itself: the restored version is the one the suite offers.
    const policy = await apt.aptCache(['madison', 'hello']);
    expect(policy.output.trim().split('\n')).toEqual([
      expect.stringMatching(/^hello \| +1\.0 \| .* bookworm-test-unstable\/main amd64 Packages$/),
    ]);
    const downgrade = await apt.aptGet(['install', '--allow-downgrades', 'hello=1.0']);
    expect(downgrade.code, downgrade.output).toBe(0);
    expect(installed(apt, 'hello')).toBe('1.0');
    const [event] = archive.events.list({ types: ['MIGRATED'], source: 'hello', limit: 1 });
    expect(event!.message).toBe(`hello 1.0 restored from ${UNSTABLE}-rollback0 to ${UNSTABLE}`);
  });

  it('restores a given version or rollback, and refuses what is not there', async () => {
    expect((await archive.service.archive.restore(`${UNSTABLE}-rollback0`, 'hello')).version).toBe(
      '2.0',
    );
    expect(
      (await archive.service.archive.restore(UNSTABLE, 'hello', { version: '1.0' })).version,
    ).toBe('1.0');
    await expect(
      archive.service.archive.restore(UNSTABLE, 'hello', { version: '0.5' }),
    ).rejects.toThrow(
      new NotFoundError(
        `the rollbacks of ${UNSTABLE} hold no hello 0.5 (rollbacks of hello: 2.0 in ${UNSTABLE}-rollback0)`,
      ),
    );
    await expect(archive.service.archive.restore(`${UNSTABLE}-rollback3`, 'hello')).rejects.toThrow(
      new NotFoundError(
        `${UNSTABLE}-rollback3 hold no hello (rollbacks of hello: 2.0 in ${UNSTABLE}-rollback0)`,
      ),
    );
    await install('lonely', '1.0');
    await expect(archive.service.archive.restore(UNSTABLE, 'lonely')).rejects.toThrow(
      new NotFoundError(`the rollbacks of ${UNSTABLE} hold no lonely (rollbacks of lonely: none)`),
    );
  });

  it('removes into the rollbacks (restorable), or for good', async () => {
    expect(
      await archive.service.archive.remove(UNSTABLE, 'lonely', undefined, { intoRollback: true }),
    ).toEqual({
      source: 'lonely',
      version: '1.0',
      distribution: UNSTABLE,
      changed: true,
      keptIn: `${UNSTABLE}-rollback0`,
    });
    expect(where('lonely')).toEqual([`1.0 ${UNSTABLE}-rollback0`]);
    expect((await archive.service.archive.restore(UNSTABLE, 'lonely')).version).toBe('1.0');
    const gone = await archive.service.archive.remove(UNSTABLE, 'lonely');
    expect(gone.keptIn).toBeNull();
    expect(where('lonely')).toEqual([]);
    const [event] = archive.events.list({ types: ['REMOVED'], source: 'lonely', limit: 1 });
    expect(event!.message).toBe(`lonely 1.0 removed from ${UNSTABLE}`);
  });
});
