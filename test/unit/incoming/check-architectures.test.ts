import { describe, expect, it } from 'vitest';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import { dpkgArchitectureMatcher } from '../../../src/incoming/architecture-matcher.js';
import { planBuilds } from '../../../src/incoming/check-architectures.js';

const distribution = distributionSpec({
  codename: 'bookworm',
  architectures: ['amd64', 'arm64', 'hurd-amd64'],
});
const matcher = dpkgArchitectureMatcher();

async function plan(dscArchitectures: string[], buildable = distribution.architectures) {
  return planBuilds({
    dscName: 'p.dsc',
    dscArchitectures,
    distributionName: 'bookworm-test-unstable',
    distribution,
    buildable,
    matcher,
  });
}

describe('planBuilds (wildcards matched by dpkg-architecture)', () => {
  it('builds each matching architecture, arch:all on the arch-all architecture first', async () => {
    expect((await plan(['any'])).plan).toEqual({
      architectures: ['amd64', 'arm64', 'hurd-amd64'],
      archAll: false,
    });
    expect((await plan(['linux-any'])).plan.architectures).toEqual(['amd64', 'arm64']);
    expect((await plan(['any-amd64'])).plan.architectures).toEqual(['amd64', 'hurd-amd64']);
    expect((await plan(['all'])).plan).toEqual({ architectures: ['amd64'], archAll: true });
    expect((await plan(['arm64', 'all'])).plan).toEqual({
      architectures: ['amd64', 'arm64'],
      archAll: true,
    });
  });

  it('says when nothing is to be built, or no builder can', async () => {
    expect((await plan(['mips64el'])).problems).toEqual([
      {
        where: 'p.dsc',
        message:
          'nothing to build: the package is for mips64el, and bookworm-test-unstable builds for amd64, arm64, hurd-amd64',
      },
    ]);
    expect((await plan(['any'], ['amd64'])).problems).toEqual([
      {
        where: 'p.dsc',
        message:
          'no builder can build for arm64, hurd-amd64 in bookworm (builders are there for amd64)',
      },
    ]);
  });
});
