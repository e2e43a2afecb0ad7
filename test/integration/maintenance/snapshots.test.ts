import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../src/shared/errors.js';
import { createReposRouter } from '../../../src/web/repos-router.js';
import {
  checkPublishedDist,
  IsolatedApt,
  persistentTempDir,
  serve,
  treeHash,
} from '../../fixtures/index.js';
import {
  installVersion,
  openTestArchive,
  type TestArchive,
  testSigner,
  type TestArchiveSigner,
} from '../../fixtures/subsystems.js';

const DIST = 'bookworm-test-unstable';
const clock = new ManualClock('2026-03-01T12:00:00Z');

let dir: string;
let signer: TestArchiveSigner;
let archive: TestArchive;
let repoRoot: string;

beforeAll(async () => {
  dir = persistentTempDir('debyard-snapshots-');
  signer = await testSigner(dir);
  // No grace period: unreferenced pool files go as soon as no served index names them.
  archive = openTestArchive({
    home: path.join(dir, 'home'),
    signer,
    clock,
    retentionMinutes: 0,
    releaseValidDays: 7,
  });
  repoRoot = path.join(archive.reposRoot, 'test');
  await (
    await archive.service.start()
  ).published;
});
afterAll(() => {
  archive?.close();
  rmSync(dir, { recursive: true, force: true });
});

const install = (name: string, version: string) =>
  installVersion(archive, dir, DIST, name, version);
const pooled = (version: string) =>
  path.join(repoRoot, `pool/main/s/snap/snap_${version}_amd64.deb`);

async function collect(): Promise<number> {
  // Old generations stop being served after two more publishes.
  for (const n of [1, 2, 3]) {
    clock.advance(1000);
    await install(`filler${n}`, `1.${clock.now().getTime()}`);
  }
  clock.advance(1000);
  return archive.service.collectGarbage();
}

describe('snapshots', () => {
  let frozen: string;
  let latest: string;

  it('stays unchanged after later changes, apt-installable at its own URL', async () => {
    await install('snap', '1.0');
    const record = await archive.service.snapshots.create({ distribution: DIST, name: 'frozen' });
    expect(record).toMatchObject({ name: 'frozen', distribution: DIST, sources: 1, binaries: 1 });
    const snapshotDir = path.join(repoRoot, 'snapshots', 'frozen');
    frozen = treeHash(snapshotDir);
    expect(checkPublishedDist(snapshotDir, DIST)).toEqual([]);
    const release = readFileSync(path.join(snapshotDir, 'dists', DIST, 'Release'), 'utf8');
    expect(release).not.toMatch(/^Valid-Until:/m);
    expect(release).toMatch(/^Description: .* \(snapshot frozen\)$/m);

    // A newer version, then the old one removed for good and its files collected.
    await install('snap', '2.0');
    await archive.service.archive.remove(`${DIST}-rollback0`, 'snap');
    await archive.service.archive.remove(DIST, 'snap');
    expect(await collect()).toBe(3); // snap 2.0 (.dsc, .tar.xz, .deb); 1.0 is pinned
    expect(existsSync(pooled('1.0'))).toBe(true);
    expect(existsSync(pooled('2.0'))).toBe(false);
    expect(treeHash(snapshotDir)).toBe(frozen);

    const app = express();
    app.use(createReposRouter({ reposRoot: archive.reposRoot }));
    const url = await serve(app);
    const apt = new IsolatedApt(path.join(dir, 'apt'), 'amd64');
    apt.addSource('snapshot', {
      uri: `${url}/repos/test/snapshots/frozen/`,
      suites: [DIST],
      components: ['main'],
      signedBy: signer.keyFile,
    });
    const checks = ['-o', 'Acquire::Check-Valid-Until=true', '-o', 'Acquire::By-Hash=force'];
    const update = await apt.aptGet(['update'], checks);
    expect(update.problems, update.output).toEqual([]);
    const result = await apt.aptGet(['install', 'snap'], checks);
    expect(result.code, result.output).toBe(0);
    expect(readFileSync(path.join(apt.root, 'usr/share/snap/version'), 'utf8')).toBe('1.0\n');
    expect((await apt.aptGet(['source', '--download-only', 'snap'], checks)).code).toBe(0);
  });

  it('refuses bad names, taken names and unknown distributions', async () => {
    const { snapshots } = archive.service;
    await expect(snapshots.create({ distribution: DIST, name: 'frozen' })).rejects.toThrow(
      new ConflictError(
        `repository test has a snapshot frozen already (of ${DIST}, taken 2026-03-01T12:00:00.000Z)`,
      ),
    );
    await expect(snapshots.create({ distribution: DIST, name: '../x' })).rejects.toThrow(
      new InvalidInputError(
        '"../x" is not a snapshot name: 1-64 lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit',
      ),
    );
    await expect(
      snapshots.create({ distribution: 'bookworm-nosuch-unstable', name: 'x' }),
    ).rejects.toThrow(NotFoundError);
    await expect(snapshots.delete('test', 'nosuch')).rejects.toThrow(
      new NotFoundError('repository test has no snapshot nosuch (it has frozen)'),
    );
  });

  it('releases its pool files when deleted', async () => {
    await archive.service.snapshots.delete('test', 'frozen');
    expect(existsSync(path.join(repoRoot, 'snapshots', 'frozen'))).toBe(false);
    expect(await collect()).toBeGreaterThanOrEqual(3); // snap 1.0: .dsc, .tar.xz, .deb
    expect(existsSync(pooled('1.0'))).toBe(false);
    expect(archive.events.list({ types: ['SNAPSHOT'] }).map((e) => e.message)).toEqual([
      `snapshot frozen of ${DIST} deleted`,
      `snapshot frozen of ${DIST} taken (1 sources, 1 binaries)`,
    ]);
  });

  it('is taken on schedule for suites that changed, keeping the newest', async () => {
    const take = () => archive.service.takeScheduledSnapshots(1);
    const stamp = () =>
      clock.now().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const first = `auto-bookworm-unstable-${stamp()}`;
    expect(first).toMatch(/^auto-bookworm-unstable-20260301-\d{6}$/);
    expect(await take()).toEqual([first]);
    expect(await take()).toEqual([]); // nothing changed
    clock.advance(3_600_000);
    await install('later', '1.0');
    latest = `auto-bookworm-unstable-${stamp()}`;
    expect(await take()).toEqual([latest]);
    expect(archive.service.snapshots.list().map((s) => s.name)).toEqual([latest]);
  });

  it('cleans up after a crash: half-written snapshots and pool files without a record', async () => {
    const snapshots = path.join(repoRoot, 'snapshots');
    mkdirSync(path.join(snapshots, '.tmp-half-1234'), { recursive: true });
    mkdirSync(path.join(snapshots, 'orphan', 'dists'), { recursive: true });
    await archive.service.snapshots.cleanUp();
    expect(existsSync(path.join(snapshots, '.tmp-half-1234'))).toBe(false);
    expect(existsSync(path.join(snapshots, 'orphan'))).toBe(false);
    expect(existsSync(path.join(snapshots, latest))).toBe(true);

    const stray = path.join(repoRoot, 'pool/main/l/later/later_1.1_amd64.deb');
    const temp = path.join(repoRoot, 'pool/main/l/later/.later_1.0.dsc.abcd.tmp');
    const strayFolder = path.join(repoRoot, 'pool/main/c/crashed/crashed_1.0.dsc');
    for (const file of [stray, temp, strayFolder]) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'left by a crash');
    }
    expect(await archive.service.sweepPool()).toBe(3);
    expect(existsSync(stray) || existsSync(temp)).toBe(false);
    expect(existsSync(path.join(repoRoot, 'pool/main/c'))).toBe(false);
    expect(existsSync(path.join(repoRoot, 'pool/main/l/later/later_1.0_amd64.deb'))).toBe(true);
    expect(checkPublishedDist(repoRoot, DIST)).toEqual([]);
  });
});
