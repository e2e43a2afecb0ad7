import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSource, persistentTempDir } from '../../fixtures/index.js';
import {
  buildRequest,
  mountsBelow,
  processesUnder,
  testBuilder,
} from '../../fixtures/subsystems.js';

/**
 * Builds that attack their host's resources (the fill-disk and fork-flood fixtures) are
 * stopped at their limits and fail with the reason; every build's log tells its limits.
 */
const MiB = 1024 ** 2;
let env: Awaited<ReturnType<typeof testBuilder>>;
let snapshots: string;

beforeAll(async () => {
  snapshots = persistentTempDir('debyard-snapshots-');
  env = await testBuilder(snapshots, {
    pids: 256,
    memoryBytes: 1024 * MiB,
    cpus: 1,
    diskBytes: 4096 * MiB,
  });
}, 15 * 60_000);

afterAll(async () => {
  await env.groups.close();
  rmSync(snapshots, { recursive: true, force: true });
});

function expectNothingLeft(): void {
  expect(processesUnder(snapshots)).toEqual([]);
  expect(mountsBelow(snapshots)).toEqual([]);
  expect(readdirSync(snapshots)).toEqual([]);
  for (const parent of Object.values(env.groups.parents())) {
    expect(readdirSync(parent).filter((entry) => entry.startsWith('build-'))).toEqual([]);
  }
}

describe('resource limits of builds', () => {
  it('fails a build that writes past its disk limit, with the reason, in time', async () => {
    const started = Date.now();
    // The distribution's own limit (the request carries it) overrides the builder's 4 GiB.
    const request = buildRequest(fixtureSource('fill-disk'), env.lease, {
      timeLimitMs: 90_000,
      limits: { diskBytes: 128 * MiB },
    });
    const result = await env.builder.build(request);
    const log = readFileSync(result.logFile, 'utf8');

    expect(result, log).toMatchObject({ status: 'attempted', failStage: 'build' });
    expect(result.reason).toMatch(
      /^the build wrote more than 128 MiB into its snapshot and build folder \(\d+(\.\d)? MiB found; limit build\.limits\.disk\)$/,
    );
    expect(log).toContain('dd if=/dev/zero of=/tmp/debyard-fill');
    expect(log).toContain(`E: ${result.reason}`);
    // The header tells the limits in force before anything runs.
    const header = log.slice(0, log.indexOf('Chroot Setup'));
    expect(header).toMatch(/^Limits: 256 processes, 1 GiB memory, 1 CPU, 128 MiB disk$/m);
    expect(header).toMatch(
      /^Limits Enforced: cgroup v[12] \(pids, memory, cpu\); disk use watched$/m,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expectNothingLeft();
  }, 120_000);

  it('holds a build to its process limit and tells why it failed', async () => {
    const request = buildRequest(fixtureSource('fork-flood'), env.lease, {
      timeLimitMs: 45_000,
      limits: { pids: 64 },
    });
    const result = await env.builder.build(request);
    const log = readFileSync(result.logFile, 'utf8');

    expect(result, log).toMatchObject({ status: 'attempted', failStage: 'build' });
    expect(result.reason).toMatch(
      /; the build reached its limit of 64 processes \(\d+ forks? refused\)$/,
    );
    expect(log).toContain('debyard-fork-flood: starting 500 processes');
    expect(log).not.toContain('debyard-fork-flood: all 500 ran');
    expect(log).toMatch(/^Limits: 64 processes, 1 GiB memory, 1 CPU, 4 GiB disk$/m);
    expectNothingLeft();
  }, 120_000);
});
