import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../src/shared/errors.js';
import { buildDeb, buildSource, persistentTempDir, treeHash } from '../../fixtures/index.js';
import { openTestArchive, type TestArchive, testSigner } from '../../fixtures/subsystems.js';

const UNSTABLE = 'bookworm-test-unstable';
const TESTING = 'bookworm-test-testing';
const EXPERIMENTAL = 'bookworm-test-experimental';

let dir: string;
let archive: TestArchive;
/** Full garbage collections asked for (after each install: all count as big here). */
let collections = 0;

beforeAll(async () => {
  dir = persistentTempDir('debyard-ops-');
  // Every install stages its index texts (as bulks of thousands of sources do): that path
  // is checked here, the kept one by every other test.
  archive = openTestArchive({
    home: path.join(dir, 'home'),
    signer: await testSigner(dir),
    stagedFromSources: 0,
    collectHeap: () => collections++,
    collectHeapFromSources: 0,
  });
  await (
    await archive.service.start()
  ).published;
});

afterAll(() => {
  archive?.close();
  rmSync(dir, { recursive: true, force: true });
});

function pkg(name: string, version: string, archs = ['amd64'], content?: string) {
  const out = path.join(dir, 'pkgs', `${name}-${version}-${content ?? ''}`);
  return {
    dsc: buildSource(out, { name, version, ...(content ? { readme: content } : {}) }),
    debs: archs.map((architecture) =>
      buildDeb(out, {
        name,
        version,
        architecture,
        files: { [`usr/share/${name}/v`]: `${version} ${content ?? ''}\n` },
      }),
    ),
  };
}

function published(dist: string, file: string): string {
  return readFileSync(path.join(archive.reposRoot, 'test', 'dists', dist, file), 'utf8');
}

const versionsIn = (dist: string, source: string) =>
  archive.service.queries
    .show([source])
    .filter((v) => v.distribution === dist)
    .map((v) => v.version);

/** Rows in the staging table of index texts; undefined before any install staged. */
const stagedTexts = () =>
  archive.db
    .prepare("SELECT 1 FROM sqlite_temp_master WHERE name = 'archive_staged_texts'")
    .get() === undefined
    ? undefined
    : (archive.db
        .prepare('SELECT count(*) FROM temp.archive_staged_texts')
        .pluck()
        .get() as number);

async function expectUnchanged(run: () => Promise<unknown>): Promise<unknown> {
  const before = treeHash(archive.reposRoot);
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(treeHash(archive.reposRoot)).toBe(before);
  // The index texts an install staged (Archive.install) are released when it fails.
  expect(stagedTexts() ?? 0).toBe(0);
  return error;
}

describe('archive operations', () => {
  it('installs, and is idempotent', async () => {
    const input = { distribution: UNSTABLE, packages: [pkg('alpha', '1.0', ['amd64', 'arm64'])] };
    expect(await archive.service.archive.install(input)).toEqual([
      { source: 'alpha', version: '1.0', distribution: UNSTABLE, changed: true },
    ]);
    expect(published(UNSTABLE, 'main/binary-amd64/Packages')).toMatch(
      /^Package: alpha\n(.+\n)*Filename: pool\/main\/a\/alpha\/alpha_1\.0_amd64\.deb$/m,
    );
    expect(published(UNSTABLE, 'main/source/Sources')).toMatch(/^Package: alpha$/m);
    // Its texts were staged (the table exists) and are released again.
    expect(stagedTexts()).toBe(0);
    const before = treeHash(archive.reposRoot);
    expect((await archive.service.archive.install(input))[0]!.changed).toBe(false);
    expect(treeHash(archive.reposRoot)).toBe(before);
    const events = archive.events.list({ types: ['INSTALLED'], source: 'alpha' });
    expect(events.map((e) => e.message)).toEqual([`alpha 1.0 installed in ${UNSTABLE}`]);
    // Each install's working set was collected before it published.
    expect(collections).toBe(2);
  });

  it('adds binaries built later to an installed version', async () => {
    const first = pkg('beta', '1.0', ['amd64']);
    await archive.service.archive.install({ distribution: UNSTABLE, packages: [first] });
    expect(published(UNSTABLE, 'main/binary-arm64/Packages')).not.toMatch(/^Package: beta$/m);
    const later = buildDeb(path.join(dir, 'pkgs', 'beta-arm'), {
      name: 'beta',
      version: '1.0',
      architecture: 'arm64',
    });
    const [result] = await archive.service.archive.install({
      distribution: UNSTABLE,
      packages: [{ dsc: first.dsc, debs: [later] }],
    });
    expect(result!.changed).toBe(true);
    expect(published(UNSTABLE, 'main/binary-arm64/Packages')).toMatch(/^Package: beta$/m);
  });

  it('hard-links handed-over files into the pool, also over a leftover of a crashed install', async () => {
    const first = pkg('handed', '1.0', ['amd64', 'arm64']);
    const second = pkg('handed-two', '1.0', ['amd64']);
    const pool = path.join(archive.reposRoot, 'test', 'pool', 'main', 'h');
    // What an install killed between linking and its commit leaves: a file, no record.
    mkdirSync(path.join(pool, 'handed-two'), { recursive: true });
    writeFileSync(path.join(pool, 'handed-two', 'handed-two_1.0_amd64.deb'), 'leftover');
    await archive.service.archive.install({
      distribution: UNSTABLE,
      packages: [first, second],
      handOver: true,
    });
    for (const [from, to] of [
      [first.debs[0]!, 'handed/handed_1.0_amd64.deb'],
      [first.debs[1]!, 'handed/handed_1.0_arm64.deb'],
      [second.debs[0]!, 'handed-two/handed-two_1.0_amd64.deb'],
    ] as const) {
      expect(statSync(path.join(pool, to)).ino).toBe(statSync(from).ino);
    }
    expect(readdirSync(path.join(pool, 'handed-two'))).toEqual([
      'handed-two_1.0.dsc',
      'handed-two_1.0.tar.xz',
      'handed-two_1.0_amd64.deb',
    ]);
    expect(published(UNSTABLE, 'main/binary-arm64/Packages')).toMatch(/^Package: handed$/m);
  });

  it('shifts older versions through the rollbacks and drops the oldest', async () => {
    for (let n = 1; n <= 8; n++) {
      await archive.service.archive.install({
        distribution: EXPERIMENTAL,
        packages: [pkg('gamma', `${n}.0`)],
      });
    }
    expect(versionsIn(EXPERIMENTAL, 'gamma')).toEqual(['8.0']);
    for (let r = 0; r < 6; r++) {
      expect(versionsIn(`${EXPERIMENTAL}-rollback${r}`, 'gamma')).toEqual([`${7 - r}.0`]);
      expect(published(`${EXPERIMENTAL}-rollback${r}`, 'main/source/Sources')).toContain(
        `Version: ${7 - r}.0`,
      );
    }
    expect(archive.service.queries.show(['gamma']).map((v) => v.version)).not.toContain('1.0');
    expect(published(EXPERIMENTAL, 'Release')).toMatch(/^NotAutomatic: yes$/m);
  });

  it('migrates to the next suite and removes', async () => {
    await archive.service.archive.install({
      distribution: UNSTABLE,
      packages: [pkg('delta', '1.0')],
    });
    const migrated = await archive.service.archive.migrate(UNSTABLE, 'delta');
    expect(migrated).toEqual({
      source: 'delta',
      version: '1.0',
      distribution: TESTING,
      changed: true,
    });
    expect(published(TESTING, 'main/binary-amd64/Packages')).toMatch(/^Package: delta$/m);
    await expect(archive.service.archive.migrate(UNSTABLE, 'delta')).rejects.toThrow(
      new ConflictError(`delta 1.0 is in ${TESTING} already`),
    );
    await archive.service.archive.remove(UNSTABLE, 'delta');
    expect(published(UNSTABLE, 'main/binary-amd64/Packages')).not.toMatch(/^Package: delta$/m);
    expect(published(TESTING, 'main/binary-amd64/Packages')).toMatch(/^Package: delta$/m);
    expect(archive.events.list({ source: 'delta' }).map((e) => e.type)).toEqual([
      'REMOVED',
      'MIGRATED',
      'INSTALLED',
    ]);
  });
});

describe('bad input leaves the archive unchanged', () => {
  it('refuses an unknown distribution', async () => {
    const error = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: 'bookworm-test-nosuch',
        packages: [pkg('eps', '1.0')],
      }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(
      'unknown distribution bookworm-test-nosuch: layout default has no suite nosuch (it has experimental, unstable, testing, hotfix, stable)',
    );
  });

  it('refuses a rollback distribution', async () => {
    const error = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: `${UNSTABLE}-rollback0`,
        packages: [pkg('eps', '1.0')],
      }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(
      `cannot install into the rollback distribution ${UNSTABLE}-rollback0 directly; rollbacks are filled by installing into ${UNSTABLE}`,
    );
  });

  it('refuses a version not higher than the current one, or present elsewhere', async () => {
    await archive.service.archive.install({
      distribution: UNSTABLE,
      packages: [pkg('zeta', '2.0')],
    });
    const lower = await expectUnchanged(() =>
      archive.service.archive.install({ distribution: UNSTABLE, packages: [pkg('zeta', '1.5')] }),
    );
    expect(lower).toBeInstanceOf(ConflictError);
    expect((lower as Error).message).toBe(
      `zeta 1.5 is not higher than 2.0, the version in ${UNSTABLE}`,
    );
    const elsewhere = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: 'bookworm-test-hotfix',
        packages: [pkg('zeta', '2.0')],
      }),
    );
    expect(elsewhere).toBeInstanceOf(ConflictError);
    expect((elsewhere as Error).message).toBe(
      `zeta 2.0 is in repository test already (in ${UNSTABLE}); a version is uploaded once, then migrated`,
    );
  });

  it('refuses a file that conflicts with the pool', async () => {
    await archive.service.archive.install({
      distribution: UNSTABLE,
      packages: [pkg('eta', '1.0')],
    });
    await archive.service.archive.remove(UNSTABLE, 'eta');
    // The removed version's files stay in the pool for the grace period.
    const error = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: UNSTABLE,
        packages: [pkg('eta', '1.0', ['amd64'], 'other content')],
      }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^pool file pool\/main\/e\/eta\/eta_1\.0\.dsc already exists with other content \(sha256 [0-9a-f]{16}…, the new one has [0-9a-f]{16}…\); a file name is never reused with different content$/,
      ),
      expect.stringMatching(/^pool file pool\/main\/e\/eta\/eta_1\.0\.tar\.xz already exists/),
      expect.stringMatching(/^pool file pool\/main\/e\/eta\/eta_1\.0_amd64\.deb already exists/),
    ]);
  });

  it('refuses a binary for an architecture the distribution does not have', async () => {
    const error = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: UNSTABLE,
        packages: [pkg('theta', '1.0', ['i386'])],
      }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems.map((p) => p.message)).toEqual([
      `theta_1.0_i386.deb: ${UNSTABLE} has no architecture i386 (it has amd64, arm64)`,
    ]);
  });

  it('refuses packages that do not belong together, or nothing at all', async () => {
    const own = pkg('iota', '1.0');
    const stranger = buildDeb(path.join(dir, 'pkgs', 'stranger'), {
      name: 'stranger',
      version: '1.0',
      architecture: 'amd64',
    });
    const mixed = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: UNSTABLE,
        packages: [{ dsc: own.dsc, debs: [...own.debs, stranger] }],
      }),
    );
    expect(mixed).toBeInstanceOf(InvalidInputError);
    expect((mixed as Error).message).toBe(
      'stranger_1.0_amd64.deb was built from source stranger 1.0, not iota 1.0',
    );
    // One source read and staged, the next refused: nothing of either stays.
    const partly = await expectUnchanged(() =>
      archive.service.archive.install({
        distribution: UNSTABLE,
        packages: [pkg('kappa', '1.0'), { dsc: own.dsc, debs: [...own.debs, stranger] }],
      }),
    );
    expect((partly as Error).message).toBe(
      'stranger_1.0_amd64.deb was built from source stranger 1.0, not iota 1.0',
    );
    const nothing = await expectUnchanged(() =>
      archive.service.archive.install({ distribution: UNSTABLE, packages: [{}] }),
    );
    expect((nothing as Error).message).toBe('nothing to install: give a .dsc, .deb files or both');
    await expect(archive.service.archive.migrate('bookworm-test-stable', 'iota')).rejects.toThrow(
      new InvalidInputError('suite stable does not migrate anywhere'),
    );
    await expect(archive.service.archive.remove(UNSTABLE, 'nosuch')).rejects.toThrow(
      new NotFoundError(`${UNSTABLE} has no source package nosuch`),
    );
  });
});
