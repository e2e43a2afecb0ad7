import path from 'node:path';
import type { BuildRequest } from '../../src/builder/build-request.js';
import type { BuildLimits } from '../../src/chroot/build-limits.js';
import { ResourceGroups } from '../../src/chroot/resource-groups.js';
import { LiveLogHub } from '../../src/builder/live-log.js';
import { LocalBuilder } from '../../src/builder/local-builder.js';
import type { ChrootKey } from '../../src/chroot/chroot-paths.js';
import type { BaseLease } from '../../src/chroot/chroot-service.js';
import { LocalRunner } from '../../src/exec/local-runner.js';
import { PtyRunner } from '../../src/exec/pty-runner.js';
import { systemClock } from '../../src/shared/clock.js';
import { testLease } from './base-chroot.js';
import { tempDir } from './temp-dir.js';

/** Limits for test builds: roomy, but far below what would hurt the host. */
export const TEST_LIMITS: BuildLimits = {
  pids: 4096,
  memoryBytes: 4 * 1024 ** 3,
  cpus: 2,
  diskBytes: 8 * 1024 ** 3,
};

/** A builder on the cached test base, with its snapshots under a fresh folder. */
export async function testBuilder(
  snapshotsDir: string,
  limits: BuildLimits = TEST_LIMITS,
): Promise<{
  builder: LocalBuilder;
  logs: LiveLogHub;
  lease: BaseLease;
  leases: () => number;
  groups: ResourceGroups;
}> {
  const lease = await testLease();
  let taken = 0;
  const logs = new LiveLogHub();
  const groups = new ResourceGroups({ key: snapshotsDir });
  const builder = new LocalBuilder({
    bases: {
      acquire: () => {
        taken++;
        return { ...lease, release: () => void taken-- };
      },
    },
    runner: new LocalRunner(),
    pty: new PtyRunner(),
    logs,
    clock: systemClock,
    snapshotsDir,
    groups,
    limits,
  });
  return { builder, logs, lease, leases: () => taken, groups };
}

let nextId = 1;

/** A request for the host's codename and architecture; results and log in a fresh folder. */
export function buildRequest(
  dsc: string,
  lease: ChrootKey,
  overrides: Partial<BuildRequest> = {},
): BuildRequest {
  const out = tempDir('debyard-result-');
  return {
    id: nextId++,
    dsc,
    codename: lease.codename,
    architecture: lease.architecture,
    archAll: true,
    distribution: `${lease.codename}-test-unstable`,
    lintian: 'disabled',
    timeLimitMs: 10 * 60_000,
    resultDir: path.join(out, 'results'),
    logFile: path.join(out, 'build.log'),
    ...overrides,
  };
}
