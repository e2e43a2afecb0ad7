import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BuildRequest, BuildResult } from '../../../src/builder/build-request.js';
import { HostSlots } from '../../../src/builder/host-slots.js';
import { LiveLogHub } from '../../../src/builder/live-log.js';
import { PeerJobs } from '../../../src/remote/peer-jobs.js';
import { systemClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

const KEY = { codename: 'bookworm', architecture: 'amd64' };
const DSC = Buffer.from('Format: 3.0 (native)\nSource: slow\n');

/** A build that runs until aborted, then needs `cleanupMs` to stop (unmounts, kills). */
function slowBuilder(cleanupMs: number) {
  return {
    build: (_request: BuildRequest, signal: AbortSignal) =>
      new Promise<BuildResult>((_resolve, reject) =>
        signal.addEventListener('abort', () => setTimeout(() => reject(signal.reason), cleanupMs)),
      ),
  };
}

async function startJob(jobs: PeerJobs): Promise<string> {
  const { job } = await jobs.create({
    ...KEY,
    archAll: false,
    distribution: 'bookworm-test-unstable',
    lintian: 'disabled',
    timeLimitMs: 60_000,
    dsc: 'slow_1.0.dsc',
    files: [
      {
        name: 'slow_1.0.dsc',
        size: DSC.length,
        sha256: createHash('sha256').update(DSC).digest('hex'),
      },
    ],
  });
  await jobs.receive(job, 'slow_1.0.dsc', Readable.from([DSC]));
  jobs.start(job);
  return job;
}

describe('PeerJobs.remove', () => {
  it('lists a removed job until its build has stopped and given its slot back', async () => {
    const slots = new HostSlots(1, () => 0);
    const jobs = new PeerJobs({
      builder: slowBuilder(300),
      logs: new LiveLogHub(),
      dir: tempDir(),
      slots: { take: () => slots.takeForPeer(), describe: () => slots.describe() },
      readyChroots: () => [KEY],
      clock: systemClock,
      logger: silentLogger,
    });
    const first = await startJob(jobs);
    await expect(startJob(jobs)).rejects.toThrow('this peer is busy: 1 of 1 builds running');
    const removing = jobs.remove(first);
    // While the build stops, the job is still there (and its slot still taken).
    await new Promise((r) => setTimeout(r, 100));
    expect(jobs.list().map((j) => j.job)).toEqual([first]);
    expect(slots.inUse()).toBe(1);
    await removing;
    // A requesting daemon that sees no jobs any more can start the next one at once.
    expect(jobs.list()).toEqual([]);
    expect(slots.inUse()).toBe(0);
    const second = await startJob(jobs);
    expect(jobs.list().map((j) => j.job)).toEqual([second]);
    await jobs.stop();
  });
});
