import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../fixtures/index.js';
import { FakeBuilder, schedulerHarness, type SchedulerHarness } from '../../fixtures/subsystems.js';

const amd64 = { codename: 'bookworm', architecture: 'amd64' };
const DEB = 'pkg_1.1_amd64.deb';

async function stateOf(h: SchedulerHarness, uploadId: number, ...states: string[]) {
  await expect.poll(() => h.uploads.get(uploadId).state, { timeout: 15_000 }).toBeOneOf(states);
  return h.uploads.get(uploadId);
}

describe('binary uploads in the scheduler', () => {
  it('go from ACCEPTED straight to the install of their own .debs, built by nobody', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const upload = h.accept({ architectures: [], debs: [DEB], noSource: true });
    expect((await stateOf(h, upload.id, 'INSTALLED')).reasons).toEqual([]);
    expect(local.requests).toEqual([]);
    expect(h.scheduler.list({ uploadId: upload.id })).toEqual([]);
    expect(h.archive.installs).toEqual([
      {
        distribution: 'bookworm-test-unstable',
        packages: [{ debs: [path.join(h.home, upload.spoolPath, DEB)] }],
        uploadId: upload.id,
        handOver: true,
      },
    ]);
    await expect.poll(() => existsSync(path.join(h.home, upload.spoolPath))).toBe(false);
    // With its source: the .dsc goes in too.
    const mixed = h.accept({ architectures: [], debs: ['pkg_1.2_amd64.deb'] });
    await stateOf(h, mixed.id, 'INSTALLED');
    expect(h.archive.installs.at(-1)!.packages).toEqual([
      {
        dsc: path.join(h.home, mixed.spoolPath, mixed.dscFile!),
        debs: [path.join(h.home, mixed.spoolPath, 'pkg_1.2_amd64.deb')],
      },
    ]);
    await h.stop();
  });

  it('fail with the archive’s reason, and retry tries the install again', async () => {
    const h = schedulerHarness(tempDir(), { builders: [] });
    h.archive.refuse = new Error('the pool is on fire');
    const upload = h.accept({ architectures: [], debs: [DEB], noSource: true });
    const failed = await stateOf(h, upload.id, 'FAILED');
    expect(failed.reasons).toEqual([
      'cannot install into bookworm-test-unstable: the pool is on fire',
    ]);
    h.archive.refuse = null;
    expect(await h.scheduler.retry(upload.id, 'admin')).toEqual({
      upload: upload.id,
      state: 'BUILT',
      builds: [],
    });
    await stateOf(h, upload.id, 'INSTALLED');
    expect(h.archive.installs).toHaveLength(1);
    await h.stop();
  });

  it('are installed after a crash while ACCEPTED or BUILT', async () => {
    const h = schedulerHarness(tempDir(), { builders: [] });
    await h.stop();
    // The daemon died before the scheduler took them on, or before the install.
    const accepted = h.accept({ architectures: [], debs: [DEB], noSource: true });
    const built = h.accept({ architectures: [], debs: ['pkg_1.2_amd64.deb'], noSource: true });
    h.uploads.transition(built.id, ['ACCEPTED'], 'BUILT', new Date());
    const next = h.restart();
    await stateOf(next, accepted.id, 'INSTALLED');
    await stateOf(next, built.id, 'INSTALLED');
    expect(next.archive.installs.map((i) => i.uploadId).sort()).toEqual(
      [accepted.id, built.id].sort(),
    );
    await next.stop();
  });
});
